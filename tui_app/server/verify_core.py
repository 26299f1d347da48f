"""Checking an agent key: format, digest lookup, status, tools, scope, rate limit, use.

Order: checksum first (no database access for look-alikes), then one indexed lookup by
digest, then the rules, then — only for keys with a limit — one atomic UPSERT on the
rate_limit table (INSERT … ON CONFLICT DO UPDATE SET count = count + 1 RETURNING count),
which holds across processes sharing a database. last_used_at is written at most once
per `last_used_resolution_s` per key, so a busy key costs no write per call.
"""

from __future__ import annotations

import asyncio
import json
import re
import weakref
from collections import namedtuple
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine

from tui_app.domain import keyformat
from tui_app.domain.clock import to_rfc3339
from tui_app.domain.keyformat import TokenKind, TokenMalformed
from tui_app.domain.roles import Role
from tui_app.domain.status import KeyStatus
from tui_app.domain.validation import TOOL_PATTERN
from tui_app.server import db, keys_store, security
from tui_app.server.schemas import AgentKeyOut, RateLimitOut, UserRefOut
from tui_app.server.settings import Settings

K, U, R = db.keys, db.users, db.rate_limit

MESSAGES = {
    "VALID": None,
    "TOKEN_MISSING": "No key was given.",
    "TOKEN_MALFORMED": "This is not a well-formed agent key.",
    "TOKEN_INVALID": "This key is not known here.",
    "TOKEN_EXPIRED": "This key has expired.",
    "TOKEN_REVOKED": "This key was revoked.",
    "TOKEN_INACTIVE": "This key is disabled, or its owner was deactivated.",
    "TOOL_FORBIDDEN": "This key may not call that tool.",
    "SCOPE_FORBIDDEN": "This key may only read.",
    "RATE_LIMITED": "This key has made too many requests this minute.",
}


# Statements built once (building costs several times more than running them here).
_KEY_LOOKUP = (
    sa.select(K, U.c.role.label("owner_role"))
    .join(U, U.c.id == K.c.owner_id)
    .where(K.c.digest == sa.bindparam("digest"))
)


def _hit_statement(insert: Any) -> Any:
    stmt = insert(R).values(key_id=sa.bindparam("key_id"),
                            window_start=sa.bindparam("window"), count=1)
    return stmt.on_conflict_do_update(
        index_elements=[R.c.key_id, R.c.window_start], set_={"count": R.c.count + 1}
    ).returning(R.c.count)


_HIT_PG = _hit_statement(pg_insert)
_HIT_SQLITE = _hit_statement(sqlite_insert)
_FORGET_WINDOWS = R.delete().where(R.c.key_id == sa.bindparam("key_id"),
                                   R.c.window_start < sa.bindparam("window"))
_RECORD_USE = (
    K.update()
    .where(K.c.id == sa.bindparam("key_id"))
    .where(sa.or_(K.c.last_used_at.is_(None), K.c.last_used_at <= sa.bindparam("cutoff")))
    .values(last_used_at=sa.bindparam("now"), last_used_tool=sa.bindparam("tool"))
)


@dataclass
class Outcome:
    code: str
    message: str | None = None
    row: Any = None
    key: AgentKeyOut | None = None
    ratelimit: RateLimitOut | None = None
    retry_after: int | None = None

    @property
    def valid(self) -> bool:
        return self.code == "VALID"


def _status_code(status: KeyStatus) -> str | None:
    return {
        KeyStatus.REVOKED: "TOKEN_REVOKED",
        KeyStatus.EXPIRED: "TOKEN_EXPIRED",
        KeyStatus.INACTIVE: "TOKEN_INACTIVE",
    }.get(status)


def tool_allowed(tool: str, allowed: list[str], blocked: list[str]) -> bool:
    if not TOOL_PATTERN.match(tool):
        return False
    if tool in blocked:
        return False
    return not allowed or tool in allowed


def check_key(
    engine: Engine, settings: Settings, token: str | None, *, tool: str | None = None,
    access: str | None = None, use_tool: str | None = None,
) -> Outcome:
    if not token or not token.strip():
        return Outcome("TOKEN_MISSING", MESSAGES["TOKEN_MISSING"])
    try:
        keyformat.parse(token, TokenKind.AGENT)
    except TokenMalformed as exc:
        return Outcome("TOKEN_MALFORMED", str(exc))
    now = settings.clock()
    digest = security.digest(settings.pepper_bytes, token)
    with db.autocommit_read(engine) as conn:
        row = conn.execute(_KEY_LOOKUP, {"digest": digest}).first()
        key = keys_store.one_out(conn, row, now) if row is not None else None
    return judge_key(engine, settings, row, now, tool=tool, access=access, key=key,
                     use_tool=use_tool)


