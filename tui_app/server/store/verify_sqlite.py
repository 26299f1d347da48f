"""Verify on SQLite: sqlite3 directly, one connection per thread, kept out of the pool.

The route runs on the event-loop thread, and a pool checkout and checkin cost more than
the indexed read itself; SQLite answers from this process, so running the statement
inline costs less than handing it to a thread.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects.sqlite import pysqlite
from sqlalchemy.engine import Engine

from tui_app.server.store.verify_queries import Statement, compiled
from tui_app.server.store.verify_store import VerifyStore

_SQL = compiled(pysqlite.dialect(paramstyle="qmark"))


class SqliteVerifyStore(VerifyStore):
    """Connections made by the engine (so with its pragmas: WAL, busy timeout, no
    implicit transactions), then detached from its pool for good: each statement is its
    own transaction. Closed with the engine."""

    sql = _SQL

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._conns: dict[int, sqlite3.Connection] = {}

    def _connection(self) -> sqlite3.Connection:
        ident = threading.get_ident()
        conn = self._conns.get(ident)
        if conn is None:
            pooled = self._engine.raw_connection()
            conn = pooled.driver_connection
            assert isinstance(conn, sqlite3.Connection)
            pooled.detach()
            self._conns[ident] = conn
        return conn

    async def first(self, statement: Statement, params: dict[str, Any]
                    ) -> Sequence[Any] | None:
        row: Sequence[Any] | None = self._connection().execute(
            statement.sql, statement.args(params)).fetchone()
        return row

    def close(self) -> None:
        for conn in self._conns.values():
            conn.close()
        self._conns.clear()
