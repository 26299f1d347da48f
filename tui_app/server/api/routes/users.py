"""User management (admins): list, create (with a first login token), deactivate."""

from __future__ import annotations

from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Header, Query, Request
from sqlalchemy.exc import IntegrityError

from tui_app.domain import validation as v
from tui_app.domain.validation import FieldError
from tui_app.server.api.deps import Admin, engine_of, settings_of
from tui_app.server.api.errors import ApiProblem, not_found, validation_failed
from tui_app.server.api.schemas import (
    ERROR_RESPONSES,
    CreatedUserOut,
    UserCreateIn,
    UserOut,
    UserPage,
)
from tui_app.server.store import audit as audit_store
from tui_app.server.store import db
from tui_app.server.store import users as users_store

router = APIRouter(prefix="/v1/users", tags=["users"], responses=ERROR_RESPONSES)
# Unknown or odd values are recorded as "api" (audit_store.clean_source), never refused:
# a revoke must not fail over a label.
Source = Annotated[str | None, Header(alias="X-Agentkeys-Source")]
U = db.users


def _outs(conn: sa.Connection, rows: list[Any]) -> list[UserOut]:
    teams = users_store.teams_of(conn, [r.id for r in rows])
    return [users_store.user_out(r, [name for _, name in teams[r.id]]) for r in rows]


@router.get("", response_model=UserPage, summary="Users, by id")
def list_users(
    request: Request,
    _caller: Admin,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> UserPage:
    query = sa.select(U).order_by(U.c.id).limit(limit + 1)
    if cursor:
        query = query.where(U.c.id > cursor)
    with db.read_tx(engine_of(request)) as conn:
        rows = list(conn.execute(query))
        next_cursor = rows[limit - 1].id if len(rows) > limit else None
        return UserPage(items=_outs(conn, rows[:limit]), next_cursor=next_cursor)


@router.post("", response_model=CreatedUserOut, status_code=201,
             summary="Create a user; returns their first login token, once")
def create_user(request: Request, caller: Admin, body: UserCreateIn,
                source: Source = None) -> CreatedUserOut:
    settings = settings_of(request)
    now = settings.clock()
    errors: list[FieldError] = []
    values: dict[str, Any] = {}
    for name, fn, raw in (("email", v.validate_email, body.email),
                          ("name", v.validate_person_name, body.name),
                          ("teams", v.validate_team_names, body.teams)):
        try:
            values[name] = fn(raw)
        except FieldError as exc:
            errors.append(exc)
    if errors:
        raise validation_failed(errors)
    try:
        with engine_of(request).begin() as conn:
            if conn.execute(sa.select(U.c.id).where(U.c.email == values["email"])).first():
                raise ApiProblem(409, "CONFLICT", "A user with this email already exists.")
            user_id = users_store.create_user(
                conn, email=values["email"], name=values["name"], role=body.role,
                teams=values["teams"], now=now,
            )
            token = users_store.issue_login_token(conn, settings.pepper_bytes, user_id, now,
                                                  env=settings.key_env)
            audit_store.record(
                conn, now=now, actor=caller, action="user.created", source=source or "api",
                details={"user_id": user_id, "email": values["email"], "role": body.role,
                         "teams": values["teams"]},
            )
            user = _outs(conn, [users_store.get_user(conn, user_id)])[0]
    except IntegrityError:
        raise ApiProblem(409, "CONFLICT", "A user with this email already exists.") from None
    return CreatedUserOut(user=user, token=token)


@router.post("/{user_id}/deactivate", response_model=UserOut,
             summary="Deactivate: their keys and login tokens stop working at once")
def deactivate_user(request: Request, caller: Admin, user_id: str,
                    source: Source = None) -> UserOut:
    settings = settings_of(request)
    now = settings.clock()
    with engine_of(request).begin() as conn:
        row = users_store.get_user(conn, user_id[:64])
        if row is None:
            raise not_found("user")
        if row.id == caller.id:
            raise ApiProblem(409, "CONFLICT", "You cannot deactivate yourself.")
        if row.active:
            count = conn.execute(
                sa.select(sa.func.count()).select_from(db.keys)
                .where(db.keys.c.owner_id == row.id)
            ).scalar_one()
            users_store.deactivate_user(conn, row.id, now)
            audit_store.record(
                conn, now=now, actor=caller, action="user.deactivated", source=source or "api",
                key_owner_id=row.id,
                details={"user_id": row.id, "email": row.email, "keys_affected": count},
            )
            row = users_store.get_user(conn, row.id)
        return _outs(conn, [row])[0]
