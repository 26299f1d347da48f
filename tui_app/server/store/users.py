"""Users, teams and login tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from tui_app.domain.ids import new_id
from tui_app.domain.keyformat import TokenKind
from tui_app.domain.models import User, UserRef
from tui_app.domain.roles import Role
from tui_app.server import security
from tui_app.server.store import db


@dataclass(frozen=True, slots=True)
class Caller:
    """The authenticated user of a request."""

    id: str
    email: str
    name: str
    role: Role
    active: bool
    team_ids: tuple[str, ...]
    team_names: tuple[str, ...]
    created_at: datetime | None = None
    # Set when an agent acts through one of the person's keys (MCP tools): the audit
    # log names the key as the actor.
    via_key_id: str | None = None

    def record(self) -> User:
        return User(id=self.id, email=self.email, name=self.name, role=self.role,
                    teams=self.team_names, active=self.active, created_at=self.created_at)


def search_text(name: str, owner_name: str, owner_email: str) -> str:
    return f"{name}\n{owner_name}\n{owner_email}".lower()


def ensure_team(conn: Connection, name: str, now: datetime) -> str:
    found = conn.execute(sa.select(db.teams.c.id).where(db.teams.c.name == name)).scalar()
    if found:
        return str(found)
    team_id = new_id("team")
    conn.execute(db.teams.insert().values(id=team_id, name=name, created_at=now))
    return team_id


def create_user(
    conn: Connection,
    *,
    email: str,
    name: str,
    role: Role | str,
    teams: list[str] | tuple[str, ...] = (),
    now: datetime,
    user_id: str | None = None,
) -> str:
    user_id = user_id or new_id("usr")
    conn.execute(
        db.users.insert().values(
            id=user_id, email=email.strip().lower(), name=name.strip(), role=str(Role(role)),
            active=True, created_at=now,
        )
    )
    for team in teams:
        team_id = ensure_team(conn, team, now)
        conn.execute(db.team_members.insert().values(team_id=team_id, user_id=user_id))
    return user_id


def issue_login_token(
    conn: Connection, pepper: bytes, user_id: str, now: datetime, env: str = "live",
    expires_at: datetime | None = None,
) -> str:
    """Mint a login token (akp_…); only its digest is stored. Returns the plaintext."""
    token, digest, hint = security.new_token(pepper, TokenKind.PERSONAL, env)
    conn.execute(
        db.login_tokens.insert().values(
            id=new_id("tok"), user_id=user_id, digest=digest, hint=hint, created_at=now,
            expires_at=expires_at,
        )
    )
    return token


# Built once: building a statement costs several times more than running it (~190 µs
# against ~25 µs on SQLite), and this runs on every request.
_LOGIN_ROW = (
    sa.select(db.login_tokens.c.expires_at, db.login_tokens.c.revoked_at, db.users)
    .join(db.users, db.users.c.id == db.login_tokens.c.user_id)
    .where(db.login_tokens.c.digest == sa.bindparam("digest"))
)


def login_row(conn: Connection, digest: str) -> Any:
    """The login token with this digest and its account's columns, or None."""
    return conn.execute(_LOGIN_ROW, {"digest": digest}).first()


