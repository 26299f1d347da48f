"""Agent keys: rows as records, status and visibility as SQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles

from tui_app.domain.models import AgentKey, UserRef
from tui_app.domain.status import KeyStatus, derive_status
from tui_app.server.store import db
from tui_app.server.store import users as users_store

K = db.keys

# Status as SQL, mirroring domain.status.derive_status (first match wins).
STATUS_RANK = {KeyStatus.ACTIVE: 0, KeyStatus.INACTIVE: 1, KeyStatus.EXPIRED: 2,
               KeyStatus.REVOKED: 3}


def status_rank_expr(now: datetime, t: sa.Table = K) -> sa.ColumnElement[int]:
    """`t`: keys, or key_teams (same status columns)."""
    # Literals, not bound parameters: the same expression may appear in SELECT and
    # GROUP BY, and PostgreSQL only matches them when they are textually equal.
    now_ms: sa.ColumnElement[int] = sa.literal_column(str(int(db.to_millis(now))))
    expires = sa.type_coerce(t.c.expires_at, sa.BigInteger)
    return sa.case(
        (t.c.revoked_at.is_not(None), sa.literal_column("3")),
        (sa.and_(t.c.expires_at.is_not(None), expires <= now_ms), sa.literal_column("2")),
        (sa.or_(t.c.disabled_at.is_not(None), t.c.owner_active.is_(False)),
         sa.literal_column("1")),
        else_=sa.literal_column("0"),
    )


class _Unindexed(sa.sql.functions.FunctionElement[int]):
    type = sa.BigInteger()
    inherit_cache = True
    name = "unindexed"


@compiles(_Unindexed)
def _unindexed_default(element: _Unindexed, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(next(iter(element.clauses)), **kw))


@compiles(_Unindexed, "sqlite")
def _unindexed_sqlite(element: _Unindexed, compiler: Any, **kw: Any) -> str:
    return f"({compiler.process(next(iter(element.clauses)), **kw)} + 0)"


def unindexed(column: sa.ColumnElement[Any]) -> sa.ColumnElement[int]:
    """On SQLite `(column + 0)`: the same value (NULL stays NULL) that no index serves;
    elsewhere the column itself.

    Status predicates match most of the table (revoked_at IS NULL, expires_at > now);
    given an index on them, SQLite's planner range-scans it and sorts the lot instead of
    walking the sort column's index and stopping after one page. PostgreSQL weighs this
    well from its statistics — and an expression there would hide the statistics and
    mislead it — so it sees the plain column."""
    return _Unindexed(sa.type_coerce(column, sa.BigInteger))


def status_clause(status: KeyStatus, now: datetime, t: sa.Table = K) -> sa.ColumnElement[bool]:
    """`t`: keys, or key_teams (same status columns)."""
    now_ms = db.to_millis(now)
    revoked_at, expires_at = unindexed(t.c.revoked_at), unindexed(t.c.expires_at)
    not_expired = sa.or_(expires_at.is_(None), expires_at > now_ms)
    if status is KeyStatus.REVOKED:  # rare: an index on it helps
        return t.c.revoked_at.is_not(None)
    if status is KeyStatus.EXPIRED:
        return sa.and_(revoked_at.is_(None), expires_at.is_not(None), expires_at <= now_ms)
    if status is KeyStatus.INACTIVE:
        return sa.and_(revoked_at.is_(None), not_expired,
                       sa.or_(t.c.disabled_at.is_not(None), t.c.owner_active.is_(False)))
    return sa.and_(revoked_at.is_(None), not_expired, t.c.disabled_at.is_(None),
                   t.c.owner_active.is_(True))


def get_row(conn: Connection, key_id: str, *, for_update: bool = False) -> Any:
    query = sa.select(K).where(K.c.id == key_id)
    if for_update and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return conn.execute(query).first()


def insert_key(conn: Connection, **values: Any) -> None:
    conn.execute(K.insert().values(**values))


def update_key(conn: Connection, key_id: str, **values: Any) -> None:
    """Change the key's columns; every change makes a new version (If-Match)."""
    conn.execute(K.update().where(K.c.id == key_id).values(**values, version=K.c.version + 1))