def hit(conn: Connection, key_id: str, now: datetime) -> tuple[int, int]:
    """Count one request in the key's current minute; returns (count, window start s)."""
    window = int(now.timestamp()) // 60 * 60
    stmt = _HIT_PG if conn.dialect.name == "postgresql" else _HIT_SQLITE
    count = int(conn.execute(stmt, {"key_id": key_id, "window": window}).scalar_one())
    if count == 1:  # first call of a new minute: forget the old ones
        conn.execute(_FORGET_WINDOWS, {"key_id": key_id, "window": window})
    return count, window


def record_use(engine: Engine, settings: Settings, row: Any, now: datetime,
               tool: str | None) -> None:
    resolution = timedelta(seconds=settings.last_used_resolution_s)
    if row.last_used_at is not None and row.last_used_at > now - resolution:
        return
    with engine.begin() as conn:
        # Conditional, so concurrent callers (other processes too) write once per window.
        conn.execute(_RECORD_USE, {"key_id": row.id, "now": now, "cutoff": now - resolution,
                                   "tool": tool[:64] if tool else None})


# --- The /v1/verify hot path ------------------------------------------------------------
# Same rules as check_key, but the reads go straight to the driver with fixed SQL
# strings (SQLite: a pooled DBAPI connection; PostgreSQL: psycopg's async connection,
# see hot_lookup_async): per call, SQLAlchemy's statement execution (cache key, compile
# lookup, result processing) cost more than the indexed lookup itself. One statement
# per verify reads the key, its owner's role and the people it refers to; when the
# caller's sign-in is not in the 1-second cache, the same statement reads it too, so a
# verify is one round trip to the database. Nothing about agent keys is cached.

_KEY_FIELDS = (
    "id", "name", "description", "owner_id", "owner_active", "owner_email", "owner_name",
    "created_by_id", "created_at", "expires_at", "scope", "allowed_tools", "blocked_tools",
    "rate_limit_rpm", "hint", "last_used_at", "last_used_tool", "revoked_at",
    "revoked_by_id", "disabled_at", "disabled_by_id", "version",
)
_REF_ALIASES = (("created_by_id", "c"), ("revoked_by_id", "r"), ("disabled_by_id", "d"))
# Attribute access like a Row, built cheaply. Its fields are computed, which a type checker
# cannot follow: annotations use KeyRecord (Any).
KeyRow = namedtuple(  # type: ignore[misc]
    "KeyRow", (*_KEY_FIELDS, "owner_role", "c_name", "c_email", "r_name", "r_email",
               "d_name", "d_email"),
)
KeyRecord = Any  # a KeyRow
_KEY_TIMES = tuple(KeyRow._fields.index(f) for f in
                   ("created_at", "expires_at", "last_used_at", "revoked_at", "disabled_at"))
_KEY_JSON = tuple(KeyRow._fields.index(f) for f in ("allowed_tools", "blocked_tools"))
_KEY_ACTIVE = KeyRow._fields.index("owner_active")
_CALLER_FIELDS = ("expires_at", "revoked_at", "id", "email", "name", "role", "active",
                  "created_at")

_KEY_SELECT = (
    ", ".join(f"k.{f}" for f in _KEY_FIELDS)
    + ", ku.role, c.name, c.email, r.name, r.email, d.name, d.email"
)
_KEY_FROM = (
    "keys k JOIN users ku ON ku.id = k.owner_id"
    + "".join(f" LEFT JOIN users {a} ON {a}.id = k.{f}" for f, a in _REF_ALIASES)
    + " WHERE k.digest = {p}"
)
_CALLER_SELECT = "t.expires_at, t.revoked_at, u.id, u.email, u.name, u.role, u.active, u.created_at"
_CALLER_FROM = "login_tokens t JOIN users u ON u.id = t.user_id WHERE t.digest = {p}"


def _hot_sql(p: str) -> dict[str, str]:
    key_from, caller_from = _KEY_FROM.format(p=p), _CALLER_FROM.format(p=p)
    return {
        "key": f"SELECT {_KEY_SELECT} FROM {key_from}",
        "caller": f"SELECT {_CALLER_SELECT} FROM {caller_from}",
        # Both in one round trip: each side is a unique-index lookup (0 or 1 row); the
        # one-row anchor keeps the other side when one of them is missing.
        "both": (
            f"SELECT a.*, b.* FROM (SELECT 1 AS one) o"
            f" LEFT JOIN (SELECT {_CALLER_SELECT} FROM {caller_from}) a ON 1 = 1"
            f" LEFT JOIN (SELECT {_KEY_SELECT} FROM {key_from}) b ON 1 = 1"
        ),
    }


