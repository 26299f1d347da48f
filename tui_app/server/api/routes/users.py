"""People: admins list, add, edit, deactivate and reactivate them and give them login
tokens; managers read their teams' people."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from tui_app.domain.checks import UNCHANGED
from tui_app.server.api.deps import Admin, Manager, Source, backend_of
from tui_app.server.api.people_schemas import LoginTokenIn, UserChangeOut, UserPatchIn
from tui_app.server.api.schemas import (
    ERROR_RESPONSES,
    CreatedUserOut,
    UserCreateIn,
    UserOut,
    UserPage,
)
from tui_app.server.services import user_changes, users
from tui_app.server.services.user_changes import UserChange

router = APIRouter(prefix="/v1/users", tags=["users"], responses=ERROR_RESPONSES)


@router.get("", response_model=UserPage,
            summary="People by email (managers: their teams'), with their key counts")
def list_users(
    request: Request,
    caller: Manager,
    q: Annotated[str | None, Query(max_length=200)] = None,
    role: Annotated[str | None, Query(max_length=32)] = None,
    team: Annotated[str | None, Query(max_length=255)] = None,
    active: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> UserPage:
    page = users.list_users(backend_of(request), caller, limit=limit, cursor=cursor, q=q,
                            role=role, team=team, active=active)
    return UserPage(items=[UserOut.of(user) for user in page.items],
                    next_cursor=page.next_cursor)


@router.post("", response_model=CreatedUserOut, status_code=201,
             summary="Add a person; returns their first login token, once")
def create_user(request: Request, caller: Admin, body: UserCreateIn,
                source: Source = None) -> CreatedUserOut:
    created = users.create_user(backend_of(request), caller, email=body.email,
                                name=body.name, role=body.role, teams=body.teams,
                                source=source)
    return CreatedUserOut(user=UserOut.of(created.user), token=created.token)


@router.patch("/{user_id}", response_model=UserOut,
              summary="Change a person's name, role or teams (teams: the whole list)")
def edit_user(request: Request, caller: Admin, user_id: str, body: UserPatchIn,
              source: Source = None) -> UserOut:
    # A field sent as null is checked (and refused); a field left out is unchanged.
    given: dict[str, Any] = {field: getattr(body, field) if field in body.model_fields_set
                             else UNCHANGED for field in ("name", "role", "teams")}
    change = user_changes.edit_user(backend_of(request), caller, user_id, source=source,
                                    **given)
    return UserOut.of(change.user)


def _change_out(change: UserChange) -> UserChangeOut:
    return UserChangeOut(**UserOut.of(change.user).model_dump(),
                         keys_affected=change.keys_affected)


@router.post("/{user_id}/deactivate", response_model=UserChangeOut,
             summary="Deactivate: their keys and login tokens stop working at once")
def deactivate_user(request: Request, caller: Admin, user_id: str,
                    source: Source = None) -> UserChangeOut:
    return _change_out(user_changes.deactivate_user(backend_of(request), caller, user_id,
                                                    source=source))


@router.post("/{user_id}/reactivate", response_model=UserChangeOut,
             summary="Reactivate: their keys work again unless revoked, expired or disabled")
def reactivate_user(request: Request, caller: Admin, user_id: str,
                    source: Source = None) -> UserChangeOut:
    return _change_out(user_changes.reactivate_user(backend_of(request), caller, user_id,
                                                    source=source))


@router.post("/{user_id}/login-tokens", response_model=CreatedUserOut, status_code=201,
             summary="A new login token for the person, shown once")
def issue_login_token(request: Request, caller: Admin, user_id: str,
                      body: LoginTokenIn | None = None,
                      source: Source = None) -> CreatedUserOut:
    created = users.issue_login_token(
        backend_of(request), caller, user_id,
        revoke_others=bool(body and body.revoke_others), source=source)
    return CreatedUserOut(user=UserOut.of(created.user), token=created.token)
