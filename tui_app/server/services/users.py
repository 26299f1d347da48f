"""People: list them (admins everyone, managers their teams), add one with a first login
token, give someone a new login token."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from tui_app.domain.checks import FieldErrors, check_new_person
from tui_app.domain.errors import Conflict, NotFound
from tui_app.domain.field_error import FieldError
from tui_app.domain.models import Page, User
from tui_app.domain.roles import Role
from tui_app.server.services import cursors
from tui_app.server.services.backend import Backend
from tui_app.server.services.visibility import visible_people
from tui_app.server.store import audit as audit_store
from tui_app.server.store import db
from tui_app.server.store import people as people_store
from tui_app.server.store import users as users_store
from tui_app.server.store.users import Caller


@dataclass(frozen=True, slots=True)
class CreatedUser:
    user: User
    token: str  # a login token, shown this once

    def __repr__(self) -> str:  # never let a token reach a log through repr()
        return f"CreatedUser(user={self.user.id!r}, token='…')"


def _role_filter(role: str | None) -> Role | None:
    if not role:
        return None
    try:
        return Role(role)
    except ValueError:
        raise FieldErrors([FieldError(
            "role", "Role must be member, manager, admin or service.")]) from None


def list_users(backend: Backend, caller: Caller, *, limit: int, cursor: str | None,
               q: str | None = None, role: str | None = None, team: str | None = None,
               active: bool | None = None) -> Page[User]:
    """People by email, with their key counts; a manager sees their teams' people."""
    within = visible_people(caller)
    role_filter = _role_filter(role)
    after = cursors.decode_user_cursor(cursor)
    now = backend.now()
    with db.read_tx(backend.engine) as conn:
        team_id = users_store.find_team_id(conn, team) if team else None
        if team and team_id is None:
            return Page((), None)
        filters = people_store.PeopleFilters(q=q or None, role=role_filter, team_id=team_id,
                                             active=active, within_teams=within)
        rows = people_store.list_people(conn, filters, after, limit + 1)
        page = rows[:limit]
        next_cursor = cursors.encode_user_cursor(page[-1].email) if len(rows) > limit else None
        records = users_store.user_records(conn, page)
        return Page(tuple(people_store.with_key_stats(conn, records, now)), next_cursor)


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
                key_owner_id=user_id,
                details={"user_id": user_id, "email": person.email, "name": person.name,
                         "role": person.role.value, "teams": list(person.teams)},
            )
            user = users_store.user_records(conn, [users_store.get_user(conn, user_id)])[0]
    except IntegrityError:  # the same email, added by a concurrent request
        raise _email_taken() from None
    return CreatedUser(user=user, token=token)


def issue_login_token(backend: Backend, caller: Caller, user_id: str, *,
                      revoke_others: bool = False, source: str | None = None) -> CreatedUser:
    """A new login token for someone (a lost one, a new machine); with `revoke_others`
    every other login token of theirs stops working at once."""
    settings = backend.settings
    now = settings.clock()
    with backend.engine.begin() as conn:
        row = people_store.lock_user(conn, user_id[:64])
        if row is None:
            raise NotFound("user")
        if not row.active:
            raise Conflict("This person is deactivated: reactivate them first.")
        revoked = people_store.revoke_login_tokens(conn, row.id, now) if revoke_others else 0
        token = users_store.issue_login_token(conn, settings.pepper_bytes, row.id, now,
                                              env=settings.key_env)
        audit_store.record(
            conn, now=now, actor=caller, action="user.login_token_issued", source=source,
            key_owner_id=row.id,
            details={"user_id": row.id, "email": row.email, "revoked_others": revoked},
        )
        user = users_store.user_records(conn, [row])[0]
    return CreatedUser(user=user, token=token)
