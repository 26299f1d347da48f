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
import threading
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
from tui_app.domain.models import UserRef
from tui_app.domain.roles import Role
from tui_app.domain.status import KeyStatus
from tui_app.domain.validation import is_tool_name
from tui_app.server import security
from tui_app.server.api.schemas import AgentKeyOut, RateLimitOut
from tui_app.server.settings import Settings
from tui_app.server.store import db
from tui_app.server.store import keys as keys_store

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
    """Exact names only: "delete\n" or "Delete" is not "delete", and is never allowed by
    a list that does not hold it as written."""
    if not is_tool_name(tool):
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
        key = (AgentKeyOut.of(keys_store.key_records(conn, [row], now)[0])
               if row is not None else None)
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
# Same rules as check_key, but the database work goes straight to the driver with fixed
# SQL: per call, SQLAlchemy's statement execution and pool checkout, and psycopg's
# generic query machinery, cost several times more than the indexed lookup itself. One
# statement per verify reads the key, its owner's role and the people it refers to; when
# the caller's sign-in is not in the 1-second cache, the same statement reads it too, so
# a verify is one round trip to the database (plus, for a key with a rate limit, one
# atomic UPSERT; and at most once a minute per key, the last-use UPDATE). Nothing about
# agent keys is cached.
#   SQLite: one connection per engine and thread, kept out of the pool (the route runs
#   on the event-loop thread; checkout and checkin cost more than the read).
#   PostgreSQL: libpq connections (psycopg.pq) driven from the event loop — the loop
#   answers other requests while the database works — with server-side prepared
#   statements; at most _PG_MAX per engine and event loop.

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


def _hot_sql(p1: str, p2: str, p3: str, p4: str) -> dict[str, str]:
    """The hot statements, with numbered placeholders p1… (SQLite "?1", libpq "$1")."""
    key = f"SELECT {_KEY_SELECT} FROM {_KEY_FROM}"
    caller = f"SELECT {_CALLER_SELECT} FROM {_CALLER_FROM}"
    return {
        "key": key.format(p=p1),
        "caller": caller.format(p=p1),
        # Both in one round trip: each side is a unique-index lookup (0 or 1 row); the
        # one-row anchor keeps the other side when one of them is missing.
        "both": (
            f"SELECT a.*, b.* FROM (SELECT 1 AS one) o"
            f" LEFT JOIN ({caller.format(p=p1)}) a ON 1 = 1"
            f" LEFT JOIN ({key.format(p=p2)}) b ON 1 = 1"
        ),
        # Count one request in the key's current minute, atomically across processes.
        "hit": (
            f"INSERT INTO rate_limit (key_id, window_start, count) VALUES ({p1}, {p2}, 1)"
            " ON CONFLICT (key_id, window_start) DO UPDATE SET count = rate_limit.count + 1"
            " RETURNING count"
        ),
        "forget": f"DELETE FROM rate_limit WHERE key_id = {p1} AND window_start < {p2}",
        # Conditional, so concurrent callers (other processes too) write once per window.
        "use": (
            f"UPDATE keys SET last_used_at = {p2}, last_used_tool = {p4} WHERE id = {p1}"
            f" AND (last_used_at IS NULL OR last_used_at <= {p3})"
        ),
    }


_SQLITE_SQL = _hot_sql("?1", "?2", "?3", "?4")
_PG_SQL = _hot_sql("$1", "$2", "$3", "$4")
# PostgreSQL folds the first-of-the-minute cleanup into the UPSERT's statement (one round
# trip): data-modifying CTEs share one snapshot, and the DELETE touches only older windows.
_PG_SQL["hit"] = (
    f"WITH hit AS ({_PG_SQL['hit']}),"
    " gone AS (DELETE FROM rate_limit WHERE key_id = $1 AND window_start < $2"
    " AND (SELECT count FROM hit) = 1)"
    " SELECT count FROM hit"
)
del _PG_SQL["forget"]


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
    for i in _KEY_JSON:  # JSON arrives as text
        if isinstance(fields[i], str):
            fields[i] = json.loads(fields[i])
    fields[_KEY_ACTIVE] = bool(fields[_KEY_ACTIVE])
    return KeyRow._make(fields)


