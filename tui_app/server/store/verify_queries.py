"""The statements of one verify, written once in SQLAlchemy Core and compiled once per
driver, and the records their rows become.

A verify is one round trip: one statement reads the key with its owner's role and the
people it refers to and, when the gateway's sign-in is not remembered, the gateway's
login token and account too (each side a unique-index lookup joined to a one-row anchor,
so either may be missing). For a key with a rate limit one UPSERT counts the call, and at
most once a minute per key an UPDATE records its use.

The drivers run the compiled text directly: SQLAlchemy's per-call execution machinery
costs several times more than these indexed lookups. Rows are decoded here, by position,
the same way for every driver.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import SQLCompiler

from tui_app.server.store import agent_tables, db

K, U, T, R = db.keys, db.users, db.login_tokens, db.rate_limit
S = agent_tables.key_sessions


class KeyRow(NamedTuple):
    """An agent key as verify reads it: its row, its owner's role and the names of the
    people who created, revoked or disabled it (None when nobody or nobody known)."""

    id: str
    name: str
    description: str
    owner_id: str
    owner_active: bool
    owner_email: str
    owner_name: str
    created_by_id: str | None
    created_at: datetime
    expires_at: datetime | None
    scope: str
    allowed_tools: list[str]
    blocked_tools: list[str]
    rate_limit_rpm: int | None
    hint: str
    last_used_at: datetime | None
    last_used_tool: str | None
    revoked_at: datetime | None
    revoked_by_id: str | None
    disabled_at: datetime | None
    disabled_by_id: str | None
    version: int
    owner_role: str
    created_by_name: str | None
    created_by_email: str | None
    revoked_by_name: str | None
    revoked_by_email: str | None
    disabled_by_name: str | None
    disabled_by_email: str | None


class CallerRow(NamedTuple):
    """The verifying gateway's login token and account."""

    expires_at: datetime | None
    revoked_at: datetime | None
    id: str
    email: str
    name: str
    role: str
    active: bool
    created_at: datetime | None


class SessionRow(NamedTuple):
    """A key session as verify reads it (its key comes in the same statement)."""

    id: str
    scope: str
    access_expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


# --- The statements -----------------------------------------------------------------------

_OWNER = U.alias("ku")
# The people a key refers to besides its owner: (the key's column, alias, record prefix).
_REFS = tuple((K.c[f"{prefix}_id"], U.alias(prefix[0]), prefix)
              for prefix in ("created_by", "revoked_by", "disabled_by"))
_KEY_OWN_FIELDS = KeyRow._fields[:KeyRow._fields.index("owner_role")]

_KEY_COLUMNS = [
    *(K.c[name] for name in _KEY_OWN_FIELDS),
    _OWNER.c.role.label("owner_role"),
    *(column for _, alias, prefix in _REFS
      for column in (alias.c.name.label(f"{prefix}_name"),
                     alias.c.email.label(f"{prefix}_email"))),
]


def _key_from() -> sa.FromClause:
    """The key, its owner, and whoever of the others is known."""
    joined: sa.FromClause = K.join(_OWNER, _OWNER.c.id == K.c.owner_id)
    for column, alias, _ in _REFS:
        joined = joined.outerjoin(alias, alias.c.id == column)
    return joined


KEY = sa.select(*_KEY_COLUMNS).select_from(_key_from()).where(
    K.c.digest == sa.bindparam("key_digest"))
CALLER = (
    sa.select(*(T.c[name] for name in ("expires_at", "revoked_at")),
              *(U.c[name] for name in CallerRow._fields[2:]))
    .join_from(T, U, U.c.id == T.c.user_id)
    .where(T.c.digest == sa.bindparam("caller_digest"))
)
# A key session's access token: the session and its key, in one statement.
SESSION = (
    sa.select(*(S.c[name] for name in SessionRow._fields), *_KEY_COLUMNS)
    .select_from(S.join(_key_from(), K.c.id == S.c.key_id))
    .where(S.c.access_digest == sa.bindparam("session_digest"))
)
_ANCHOR = sa.select(sa.literal_column("1").label("one")).subquery("o")
_CALLER_SIDE, _KEY_SIDE = CALLER.subquery("a"), KEY.subquery("b")
# Both lookups in one round trip: the one-row anchor keeps each side when the other is
# missing (a LEFT JOIN of each to it).
BOTH = sa.select(_CALLER_SIDE, _KEY_SIDE).select_from(
    _ANCHOR.outerjoin(_CALLER_SIDE, sa.true()).outerjoin(_KEY_SIDE, sa.true()))

assert tuple(c.name for c in KEY.selected_columns) == KeyRow._fields
assert tuple(c.name for c in CALLER.selected_columns) == CallerRow._fields


