"""Changing a person (admins): name, role and teams; deactivation and reactivation.

Each change is one transaction with its audit entry (before and after). The person's
row is locked first, and with a change of an admin every active admin's row too, so the
last active admin can be neither demoted nor deactivated, even by two admins at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection

from tui_app.domain.checks import Unchanged, check_person_edit
from tui_app.domain.errors import Conflict, NotFound
from tui_app.domain.models import User
from tui_app.domain.people import LAST_ADMIN, removes_last_admin
from tui_app.domain.roles import Role
from tui_app.server.services.backend import Backend
from tui_app.server.store import audit as audit_store
from tui_app.server.store import connections as connections_store
from tui_app.server.store import people as people_store
from tui_app.server.store import users as users_store
from tui_app.server.store.users import Caller


@dataclass(frozen=True, slots=True)
class UserChange:
    user: User
    # Deactivation: the keys that stopped working; reactivation: those working again.
    keys_affected: int = 0


def _locked(conn: Connection, user_id: str) -> Any:
    row = people_store.lock_user(conn, user_id[:64])
    if row is None:
        raise NotFound("user")
    return row


def _keeps_an_admin(conn: Connection, row: Any, *, new_role: Role | None,
                    deactivating: bool) -> None:
    if Role(row.role) is not Role.ADMIN or not row.active:
        return
    if removes_last_admin(role=Role(row.role), active=row.active, new_role=new_role,
                          deactivating=deactivating,
                          active_admins=people_store.lock_active_admins(conn)):
        raise Conflict(LAST_ADMIN)


def _record(conn: Connection, row: Any) -> User:
    fresh = users_store.get_user(conn, row.id)
    return users_store.user_records(conn, [fresh])[0]


def edit_user(backend: Backend, caller: Caller, user_id: str, *, name: object,
              role: object, teams: object, source: str | None = None) -> UserChange:
    edit = check_person_edit(name=name, role=role, teams=teams)
    now = backend.now()
    with backend.engine.begin() as conn:
        row = _locked(conn, user_id)
        before = users_store.user_records(conn, [row])[0]
        new_role = None if isinstance(edit.role, Unchanged) else edit.role
        if new_role is not None and new_role is not before.role:
            _keeps_an_admin(conn, row, new_role=new_role, deactivating=False)
        new_name = None if isinstance(edit.name, Unchanged) else edit.name
        people_store.update_user(conn, row, name=new_name, role=new_role)
        if not isinstance(edit.teams, Unchanged):
            people_store.set_teams(conn, row.id, edit.teams, now)
        after = _record(conn, row)
        changed = {field: (getattr(before, field), getattr(after, field))
                   for field in ("name", "role", "teams")
                   if getattr(before, field) != getattr(after, field)}
        if changed:
            audit_store.record(
                conn, now=now, actor=caller, action="user.updated", source=source,
                key_owner_id=row.id,
                details={"user_id": row.id, "email": row.email,
                         "before": {f: _plain(old) for f, (old, _) in changed.items()},
                         "after": {f: _plain(new) for f, (_, new) in changed.items()}},
            )
        return UserChange(after)


def _plain(value: object) -> object:
    return list(value) if isinstance(value, tuple) else str(value)


def deactivate_user(backend: Backend, caller: Caller, user_id: str, *,
                    source: str | None = None) -> UserChange:
    """Their keys and login tokens stop working at once. Deactivating someone already
    inactive changes nothing; nobody may deactivate themselves."""
    now = backend.now()
    with backend.engine.begin() as conn:
        row = _locked(conn, user_id)
        if row.id == caller.id:
            raise Conflict("You cannot deactivate yourself.")
        if not row.active:
            return UserChange(_record(conn, row))
        _keeps_an_admin(conn, row, new_role=None, deactivating=True)
        stopped = people_store.count_working_keys(conn, row.id, now)
        users_store.deactivate_user(conn, row.id, now)
        connections_store.end_sessions_of_owner(conn, row.id, now)  # reactivation won't revive them
        audit_store.record(
            conn, now=now, actor=caller, action="user.deactivated", source=source,
            key_owner_id=row.id,
            details={"user_id": row.id, "email": row.email, "keys_affected": stopped,
                     "before": {"active": True}, "after": {"active": False}},
        )
        return UserChange(_record(conn, row), stopped)


def reactivate_user(backend: Backend, caller: Caller, user_id: str, *,
                    source: str | None = None) -> UserChange:
    """Their login tokens work again, and so do their keys that are not revoked, expired
    or disabled (for a fresh start, issue a new login token revoking the others)."""
    now = backend.now()
    with backend.engine.begin() as conn:
        row = _locked(conn, user_id)
        if row.active:
            return UserChange(_record(conn, row))
        people_store.reactivate_user(conn, row.id)
        started = people_store.count_working_keys(conn, row.id, now)
        audit_store.record(
            conn, now=now, actor=caller, action="user.reactivated", source=source,
            key_owner_id=row.id,
            details={"user_id": row.id, "email": row.email, "keys_affected": started,
                     "before": {"active": False}, "after": {"active": True}},
        )
        return UserChange(_record(conn, row), started)