def revoke_login_token(conn: Connection, pepper: bytes, token: str, now: datetime) -> bool:
    result = conn.execute(
        db.login_tokens.update()
        .where(db.login_tokens.c.digest == security.digest(pepper, token))
        .where(db.login_tokens.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return bool(result.rowcount)


_TEAMS_OF = (  # built once: it runs on every authenticated request
    sa.select(db.team_members.c.user_id, db.teams.c.id, db.teams.c.name)
    .join(db.teams, db.teams.c.id == db.team_members.c.team_id)
    .where(db.team_members.c.user_id.in_(sa.bindparam("ids", expanding=True)))
    .order_by(db.teams.c.name)
)


def teams_of(conn: Connection, user_ids: list[str]) -> dict[str, list[tuple[str, str]]]:
    """user id → [(team id, team name)], sorted by name."""
    out: dict[str, list[tuple[str, str]]] = {uid: [] for uid in user_ids}
    if not user_ids:
        return out
    rows = conn.execute(_TEAMS_OF, {"ids": list(user_ids)})
    for user_id, team_id, team_name in rows:
        out[user_id].append((team_id, team_name))
    return out


def caller_from_row(conn: Connection, row: Any, *, with_teams: bool = True) -> Caller:
    teams = teams_of(conn, [row.id])[row.id] if with_teams else []
    return Caller(
        id=row.id, email=row.email, name=row.name, role=Role(row.role), active=row.active,
        team_ids=tuple(t[0] for t in teams), team_names=tuple(t[1] for t in teams),
        created_at=row.created_at,
    )


def user_records(conn: Connection, rows: list[Any]) -> list[User]:
    """User rows as records, with their teams' names."""
    teams = teams_of(conn, [row.id for row in rows])
    return [User(id=row.id, email=row.email, name=row.name, role=Role(row.role),
                 teams=tuple(name for _, name in teams[row.id]), active=row.active,
                 created_at=row.created_at)
            for row in rows]


def find_team_id(conn: Connection, id_or_name: str) -> str | None:
    t = db.teams
    found = conn.execute(
        sa.select(t.c.id).where(sa.or_(t.c.id == id_or_name, t.c.name == id_or_name))
    ).scalar()
    return None if found is None else str(found)


def members_of(conn: Connection, team_id: str) -> set[str]:
    """Everyone in the team, whatever their role."""
    tm = db.team_members
    return set(conn.execute(sa.select(tm.c.user_id).where(tm.c.team_id == team_id)).scalars())


def users_after(conn: Connection, after_id: str | None, limit: int) -> list[Any]:
    """Up to `limit` users by id, after `after_id`."""
    query = sa.select(db.users).order_by(db.users.c.id).limit(limit)
    if after_id:
        query = query.where(db.users.c.id > after_id)
    return list(conn.execute(query))


def email_taken(conn: Connection, email: str) -> bool:
    return conn.execute(
        sa.select(db.users.c.id).where(db.users.c.email == email)).first() is not None


def get_user(conn: Connection, user_id: str) -> Any:
    return conn.execute(sa.select(db.users).where(db.users.c.id == user_id)).first()


def find_user(conn: Connection, id_or_email: str) -> Any:
    column = db.users.c.email if "@" in id_or_email else db.users.c.id
    value = id_or_email.strip().lower() if "@" in id_or_email else id_or_email.strip()
    return conn.execute(sa.select(db.users).where(column == value)).first()


def refs(conn: Connection, user_ids: set[str | None]) -> dict[str, UserRef]:
    wanted = [u for u in user_ids if u]
    if not wanted:
        return {}
    rows = conn.execute(
        sa.select(db.users.c.id, db.users.c.name, db.users.c.email, db.users.c.role)
        .where(db.users.c.id.in_(wanted))
    )
    return {r.id: UserRef(id=r.id, name=r.name, email=r.email, role=r.role) for r in rows}


# FOR SHARE on PostgreSQL: creates by the same person run side by side, but a
# deactivation (an UPDATE of this row) waits for them, and they for it. SQLite has no row
# locks and needs none: its write transactions run one at a time (BEGIN IMMEDIATE).
_OWNER_ACTIVE_LOCKED = (
    sa.select(db.users.c.active).where(db.users.c.id == sa.bindparam("user_id"))
    .with_for_update(read=True)
)


def lock_owner_active(conn: Connection, user_id: str) -> bool:
    """Whether the user is active, read inside the write transaction that is about to
    copy that state into a new key, and held until it commits.

    Without the lock a key created while its owner is being deactivated could copy the
    state read before the deactivation and stay usable for good: deactivate_user marks
    the keys that exist when it runs. With it, either the deactivation comes first and
    this reads False, or the new key is committed first and the deactivation marks it.
    """
    return bool(conn.execute(_OWNER_ACTIVE_LOCKED, {"user_id": user_id}).scalar())


def deactivate_user(conn: Connection, user_id: str, now: datetime) -> None:
    """The user's keys stop working at once: owner_active is the flag every check reads;
    their login tokens stop at the next request (users.active is read on auth). The
    user's row is updated first: that takes the row lock lock_owner_active waits on, so
    no key being created can slip past the update of the keys below."""
    conn.execute(
        db.users.update().where(db.users.c.id == user_id).values(active=False, deactivated_at=now)
    )
    conn.execute(
        db.keys.update().where(db.keys.c.owner_id == user_id).values(
            owner_active=False, version=db.keys.c.version + 1
        )
    )


def team_roster(conn: Connection, team_ids: tuple[str, ...]) -> list[tuple[str, bool]]:
    """(user id, whether a plain member) for everyone in these teams. One query, a merge
    of two index-only scans (team members' key, db.NOT_MEMBERS_INDEX), where asking each
    member's role cost a lookup per member (a 400-member team: ~7 ms, now ~2 ms)."""
    tm, u = db.team_members, db.users
    not_member = sa.and_(u.c.id == tm.c.user_id, u.c.role != Role.MEMBER.value)
    rows = conn.execute(
        sa.select(tm.c.user_id, u.c.id.is_(None))
        .select_from(tm.outerjoin(u, not_member))
        .where(tm.c.team_id.in_(team_ids))
    )
    return [(user_id, bool(plain)) for user_id, plain in rows]


def is_plain_member_of(conn: Connection, user_id: str, team_ids: tuple[str, ...]) -> bool:
    """Whether the user is a plain member of one of these teams."""
    found = conn.execute(
        team_member_ids(team_ids).where(db.team_members.c.user_id == user_id).limit(1)
    ).first()
    return found is not None


def team_member_ids(team_ids: tuple[str, ...]) -> sa.Select[Any]:
    """A subquery: the people of the given teams whose keys their manager may act on.

    Only users with role `member`: a manager acts on the keys of their teams' members,
    never on those of an admin or a co-manager who happens to sit in the same team.
    """
    return (
        sa.select(db.team_members.c.user_id)
        .join(db.users, db.users.c.id == db.team_members.c.user_id)
        .where(db.team_members.c.team_id.in_(team_ids))
        .where(db.users.c.role == "member")
    )