def _hit(insert: Callable[[sa.Table], Any]) -> sa.ClauseElement:
    """Count one call in the key's current minute, atomically across processes."""
    one: sa.ColumnElement[int] = sa.literal_column("1")  # in the SQL, not a parameter
    stmt = insert(R).values(key_id=sa.bindparam("key_id"),
                            window_start=sa.bindparam("window"), count=one)
    upsert: sa.ClauseElement = stmt.on_conflict_do_update(
        index_elements=[R.c.key_id, R.c.window_start], set_={"count": R.c.count + one},
    ).returning(R.c.count)
    return upsert


# The first call of a new minute forgets the key's older minutes.
FORGET = R.delete().where(R.c.key_id == sa.bindparam("key_id"),
                          R.c.window_start < sa.bindparam("window"))
# Conditional, so concurrent callers (other processes too) write once per resolution.
RECORD_USE = (
    K.update()
    .where(K.c.id == sa.bindparam("key_id"))
    .where(sa.or_(K.c.last_used_at.is_(None), K.c.last_used_at <= sa.bindparam("cutoff")))
    .values(last_used_at=sa.bindparam("now"), last_used_tool=sa.bindparam("tool"))
)


# As for keys: conditional, so concurrent uses write once per resolution.
RECORD_SESSION_USE = (
    S.update()
    .where(S.c.id == sa.bindparam("session_id"))
    .where(sa.or_(S.c.last_used_at.is_(None), S.c.last_used_at <= sa.bindparam("cutoff")))
    .values(last_used_at=sa.bindparam("now"))
)


# --- Compiled once per driver ---------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Statement:
    """SQL text with positional placeholders, and the parameter names in their order."""

    sql: str
    names: tuple[str, ...]

    def args(self, params: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(params[name] for name in self.names)


@dataclass(frozen=True, slots=True)
class Statements:
    """Every verify statement for one driver (see `compiled`)."""

    key: Statement
    caller: Statement
    both: Statement
    hit: Statement
    forget: Statement
    record_use: Statement
    session: Statement
    record_session_use: Statement


def _compile(stmt: sa.ClauseElement, dialect: Dialect) -> Statement:
    compiled = stmt.compile(dialect=dialect)
    assert isinstance(compiled, SQLCompiler)  # every statement here is SQL
    return Statement(str(compiled), tuple(compiled.positiontup or ()))


def compiled(dialect: Dialect) -> Statements:
    """The statements for a dialect set to a positional paramstyle ("qmark" for sqlite3,
    "numeric_dollar" for asyncpg)."""
    insert = postgresql.insert if dialect.name == "postgresql" else sqlite.insert
    return Statements(
        key=_compile(KEY, dialect), caller=_compile(CALLER, dialect),
        both=_compile(BOTH, dialect), hit=_compile(_hit(insert), dialect),
        forget=_compile(FORGET, dialect), record_use=_compile(RECORD_USE, dialect),
        session=_compile(SESSION, dialect),
        record_session_use=_compile(RECORD_SESSION_USE, dialect),
    )


# --- Rows into records ----------------------------------------------------------------------

_KEY_TIMES = tuple(KeyRow._fields.index(f) for f in
                   ("created_at", "expires_at", "last_used_at", "revoked_at", "disabled_at"))
_KEY_LISTS = tuple(KeyRow._fields.index(f) for f in ("allowed_tools", "blocked_tools"))
_KEY_FLAG = KeyRow._fields.index("owner_active")
CALLER_WIDTH = len(CallerRow._fields)


def _time(value: int | None) -> datetime | None:
    return None if value is None else db.from_millis(int(value))


def key_row(values: Sequence[Any]) -> KeyRow | None:
    """A key's row as the driver returns it (times as milliseconds, JSON as text where
    the driver leaves it so, booleans as 0/1 on SQLite); None for the empty side of BOTH."""
    if values[0] is None:
        return None
    fields = list(values)
    for i in _KEY_TIMES:
        fields[i] = _time(fields[i])
    for i in _KEY_LISTS:
        if isinstance(fields[i], str):
            fields[i] = json.loads(fields[i])
    fields[_KEY_FLAG] = bool(fields[_KEY_FLAG])
    return KeyRow._make(fields)


SESSION_WIDTH = len(SessionRow._fields)


def session_row(values: Sequence[Any]) -> SessionRow:
    session_id, scope, access_expires, revoked, last_used = values[:SESSION_WIDTH]
    return SessionRow(session_id, scope, _time(access_expires),  # type: ignore[arg-type]
                      _time(revoked), _time(last_used))


def caller_row(values: Sequence[Any]) -> CallerRow | None:
    if values[2] is None:  # no such token (the empty side of BOTH)
        return None
    expires, revoked, user_id, email, name, role, active, created = values
    return CallerRow(_time(expires), _time(revoked), user_id, email, name, role,
                        bool(active), _time(created))