def _lookup_shape(caller_digest: str | None, key_digest: str | None
                  ) -> tuple[str, tuple[str, ...]] | None:
    if caller_digest is not None and key_digest is not None:
        return "both", (caller_digest, key_digest)
    if caller_digest is not None:
        return "caller", (caller_digest,)
    if key_digest is not None:
        return "key", (key_digest,)
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


def _window(now: datetime) -> int:
    return int(now.timestamp()) // 60 * 60


class HotDatabase:
    """The statements of one verify, run on the driver directly (see above)."""

    async def lookup(self, caller_digest: str | None, key_digest: str | None
                     ) -> tuple[CallerRow | None, KeyRecord | None]:
        """The caller's token (when given) and the key (when given), in one statement."""
        found = _lookup_shape(caller_digest, key_digest)
        if found is None:
            return None, None
        shape, params = found
        return _hot_rows(shape, await self._one(shape, params))

    async def hit(self, key_id: str, now: datetime) -> tuple[int, int]:
        """Count one request in the key's current minute; returns (count, window start)."""
        window = _window(now)
        values = await self._one("hit", (key_id, window))
        assert values is not None  # INSERT … RETURNING always returns the row
        return int(values[0]), window

    async def record_use(self, key_id: str, now: datetime, cutoff: datetime,
                         tool: str | None) -> None:
        await self._one("use", (key_id, db.to_millis(now), db.to_millis(cutoff), tool))

    async def _one(self, name: str, params: tuple[Any, ...]) -> Sequence[Any] | None:
        """Run the statement `name` (see _hot_sql); its first row, if any."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class _SqliteHot(HotDatabase):
    """A pooled connection taken out of the pool for good (same pragmas: it was made by
    the engine), one per thread; each statement is its own transaction. Closed with
    the engine."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._conns: dict[int, Any] = {}

    def connection(self) -> Any:
        ident = threading.get_ident()
        conn = self._conns.get(ident)
        if conn is None:
            fairy = self._engine.raw_connection()
            conn = self._conns[ident] = fairy.driver_connection
            fairy.detach()
        return conn

    async def _one(self, name: str, params: tuple[Any, ...]) -> Sequence[Any] | None:
        conn = self.connection()
        values = conn.execute(_SQLITE_SQL[name], params).fetchone()
        if name == "hit" and values[0] == 1:  # first call of a new minute: forget the old
            conn.execute(_SQLITE_SQL["forget"], params)
        return values

    def close(self) -> None:
        for conn in self._conns.values():
            conn.close()
        self._conns.clear()


_PG_MAX = 10
_PG_PREPARED = {name: f"agentkeys_{name}".encode() for name in _PG_SQL}
_PG_BOOL, _PG_INTS = 16, frozenset((20, 21, 23))  # type OIDs: bool, int8, int2, int4


