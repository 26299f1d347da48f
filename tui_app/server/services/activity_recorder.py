"""Recording agent activity off the request path.

Entries wait in memory and are written in one batch at most `activity_flush_s` (a
second) after the call, so verify pays an append, not a database write. A crash loses at
most that second of activity; key changes and audit entries are written in their own
transactions and never wait here. The same batch writer prunes entries older than
`activity_days`, at most once an hour.
"""

from __future__ import annotations

import asyncio
import functools
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from tui_app.domain.sanitize import clean
from tui_app.server.settings import Settings
from tui_app.server.store import activity as activity_store
from tui_app.server.store import db

PRUNE_EVERY_S = 3600.0


@dataclass(frozen=True, slots=True)
class AgentCall:
    """How a key reached us: the channel, the client's name as it gave it, the address
    it came from, and the key session when one was used."""

    channel: str
    client: str | None = None
    ip: str | None = None
    session_id: str | None = None


class ActivityRecorder:
    """Entries wait here until the next batch write, one per second at most."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self._engine = engine
        self._settings = settings
        self._pending: list[tuple[Any, ...]] = []
        self._lock = threading.Lock()  # guards _pending
        # One batch write at a time: a reader's flush waits for the one under way, so it
        # sees every call made before it asked.
        self._writing = threading.Lock()
        self._flusher: asyncio.Task[None] | None = None
        self._next_prune = 0.0  # time.monotonic() of the next prune (the first batch prunes)

    def record(self, *, at: datetime, key_id: str, owner_id: str, call: AgentCall,
               tool: str | None, code: str) -> None:
        # A row as the table takes it (activity_store.COLUMNS), ready for the batch.
        entry = (
            db.to_millis(at), key_id, owner_id, call.channel,
            _fit(tool, activity_store.TOOL_MAX), code,
            _fit(call.client, activity_store.CLIENT_MAX), _fit(call.ip, activity_store.IP_MAX),
            call.session_id,
        )
        with self._lock:
            self._pending.append(entry)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.get_running_loop().create_task(self._flush_soon())

    async def _flush_soon(self) -> None:
        await asyncio.sleep(self._settings.activity_flush_s)
        await asyncio.to_thread(self.flush)

    def flush(self) -> None:
        """Write what is pending now (a reader calls this first, to see its own calls;
        the server calls it when it stops)."""
        with self._writing:
            with self._lock:
                batch, self._pending = self._pending, []
            prune = time.monotonic() >= self._next_prune
            if batch or prune:
                self._write(batch, prune=prune)

    def prune(self) -> None:
        """Forget entries older than the retention now (a batch write also does, hourly)."""
        with self._writing:
            self._write([], prune=True)

    def _write(self, batch: list[tuple[Any, ...]], *, prune: bool) -> None:
        with self._engine.begin() as conn:
            activity_store.insert_rows(conn, batch)
            if prune:
                self._next_prune = time.monotonic() + PRUNE_EVERY_S
                cutoff = self._settings.clock() - timedelta(days=self._settings.activity_days)
                activity_store.prune_before(conn, cutoff)

    async def close(self) -> None:
        if self._flusher is not None and not self._flusher.done():
            self._flusher.cancel()
        await asyncio.to_thread(self.flush)


# The same few clients, tools and addresses come again and again: each is cleaned once.
@functools.lru_cache(maxsize=4096)
def _fit(text: str | None, width: int) -> str | None:
    """Untrusted text as stored: control and invisible characters replaced, cut to fit."""
    if text is None:
        return None
    cleaned = clean(text).strip()
    return cleaned[:width] or None
