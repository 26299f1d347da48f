"""People and teams for their management: listings, edits, (re)activation.

People are listed by email with keyset pagination (`email > last`: the unique index on
email serves the order, so a deep page costs what the first does, over any number of
people). Key counts and last use are read for one page at a time, in one grouped query
over the owner index of keys.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from tui_app.domain.ids import new_id
from tui_app.domain.models import Team, User
from tui_app.domain.roles import Role
from tui_app.domain.status import KeyStatus
from tui_app.server.store import db
from tui_app.server.store import keys as keys_store
from tui_app.server.store import users as users_store

U, K, TM, T = db.users, db.keys, db.team_members, db.teams


@dataclass(frozen=True, slots=True)
class PeopleFilters:
    q: str | None = None
    role: Role | None = None
    team_id: str | None = None
    active: bool | None = None
    within_teams: tuple[str, ...] | None = None  # None: everyone (an admin's view)


def _in_teams(team_ids: tuple[str, ...]) -> sa.ColumnElement[bool]:
    return U.c.id.in_(sa.select(TM.c.user_id).where(TM.c.team_id.in_(team_ids)))


def list_people(conn: Connection, filters: PeopleFilters, after: str | None,
                limit: int) -> list[Any]:
    """Up to `limit` user rows by email, after the email `after`."""
    query = sa.select(U).order_by(U.c.email).limit(limit)
    if after is not None:
        query = query.where(U.c.email > after)
    if filters.q:
        needle = filters.q.lower()
        # An exact id too, so a client can name someone by id or email alike.
        query = query.where(sa.or_(U.c.email.contains(needle, autoescape=True),
                                   sa.func.lower(U.c.name).contains(needle, autoescape=True),
                                   U.c.id == filters.q))
    if filters.role is not None:
        query = query.where(U.c.role == filters.role.value)
    if filters.active is not None:
        query = query.where(U.c.active.is_(filters.active))
    if filters.team_id is not None:
        query = query.where(_in_teams((filters.team_id,)))
    if filters.within_teams is not None:
        query = query.where(_in_teams(filters.within_teams))
    return list(conn.execute(query))


def with_key_stats(conn: Connection, users: list[User], now: datetime) -> list[User]:
    """The users with their key counts (all, and working now) and their keys' last use."""
    if not users:
        return users
    working = sa.case((keys_store.status_clause(KeyStatus.ACTIVE, now), 1), else_=0)
    rows = conn.execute(
        sa.select(K.c.owner_id, sa.func.count(), sa.func.sum(working),
                  sa.func.max(K.c.last_used_at))
        .where(K.c.owner_id.in_([u.id for u in users]))
        .group_by(K.c.owner_id)
    )
    stats = {owner: (int(total), int(active or 0), last) for owner, total, active, last in rows}
    out = []
    for user in users:
        total, active, last = stats.get(user.id, (0, 0, None))
        out.append(replace(user, keys=total, active_keys=active, last_used_at=last))
    return out


def count_working_keys(conn: Connection, owner_id: str, now: datetime) -> int:
    """The owner's keys that work now."""
    status = keys_store.status_clause(KeyStatus.ACTIVE, now)
    return int(conn.execute(
        sa.select(sa.func.count()).select_from(K).where(K.c.owner_id == owner_id, status)
    ).scalar_one())


def lock_active_admins(conn: Connection) -> int:
    """How many active admins there are, their rows locked until commit on PostgreSQL:
    two admins demoting each other at once cannot both pass the last-admin rule."""
    ids = conn.execute(
        sa.select(U.c.id).where(U.c.role == Role.ADMIN.value, U.c.active.is_(True))
        .with_for_update()
    ).scalars().all()
    return len(ids)


def lock_user(conn: Connection, user_id: str) -> Any:
    return conn.execute(sa.select(U).where(U.c.id == user_id).with_for_update()).first()


def update_user(conn: Connection, row: Any, *, name: str | None, role: Role | None) -> None:
    """Name and role; a new name is copied into the owner's keys, whose listing filters
    and searches read it without a join."""
    values: dict[str, Any] = {}
    if role is not None:
        values["role"] = role.value
    if name is not None:
        values["name"] = name
    if not values:
        return
    conn.execute(U.update().where(U.c.id == row.id).values(**values))
    if name is not None and name != row.name:
        # search_text is lower(key name, owner name, email): the key's part is name_lower.
        tail = f"\n{name}\n{row.email}".lower()
        conn.execute(K.update().where(K.c.owner_id == row.id).values(
            owner_name=name, search_text=K.c.name_lower + tail))


def set_teams(conn: Connection, user_id: str, teams: tuple[str, ...], now: datetime) -> None:
    """The person's teams become exactly these (by name; a new name makes a team)."""
    wanted = {users_store.ensure_team(conn, name, now) for name in teams}
    current = set(conn.execute(sa.select(TM.c.team_id).where(TM.c.user_id == user_id))
                  .scalars())
    if current - wanted:
        conn.execute(TM.delete().where(TM.c.user_id == user_id,
                                       TM.c.team_id.in_(current - wanted)))
    for team_id in sorted(wanted - current):
        conn.execute(TM.insert().values(team_id=team_id, user_id=user_id))


def reactivate_user(conn: Connection, user_id: str) -> None:
    """The person's keys work again unless revoked, expired or disabled: those states
    are kept in their own columns, which deactivation never touched."""
    conn.execute(U.update().where(U.c.id == user_id).values(active=True, deactivated_at=None))
    conn.execute(K.update().where(K.c.owner_id == user_id).values(
        owner_active=True, version=K.c.version + 1))


def revoke_login_tokens(conn: Connection, user_id: str, now: datetime) -> int:
    result = conn.execute(
        db.login_tokens.update()
        .where(db.login_tokens.c.user_id == user_id, db.login_tokens.c.revoked_at.is_(None))
        .values(revoked_at=now))
    return int(result.rowcount or 0)


# -- teams ------------------------------------------------------------------------------


def list_teams(conn: Connection, team_ids: tuple[str, ...] | None) -> list[Team]:
    """Teams by name with their member counts; `team_ids` None: every team."""
    members = (sa.select(sa.func.count()).select_from(TM)
               .where(TM.c.team_id == T.c.id).scalar_subquery())
    query = sa.select(T.c.id, T.c.name, T.c.created_at, members).order_by(T.c.name)
    if team_ids is not None:
        query = query.where(T.c.id.in_(team_ids))
    return [Team(id=i, name=n, created_at=c, members=int(m)) for i, n, c, m in conn.execute(query)]


def get_team(conn: Connection, team_id: str) -> Team | None:
    found = list_teams(conn, (team_id,))
    return found[0] if found else None


def team_named(conn: Connection, name: str) -> str | None:
    found = conn.execute(sa.select(T.c.id).where(T.c.name == name)).scalar()
    return None if found is None else str(found)


def create_team(conn: Connection, name: str, now: datetime) -> str:
    team_id = new_id("team")
    conn.execute(T.insert().values(id=team_id, name=name, created_at=now))
    return team_id


def rename_team(conn: Connection, team_id: str, name: str) -> None:
    conn.execute(T.update().where(T.c.id == team_id).values(name=name))
