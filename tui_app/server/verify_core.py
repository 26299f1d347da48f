"""Checking an agent key: format, digest lookup, status, tools, scope, rate limit, use.

Order: checksum first (no database access for look-alikes), then one indexed lookup by
digest, then the rules, then — only for keys with a limit — one atomic UPSERT on the
rate_limit table (INSERT … ON CONFLICT DO UPDATE SET count = count + 1 RETURNING count),
which holds across processes sharing a database. last_used_at is written at most once
per `last_used_resolution_s` per key, so a busy key costs no write per call.
"""

from __future__ import annotations

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
from tui_app.server.schemas import AgentKeyOut, RateLimitOut
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
        if row is None:
            return Outcome("TOKEN_INVALID", MESSAGES["TOKEN_INVALID"])
        key = keys_store.one_out(conn, row, now)
    outcome = Outcome("VALID", row=row, key=key)
    status, _ = keys_store.status_of(row, now)
    code = _status_code(status)
    if code is None and tool is not None and not tool_allowed(
        tool, list(row.allowed_tools or []), list(row.blocked_tools or [])
    ):
        code = "TOOL_FORBIDDEN"
    # Effective permission = owner's role ∩ key scope; no access given means read.
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
