"""User management (admins): list, create (with a first login token), deactivate."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from tui_app.server.api.deps import Admin, Source, backend_of
from tui_app.server.api.schemas import (
    ERROR_RESPONSES,
    CreatedUserOut,
    UserCreateIn,
    UserOut,
    UserPage,
)
from tui_app.server.services import users

router = APIRouter(prefix="/v1/users", tags=["users"], responses=ERROR_RESPONSES)


@router.get("", response_model=UserPage, summary="Users, by id")
def list_users(
    request: Request,
    _caller: Admin,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> UserPage:
    page = users.list_users(backend_of(request), limit=limit, cursor=cursor)
    return UserPage(items=[UserOut.of(user) for user in page.items],
                    next_cursor=page.next_cursor)


@router.post("", response_model=CreatedUserOut, status_code=201,
             summary="Create a user; returns their first login token, once")
def create_user(request: Request, caller: Admin, body: UserCreateIn,
                source: Source = None) -> CreatedUserOut:
    created = users.create_user(backend_of(request), caller, email=body.email,
                                name=body.name, role=body.role, teams=body.teams,
                                source=source)
    return CreatedUserOut(user=UserOut.of(created.user), token=created.token)


@router.post("/{user_id}/deactivate", response_model=UserOut,
             summary="Deactivate: their keys and login tokens stop working at once")
def deactivate_user(request: Request, caller: Admin, user_id: str,
                    source: Source = None) -> UserOut:
    return UserOut.of(users.deactivate_user(backend_of(request), caller, user_id,
                                            source=source))
