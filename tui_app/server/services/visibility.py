"""Who may see whose keys: everyone their own; a manager also the keys of their teams'
plain members (never an admin's or a co-manager's who sits in the same team); an admin
everyone's; a service account nobody's. Listings, reads and every action on a key ask
here, and so does the audit log; a key the caller may not see is answered like a key
that does not exist.
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy.engine import Connection

from tui_app.domain.errors import Forbidden
from tui_app.domain.roles import Role
from tui_app.server.store import users as users_store
from tui_app.server.store.users import Caller


class Visible(NamedTuple):
    owners: tuple[str, ...] | None  # whose keys the caller may list; None: everyone (admin)
    members: frozenset[str]  # everyone in the caller's teams (managers), whatever their role


def visible_owners(conn: Connection, caller: Caller) -> Visible:
    """Whose keys the caller may see in listings, as owner ids."""
    if caller.role is Role.ADMIN:
        return Visible(None, frozenset())
    owners = {caller.id}
    members: set[str] = set()
    if caller.role is Role.MANAGER and caller.team_ids:
        for user_id, plain in users_store.team_roster(conn, caller.team_ids):
            members.add(user_id)
            if plain:
                owners.add(user_id)
    return Visible(tuple(sorted(owners)), frozenset(members))


class AuditView(NamedTuple):
    person_id: str | None  # entries about this person's keys or by them; None: all
    team_ids: tuple[str, ...]  # and about the keys of these teams' plain members


def audit_view(caller: Caller) -> AuditView:
    """The audit entries the caller may read: like keys, plus what they did themselves."""
    if caller.role is Role.ADMIN:
        return AuditView(None, ())
    return AuditView(caller.id, caller.team_ids if caller.role is Role.MANAGER else ())


def may_see(conn: Connection, caller: Caller, owner_id: str) -> bool:
    """Whether the caller may see (and act on) the keys of `owner_id`."""
    if caller.role is Role.SERVICE:
        return False
    if owner_id == caller.id or caller.role is Role.ADMIN:
        return True
    if caller.role is Role.MANAGER and caller.team_ids:
        return users_store.is_plain_member_of(conn, owner_id, caller.team_ids)
    return False


def visible_people(caller: Caller) -> tuple[str, ...] | None:
    """The teams whose people the caller may read: None for everyone (an admin); a
    manager their own teams'; nobody else may read people at all."""
    if caller.role is Role.ADMIN:
        return None
    if caller.role is Role.MANAGER:
        return caller.team_ids
    raise Forbidden("Only managers and admins may see people.")