class _PgLane:
    """One libpq connection used by one verify at a time, watched by the event loop for
    as long as it lives (registering and unregistering it per query costs syscalls)."""

    def __init__(self, conn: Any, loop: asyncio.AbstractEventLoop) -> None:
        from psycopg import DatabaseError, pq  # imported only where PostgreSQL is used

        self.error = DatabaseError
        self.ok = (pq.ExecStatus.TUPLES_OK, pq.ExecStatus.COMMAND_OK)
        self.conn = conn  # the psycopg.AsyncConnection that owns the socket
        self.pg = conn.pgconn
        self.encoding = conn.info.encoding
        self.pg.nonblocking = 1
        self.loop = loop
        self.fd = self.pg.socket
        self.waiter: asyncio.Future[None] | None = None
        self.closed = False
        loop.add_reader(self.fd, self._readable)

    def _readable(self) -> None:
        waiter = self.waiter
        if waiter is not None:
            if not waiter.done():
                waiter.set_result(None)
            return
        # Nobody is waiting: the server spoke unprompted (a notice) or hung up. Read it,
        # so the socket stops being readable; a connection that is gone is closed.
        try:
            self.pg.consume_input()
        except Exception:
            self.close()

    def close(self) -> None:
        """Unwatch the socket, then close it (before its number can be reused)."""
        if self.closed:
            return
        self.closed = True
        loop = self.loop
        if loop.is_running() and not _in_loop(loop):  # engine disposed from another thread
            loop.call_soon_threadsafe(self._unwatch_and_finish)
        else:
            self._unwatch_and_finish()

    def _unwatch_and_finish(self) -> None:
        if not self.loop.is_closed():
            self.loop.remove_reader(self.fd)
        self.pg.finish()

    async def run(self, name: str, params: tuple[Any, ...]) -> Sequence[Any] | None:
        pg = self.pg
        pg.send_query_prepared(_PG_PREPARED[name], [
            None if p is None else str(p).encode(self.encoding) for p in params])
        loop = self.loop
        while pg.flush():  # only when the socket's buffer is full
            await _ready(loop, loop.add_writer, loop.remove_writer, self.fd)
        # No read attempt before waiting: the answer is never there yet, and a read that
        # finds nothing is a wasted syscall.
        while True:
            self.waiter = loop.create_future()
            try:
                await self.waiter
            finally:
                self.waiter = None
            pg.consume_input()
            if not pg.is_busy():
                break
        result = None
        while (next_result := pg.get_result()) is not None:
            result = next_result
        if result is None or result.status not in self.ok:
            message = result.error_message if result is not None else b""
            raise self.error(message.decode(self.encoding, "replace") or f"{name} failed")
        if not result.ntuples:  # no such row, or an UPDATE
            return None
        values: list[Any] = []
        for i in range(result.nfields):
            raw = result.get_value(0, i)
            oid = result.ftype(i)
            if raw is None:
                values.append(None)
            elif oid in _PG_INTS:
                values.append(int(raw))
            elif oid == _PG_BOOL:
                values.append(raw == b"t")
            else:  # text, varchar, json: as text
                values.append(raw.decode(self.encoding))
        return values


async def _ready(loop: Any, add: Any, remove: Any, fd: int) -> None:
    """Wait until `fd` is ready (add/remove: the loop's reader or writer functions)."""
    waiter = loop.create_future()
    add(fd, _wake, waiter)
    try:
        await waiter
    finally:
        remove(fd)


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


def _in_loop(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


class _PostgresHot(HotDatabase):
    """libpq connections for one event loop: at most _PG_MAX, more callers wait."""

    def __init__(self, engine: Engine) -> None:
        self._conninfo = engine.url.set(drivername="postgresql").render_as_string(
            hide_password=False)
        self._gate = asyncio.Semaphore(_PG_MAX)
        self._idle: list[_PgLane] = []

    async def _one(self, name: str, params: tuple[Any, ...]) -> Sequence[Any] | None:
        async with self._gate:
            lane = self._idle.pop() if self._idle else None
            while lane is not None and lane.closed:  # the server hung up while it was idle
                lane = self._idle.pop() if self._idle else None
            if lane is None:
                lane = await self._connect()
            try:
                values = await lane.run(name, params)
            except BaseException:
                lane.close()  # broken or interrupted mid-statement: not reused
                raise
            self._idle.append(lane)
        return values

    async def _connect(self) -> _PgLane:
        import psycopg

        conn = await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True)
        try:
            for name, sql in _PG_SQL.items():
                await conn.execute(f"PREPARE {_PG_PREPARED[name].decode()} AS {sql}")
        except BaseException:
            await conn.close()
            raise
        return _PgLane(conn, asyncio.get_running_loop())

    def close(self) -> None:
        for lane in self._idle:
            lane.close()
        self._idle.clear()


_HOT: weakref.WeakKeyDictionary[Engine, dict[Any, HotDatabase]] = weakref.WeakKeyDictionary()


def _close_hot(engine: Engine) -> None:
    """engine.dispose() closes the hot path's connections too."""
    for hot in (_HOT.pop(engine, None) or {}).values():
        hot.close()


