"""What verify asks of the database, behind one interface for SQLite and PostgreSQL.

The store only reads and writes; every decision (is the key usable, is a write due, is
this the first call of a minute) is the service's, made with domain.verify. Each
statement is its own transaction: the lookup needs no snapshot across statements, the
UPSERT that counts a call is atomic alone, and the last-use UPDATE is conditional, so
callers racing in other processes write it once.

Nothing about agent keys is cached: every verify reads the key, so a revocation through
any process sharing the database holds on the very next call.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from tui_app.domain.models import AgentKey, UserRef
from tui_app.server.store import db
from tui_app.server.store import keys as keys_store
from tui_app.server.store.verify_queries import (
    CALLER_WIDTH,
    SESSION_WIDTH,
    CallerRow,
    KeyRow,
    SessionRow,
    Statement,
    Statements,
    caller_row,
    key_row,
    session_row,
)

__all__ = ["CallerRow", "KeyRow", "SessionRow", "VerifyStore", "key_record"]


class VerifyStore(ABC):
    """The statements of a verify (store/verify_queries.py), run on one driver."""

    sql: Statements

    async def lookup(self, caller_digest: str | None, key_digest: str | None
                     ) -> tuple[CallerRow | None, KeyRow | None]:
        """The gateway's login token (when a digest is given) and the key (when given),
        in one statement."""
        if caller_digest is not None and key_digest is not None:
            values = await self.first(self.sql.both, {"caller_digest": caller_digest,
                                                      "key_digest": key_digest})
            if values is None:
                return None, None
            return caller_row(values[:CALLER_WIDTH]), key_row(values[CALLER_WIDTH:])
        if caller_digest is not None:
            values = await self.first(self.sql.caller, {"caller_digest": caller_digest})
            return (caller_row(values) if values is not None else None), None
        if key_digest is not None:
            values = await self.first(self.sql.key, {"key_digest": key_digest})
            return None, key_row(values) if values is not None else None
        return None, None

    async def lookup_session(self, session_digest: str
                             ) -> tuple[SessionRow | None, KeyRow | None]:
        """A key session's access token: the session and its key, in one statement."""
        values = await self.first(self.sql.session, {"session_digest": session_digest})
        if values is None:
            return None, None
        return session_row(values), key_row(values[SESSION_WIDTH:])

    async def record_session_use(self, session_id: str, at: datetime, *,
                                 unless_since: datetime) -> None:
        await self.first(self.sql.record_session_use, {
            "session_id": session_id, "now": db.to_millis(at),
            "cutoff": db.to_millis(unless_since)})

    async def count_call(self, key_id: str, window_start: int) -> int:
        """Count one call in the key's window; returns the window's count so far."""
        values = await self.first(self.sql.hit, {"key_id": key_id, "window": window_start})
        assert values is not None  # INSERT … RETURNING always returns the row
        return int(values[0])

    async def forget_windows_before(self, key_id: str, window_start: int) -> None:
        await self.first(self.sql.forget, {"key_id": key_id, "window": window_start})

    async def record_use(self, key_id: str, at: datetime, *, unless_since: datetime,
                         tool: str | None) -> None:
        """Set the key's last use, unless another call recorded one after `unless_since`."""
        await self.first(self.sql.record_use, {
            "key_id": key_id, "now": db.to_millis(at), "cutoff": db.to_millis(unless_since),
            "tool": tool})

    @abstractmethod
    async def first(self, statement: Statement, params: dict[str, Any]
                    ) -> Sequence[Any] | None:
        """Run `statement` with `params` (by name); its first row, or None (no row, or a
        statement that returns none)."""

    @abstractmethod
    def close(self) -> None:
        """Close the connections (called when the engine is disposed)."""


def key_record(row: KeyRow, now: datetime) -> AgentKey:
    """The key as a record, with the people it names as read in the same statement."""
    refs = {row.owner_id: UserRef(id=row.owner_id, name=row.owner_name, email=row.owner_email)}
    for person_id, name, email in (
        (row.created_by_id, row.created_by_name, row.created_by_email),
        (row.revoked_by_id, row.revoked_by_name, row.revoked_by_email),
        (row.disabled_by_id, row.disabled_by_name, row.disabled_by_email),
    ):
        if person_id and person_id not in refs and name is not None:
            refs[person_id] = UserRef(id=person_id, name=name, email=email or "")
    return keys_store.key_record(row, now, refs)