def delete_key(conn: Connection, key_id: str) -> None:
    """The key, and its rate-limit window with it."""
    conn.execute(db.rate_limit.delete().where(db.rate_limit.c.key_id == key_id))
    conn.execute(K.delete().where(K.c.id == key_id))


def count_owned(conn: Connection, owner_id: str) -> int:
    return int(conn.execute(
        sa.select(sa.func.count()).select_from(K).where(K.c.owner_id == owner_id)
    ).scalar_one())


def status_of(row: Any, now: datetime) -> tuple[KeyStatus, Any]:
    return derive_status(
        now=now, revoked_at=row.revoked_at, expires_at=row.expires_at,
        disabled_at=row.disabled_at, owner_active=row.owner_active,
    )


def key_records(conn: Connection, rows: list[Any], now: datetime) -> list[AgentKey]:
    """Key rows as records, with their status at `now` and the people they name."""
    # SQLAlchemy's Row resolves each attribute in Python (~0.8 us a read) where its
    # mapping is a C lookup: one copy into a namespace costs less than the ~25 reads a
    # record takes (a page of 100 keys: 4.4 -> 2.7 ms, measured).
    rows = [SimpleNamespace(**row._mapping) for row in rows]
    # Owners' refs come from the row itself; only other people need a lookup (usually
    # nobody: most keys are created, disabled and revoked by their owner).
    refs: dict[str, UserRef] = {
        row.owner_id: UserRef(id=row.owner_id, name=row.owner_name, email=row.owner_email)
        for row in rows
    }
    wanted: set[str | None] = {row.created_by_id for row in rows} - set(refs)
    # Who disabled or revoked a key is read with their role even when they own keys on
    # this page: "disabled by Ada Admin (admin)" tells an owner who may enable it.
    for row in rows:
        wanted.update((row.revoked_by_id, row.disabled_by_id))
    wanted.discard(None)
    if wanted:
        refs.update(users_store.refs(conn, wanted))
    return [key_record(row, now, refs) for row in rows]


def key_record(row: Any, now: datetime, refs: dict[str, UserRef]) -> AgentKey:
    """One key row as a record; `refs` has the people it names (else only its owner,
    from the row's own copy, is known)."""
    status, reason = status_of(row, now)
    owner = refs.get(row.owner_id) or UserRef(
        id=row.owner_id, name=row.owner_name, email=row.owner_email
    )
    return AgentKey(
        id=row.id,
        name=row.name,
        description=row.description or "",
        owner=owner,
        created_by=refs.get(row.created_by_id) if row.created_by_id else None,
        created_at=row.created_at,
        expires_at=row.expires_at,
        scope=row.scope,
        allowed_tools=tuple(row.allowed_tools or ()),
        blocked_tools=tuple(row.blocked_tools or ()),
        rate_limit_rpm=row.rate_limit_rpm,
        hint=row.hint,
        last_used_at=row.last_used_at,
        last_used_tool=row.last_used_tool,
        revoked_at=row.revoked_at,
        revoked_by=refs.get(row.revoked_by_id) if row.revoked_by_id else None,
        disabled_at=row.disabled_at,
        disabled_by=refs.get(row.disabled_by_id) if row.disabled_by_id else None,
        status=status,
        status_reason=reason.value if reason else None,
        version=row.version,
    )


def read_key(conn: Connection, key_id: str, now: datetime) -> AgentKey:
    """The key as stored now, as a record (the key must exist)."""
    return key_records(conn, [get_row(conn, key_id)], now)[0]


def used_within(row: Any, now: datetime, window: timedelta) -> bool:
    return row.last_used_at is not None and row.last_used_at > now - window
