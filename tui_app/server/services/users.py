"""People (admins): list them, add one with a first login token, deactivate one."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from tui_app.domain.checks import check_new_person
from tui_app.domain.errors import Conflict, NotFound
from tui_app.domain.models import Page, User
from tui_app.server.services.backend import Backend
from tui_app.server.store import audit as audit_store
from tui_app.server.store import db
from tui_app.server.store import keys as keys_store
from tui_app.server.store import users as users_store
from tui_app.server.store.users import Caller


@dataclass(frozen=True, slots=True)
class CreatedUser:
    user: User
    token: str  # their first login token, shown this once

    def __repr__(self) -> str:  # never let a token reach a log through repr()
        return f"CreatedUser(user={self.user.id!r}, token='…')"


def list_users(backend: Backend, *, limit: int, cursor: str | None) -> Page[User]:
    """Everyone, by id; the cursor is the last id of the previous page."""
    with db.read_tx(backend.engine) as conn:
        rows = users_store.users_after(conn, cursor, limit + 1)
        next_cursor = rows[limit - 1].id if len(rows) > limit else None
        return Page(tuple(users_store.user_records(conn, rows[:limit])), next_cursor)


def _email_taken() -> Conflict:
    return Conflict("A user with this email already exists.")


def create_user(backend: Backend, caller: Caller, *, email: object, name: object,
                role: object, teams: object, source: str | None = None) -> CreatedUser:
    person = check_new_person(email=email, name=name, role=role, teams=teams)
    settings = backend.settings
    now = settings.clock()
    try:
        with backend.engine.begin() as conn:
            if users_store.email_taken(conn, person.email):
                raise _email_taken()
            user_id = users_store.create_user(
                conn, email=person.email, name=person.name, role=person.role,
                teams=person.teams, now=now,
            )
            token = users_store.issue_login_token(conn, settings.pepper_bytes, user_id, now,
                                                  env=settings.key_env)
            audit_store.record(
                conn, now=now, actor=caller, action="user.created", source=source,
                details={"user_id": user_id, "email": person.email,
                         "role": person.role.value, "teams": list(person.teams)},
            )
            user = users_store.user_records(conn, [users_store.get_user(conn, user_id)])[0]
    except IntegrityError:  # the same email, added by a concurrent request
        raise _email_taken() from None
    return CreatedUser(user=user, token=token)


def deactivate_user(backend: Backend, caller: Caller, user_id: str, *,
                    source: str | None = None) -> User:
    """Their keys and login tokens stop working at once. Deactivating someone already
    inactive changes nothing; nobody may deactivate themselves."""
    now = backend.now()
    with backend.engine.begin() as conn:
        row = users_store.get_user(conn, user_id[:64])
        if row is None:
            raise NotFound("user")
        if row.id == caller.id:
            raise Conflict("You cannot deactivate yourself.")
        if row.active:
            count = keys_store.count_owned(conn, row.id)
            users_store.deactivate_user(conn, row.id, now)
            audit_store.record(
                conn, now=now, actor=caller, action="user.deactivated", source=source,
                key_owner_id=row.id,
                details={"user_id": row.id, "email": row.email, "keys_affected": count},
            )
            row = users_store.get_user(conn, row.id)
        return users_store.user_records(conn, [row])[0]