_HOT_SQL = {"sqlite": _hot_sql("?"), "postgresql": _hot_sql("%s")}


@dataclass
class CallerRow:
    """The verifying caller's token and account, as read by the hot path."""

    expires_at: datetime | None
    revoked_at: datetime | None
    id: str
    email: str
    name: str
    role: str
    active: bool
    created_at: datetime | None


def _caller_row(values: Sequence[Any]) -> CallerRow | None:
    if values[2] is None:  # no such token (the LEFT JOIN side is empty)
        return None
    exp, rev, uid, email, name, role, active, created = values
    return CallerRow(
        expires_at=db.from_millis(exp) if exp is not None else None,
        revoked_at=db.from_millis(rev) if rev is not None else None,
        id=uid, email=email, name=name, role=role, active=bool(active),
        created_at=db.from_millis(created) if created is not None else None,
    )


def _key_row(values: Sequence[Any]) -> KeyRecord | None:
    if values[0] is None:
        return None
    fields = list(values)
    for i in _KEY_TIMES:
        if fields[i] is not None:
            fields[i] = db.from_millis(int(fields[i]))
    for i in _KEY_JSON:  # JSON arrives as text on SQLite, parsed on PostgreSQL
        if isinstance(fields[i], str):
            fields[i] = json.loads(fields[i])
    fields[_KEY_ACTIVE] = bool(fields[_KEY_ACTIVE])
    return KeyRow._make(fields)


def _hot_statement(dialect: str, caller_digest: str | None, key_digest: str | None
                   ) -> tuple[str, tuple[str, ...], str] | None:
    sql = _HOT_SQL[dialect]
    if caller_digest is not None and key_digest is not None:
        return sql["both"], (caller_digest, key_digest), "both"
    if caller_digest is not None:
        return sql["caller"], (caller_digest,), "caller"
    if key_digest is not None:
        return sql["key"], (key_digest,), "key"
    return None


def _hot_rows(shape: str, values: Sequence[Any] | None
              ) -> tuple[CallerRow | None, KeyRecord | None]:
    if values is None:
        return None, None
    if shape == "both":
        split = len(_CALLER_FIELDS)
        return _caller_row(values[:split]), _key_row(values[split:])
    if shape == "caller":
        return _caller_row(values), None
    return None, _key_row(values)


def hot_lookup(engine: Engine, caller_digest: str | None, key_digest: str | None
               ) -> tuple[CallerRow | None, KeyRecord | None]:
    """Read the caller's token (when given) and the key (when given) in one statement.
    Used for SQLite (an in-process read); PostgreSQL goes through hot_lookup_async."""
    statement = _hot_statement(engine.dialect.name, caller_digest, key_digest)
    if statement is None:
        return None, None
    sql, params, shape = statement
    with db.raw_autocommit_cursor(engine) as cursor:
        cursor.execute(sql, params)
        return _hot_rows(shape, cursor.fetchone())


# PostgreSQL: the round trip is awaited on the event loop (psycopg's async connection),
# so the loop parses and answers other requests meanwhile instead of blocking on the
# socket. At most _ASYNC_MAX connections per engine and event loop (more callers wait
# for one); idle ones are kept, and closed with the engine.
_ASYNC_MAX = 10


@dataclass
class _AsyncLookups:
    gate: asyncio.Semaphore
    idle: list[Any]


_ASYNC: weakref.WeakKeyDictionary[Engine, dict[Any, _AsyncLookups]] = (
    weakref.WeakKeyDictionary()
)


def _async_lookups(engine: Engine, loop: Any) -> _AsyncLookups:
    per_loop = _ASYNC.get(engine)
    if per_loop is None:
        per_loop = _ASYNC[engine] = {}

        @sa.event.listens_for(engine, "engine_disposed")
        def _close_idle(_engine: Engine) -> None:
            for lookups in (_ASYNC.pop(_engine, None) or {}).values():
                for conn in lookups.idle:
                    conn.pgconn.finish()  # synchronous close of the socket
    found = per_loop.get(loop)
    if found is None:
        found = per_loop[loop] = _AsyncLookups(asyncio.Semaphore(_ASYNC_MAX), [])
    return found


