"""Agent activity: one row per verify, whoami or MCP tool call, appended in batches and
read newest first, by key or across the keys a person may see."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from tui_app.domain.models import ActivityEntry, UserRef
from tui_app.server.store import agent_tables, db

A = agent_tables.activity

# Column widths: what does not fit is cut, never refused (the call already happened).
CLIENT_MAX = 100
TOOL_MAX = 64
IP_MAX = 64


@dataclass(frozen=True, slots=True)
class ActivityFilter:
    """Which entries to read; None is "any". `owners`: the keys of these people only
    (None: everyone's, for admins)."""

    key_id: str | None = None
    owners: tuple[str, ...] | None = None
    tool: str | None = None
    code: str | None = None
    ok: bool | None = None  # True: VALID only; False: refusals only
    channel: str | None = None
    since: datetime | None = None


# A row to insert, in this order; `at` in epoch milliseconds, as Millis stores it.
COLUMNS = ("at", "key_id", "owner_id", "channel", "tool", "code", "client", "ip",
           "session_id")


def insert_rows(conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """A batch straight through the driver, not SQLAlchemy's processing of every row: on
    PostgreSQL a COPY, on SQLite the driver's executemany (its C loop). The batch is
    written in a thread beside the server's requests, and what it costs in Python holds
    the interpreter lock from them: for 2,500 rows psycopg's executemany takes about 30 ms
    of it, a COPY about 2 ms."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        driver = conn.connection.dbapi_connection
        assert driver is not None  # a connection inside a transaction holds its driver's
        cursor = driver.cursor()
        with cursor.copy(f"COPY activity ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    conn.exec_driver_sql(
        f"INSERT INTO activity ({', '.join(COLUMNS)}) "
        f"VALUES ({', '.join([mark] * len(COLUMNS))})", list(rows))


def prune_before(conn: Connection, cutoff: datetime) -> int:
    """Forget entries older than `cutoff`; how many went."""
    return conn.execute(A.delete().where(A.c.at < cutoff)).rowcount or 0


def read_entries(conn: Connection, where: ActivityFilter, *, before: int | None,
                 limit: int) -> tuple[list[ActivityEntry], int | None]:
    """A page newest first, older than sequence number `before`; and the last entry's
    sequence number when more follow. Key names and owners come from the keys and users
    as they are now (a deleted key's entries keep its id)."""
    k, u = db.keys, db.users
    query = (
        sa.select(A, k.c.name.label("key_name"), u.c.name.label("owner_name"),
                  u.c.email.label("owner_email"))
        .select_from(A.outerjoin(k, k.c.id == A.c.key_id).outerjoin(u, u.c.id == A.c.owner_id))
        .where(*_conditions(where))
    )
    if before is not None:
        query = query.where(A.c.seq < before)
    rows = list(conn.execute(query.order_by(A.c.seq.desc()).limit(limit + 1)))
    last_seq = rows[limit - 1].seq if len(rows) > limit else None
    return [_entry(row) for row in rows[:limit]], last_seq


def daily_counts(conn: Connection, key_id: str, since: datetime
                 ) -> dict[date, tuple[int, int]]:
    """Calls of the key per UTC day from `since`: (accepted, refused)."""
    day = sa.type_coerce(A.c.at, sa.BigInteger) // 86_400_000  # the raw milliseconds
    ok = sa.func.sum(sa.case((A.c.code == "VALID", 1), else_=0))
    query = (sa.select(day.label("day"), ok.label("ok"), sa.func.count().label("total"))
             .where(A.c.key_id == key_id, A.c.at >= since)
             .group_by(day))
    counts: dict[date, tuple[int, int]] = {}
    for row in conn.execute(query):
        when = db.from_millis(int(row.day) * 86_400_000).date()
        counts[when] = (int(row.ok or 0), int(row.total) - int(row.ok or 0))
    return counts


def _conditions(where: ActivityFilter) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = []
    if where.key_id is not None:
        conditions.append(A.c.key_id == where.key_id)
    if where.owners is not None:
        conditions.append(A.c.owner_id.in_(where.owners) if len(where.owners) != 1
                          else A.c.owner_id == where.owners[0])
    if where.tool is not None:
        conditions.append(A.c.tool == where.tool)
    if where.code is not None:
        conditions.append(A.c.code == where.code)
    if where.ok is not None:
        conditions.append(A.c.code == "VALID" if where.ok else A.c.code != "VALID")
    if where.channel is not None:
        conditions.append(A.c.channel == where.channel)
    if where.since is not None:
        conditions.append(A.c.at >= where.since)
    return conditions


def _entry(row: Any) -> ActivityEntry:
    owner = (UserRef(id=row.owner_id, name=row.owner_name, email=row.owner_email or "")
             if row.owner_name is not None else None)
    return ActivityEntry(
        id=f"act_{row.seq}", at=row.at, key_id=row.key_id, key_name=row.key_name,
        owner=owner, channel=row.channel, tool=row.tool, code=row.code, client=row.client,
        ip=row.ip, session_id=row.session_id,
    )