def hot_database(engine: Engine) -> HotDatabase:
    """The verify path's database access for `engine` (and, on PostgreSQL, this event
    loop: an asyncio connection belongs to the loop that made it)."""
    per_loop = _HOT.get(engine)
    if per_loop is None:
        per_loop = _HOT[engine] = {}
        if not sa.event.contains(engine, "engine_disposed", _close_hot):
            sa.event.listen(engine, "engine_disposed", _close_hot)
    if engine.dialect.name != "postgresql":
        found = per_loop.get(None)
        if found is None:
            found = per_loop[None] = _SqliteHot(engine)
        return found
    loop = asyncio.get_running_loop()
    found = per_loop.get(loop)
    if found is None:
        found = per_loop[loop] = _PostgresHot(engine)
    return found


def key_out(row: KeyRecord, now: datetime) -> AgentKeyOut:
    refs = {row.owner_id: UserRef(id=row.owner_id, name=row.owner_name,
                                  email=row.owner_email)}
    for field, alias in _REF_ALIASES:
        ref_id = getattr(row, field)
        name = getattr(row, f"{alias}_name")
        if ref_id and ref_id not in refs and name is not None:
            refs[ref_id] = UserRef(id=ref_id, name=name, email=getattr(row, f"{alias}_email"))
    return AgentKeyOut.of(keys_store.key_record(row, now, refs))


def judge_rules(row: KeyRecord | None, now: datetime, *, tool: str | None,
                access: str | None, key: AgentKeyOut | None = None) -> Outcome:
    """The verify rules for a key already read, without the writes: VALID here means
    "count it against the rate limit, then it is valid" (see judge_key).

    Effective permission = owner's role ∩ key scope ∩ tool lists; no access given means
    read.
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


def _count(outcome: Outcome, count: int, window_start: int, now: datetime) -> None:
    """Apply the key's rate limit to a VALID outcome, given this call's count."""
    limit = outcome.row.rate_limit_rpm
    reset = db.from_millis((window_start + 60) * 1000)
    outcome.ratelimit = RateLimitOut(
        limit=limit, remaining=max(0, limit - count), reset_at=to_rfc3339(reset) or "",
    )
    if count > limit:
        outcome.code, outcome.message = "RATE_LIMITED", MESSAGES["RATE_LIMITED"]
        outcome.retry_after = max(1, int((reset - now).total_seconds() + 0.999))


def judge_key(engine: Engine, settings: Settings, row: KeyRecord | None, now: datetime, *,
              tool: str | None, access: str | None, key: AgentKeyOut | None = None,
              use_tool: str | None = None) -> Outcome:
    """The verify rules and writes for a key already read (check_key: whoami).

    `use_tool` is what last use records when it differs from the tool checked.
    """
    outcome = judge_rules(row, now, tool=tool, access=access, key=key)
    if not outcome.valid:
        return outcome
    row = outcome.row  # the same row, known to exist
    if row.rate_limit_rpm:
        with engine.begin() as conn:
            _count(outcome, *hit(conn, row.id, now), now)
        if not outcome.valid:
            return outcome
    record_use(engine, settings, row, now, use_tool if use_tool is not None else tool)
    return outcome


async def judge_key_hot(hot: HotDatabase, settings: Settings, row: KeyRecord | None,
                        now: datetime, *, tool: str | None, access: str | None) -> Outcome:
    """judge_key for /v1/verify: the same rules and writes, on the hot path's database
    access (one statement each, each its own transaction: the UPSERT is atomic alone)."""
    outcome = judge_rules(row, now, tool=tool, access=access)
    if not outcome.valid:
        return outcome
    row = outcome.row  # the same row, known to exist
    if row.rate_limit_rpm:
        _count(outcome, *await hot.hit(row.id, now), now)
        if not outcome.valid:
            return outcome
    resolution = timedelta(seconds=settings.last_used_resolution_s)
    if row.last_used_at is None or row.last_used_at <= now - resolution:
        await hot.record_use(row.id, now, now - resolution, tool[:64] if tool else None)
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