async def hot_lookup_async(engine: Engine, caller_digest: str | None,
                           key_digest: str | None) -> tuple[CallerRow | None, KeyRecord | None]:
    """hot_lookup for PostgreSQL, awaiting the database instead of blocking the loop."""
    statement = _hot_statement(engine.dialect.name, caller_digest, key_digest)
    if statement is None:
        return None, None
    sql, params, shape = statement
    import psycopg

    lookups = _async_lookups(engine, asyncio.get_running_loop())
    async with lookups.gate:
        if lookups.idle:
            conn = lookups.idle.pop()
        else:
            conninfo = engine.url.set(drivername="postgresql").render_as_string(
                hide_password=False)
            conn = await psycopg.AsyncConnection.connect(conninfo, autocommit=True)
        try:
            async with conn.cursor() as cursor:
                await cursor.execute(sql, params)
                values = await cursor.fetchone()
        except BaseException:
            conn.pgconn.finish()  # broken or interrupted mid-statement: not reused
            raise
        lookups.idle.append(conn)
    return _hot_rows(shape, values)


def key_out(row: KeyRecord, now: datetime) -> AgentKeyOut:
    refs = {row.owner_id: UserRefOut(id=row.owner_id, name=row.owner_name,
                                     email=row.owner_email)}
    for field, alias in _REF_ALIASES:
        ref_id = getattr(row, field)
        name = getattr(row, f"{alias}_name")
        if ref_id and ref_id not in refs and name is not None:
            refs[ref_id] = UserRefOut(id=ref_id, name=name, email=getattr(row, f"{alias}_email"))
    return keys_store.to_out(row, now, refs)


def judge_key(engine: Engine, settings: Settings, row: KeyRecord | None, now: datetime, *,
              tool: str | None, access: str | None, key: AgentKeyOut | None = None,
              use_tool: str | None = None) -> Outcome:
    """The verify rules and writes for a key already read (by hot_lookup or check_key).

    Effective permission = owner's role ∩ key scope ∩ tool lists; no access given means
    read. `use_tool` is what last use records when it differs from the tool checked.
    """
    if row is None:
        return Outcome("TOKEN_INVALID", MESSAGES["TOKEN_INVALID"])
    outcome = Outcome("VALID", row=row, key=key if key is not None else key_out(row, now))
    status, _ = keys_store.status_of(row, now)
    code = _status_code(status)
    if code is None and tool is not None and not tool_allowed(
        tool, list(row.allowed_tools or []), list(row.blocked_tools or [])
    ):
        code = "TOOL_FORBIDDEN"
    writes = (access or "read") == "write"
    if code is None and writes and (
        row.scope != "read_write" or not Role(row.owner_role).may_write
    ):
        code = "SCOPE_FORBIDDEN"
    if code is not None:
        outcome.code, outcome.message = code, MESSAGES[code]
        return outcome
    if row.rate_limit_rpm:
        with engine.begin() as conn:
            count, window_start = hit(conn, row.id, now)
        reset = db.from_millis((window_start + 60) * 1000)
        outcome.ratelimit = RateLimitOut(
            limit=row.rate_limit_rpm, remaining=max(0, row.rate_limit_rpm - count),
            reset_at=to_rfc3339(reset) or "",
        )
        if count > row.rate_limit_rpm:
            outcome.code, outcome.message = "RATE_LIMITED", MESSAGES["RATE_LIMITED"]
            outcome.retry_after = max(1, int((reset - now).total_seconds() + 0.999))
            return outcome
    record_use(engine, settings, row, now, use_tool if use_tool is not None else tool)
    return outcome


# keyformat.parse walks the body character by character (~20 µs); a well-formed key is
# recognised by one regular expression and the checksum instead. Anything else goes to
# parse, which rejects it with its exact message.
_AGENT_SHAPE = re.compile(
    rf"ak_(?:{'|'.join(map(re.escape, keyformat.ENVIRONMENTS))})"
    rf"_[0-9A-Za-z]{{{keyformat.BODY_LENGTH + keyformat.CHECK_LENGTH}}}"
)


def check_agent_key_format(key: str) -> None:
    """Raises TokenMalformed exactly as keyformat.parse(key, TokenKind.AGENT) does."""
    token = key.strip()
    cut = -keyformat.CHECK_LENGTH
    if _AGENT_SHAPE.fullmatch(token) and keyformat.checksum(token[:cut]) == token[cut:]:
        return
    keyformat.parse(key, TokenKind.AGENT)
