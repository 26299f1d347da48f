"""Bulk data for benchmarks, loaded fast.

Rows are generated in plain tuples (store/seed_rows.py) and inserted through the DBAPI
(SQLite: executemany in large batches in one transaction; PostgreSQL: COPY), with the
secondary indexes and triggers of keys, team_members and key_teams dropped during the
load and rebuilt after when the load is large (key_teams is then filled in one
INSERT … SELECT, the triggers' work done as one set).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tui_app.server.store import db, migrations
from tui_app.server.store.seed_activity import ACTIVITY_COLUMNS, ActivitySeeder
from tui_app.server.store.seed_rows import (
    AUDIT_COLUMNS,
    KEY_COLUMNS,
    MEMBER_COLUMNS,
    TEAM_COLUMNS,
    USER_COLUMNS,
    audit_entries,
    key_row,
    make_org,
    now_ms_of,
    seeded_rng,
    taken_names,
)


def _batches(rows: Iterable[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class _Writer:
    """Bulk writes through the DBAPI connection: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"
        self.raw = engine.raw_connection()
        if not self.postgres:
            # db.py turns pysqlite's implicit transactions off: one explicit transaction.
            self.raw.execute("BEGIN IMMEDIATE")  # type: ignore[attr-defined]

    def write(self, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]],
              batch: int = 50_000) -> int:
        count = 0
        names = ", ".join(columns)
        if self.postgres:
            cursor = self.raw.cursor()
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"
        cursor = self.raw.cursor()
        for chunk in _batches(rows, batch):
            cursor.executemany(sql, chunk)
            count += len(chunk)
        return count

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.raw.cursor().execute(sql, params)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        cursor = self.raw.cursor()
        cursor.execute(sql, params)
        return list(cursor.fetchall())

    def secondary_objects(self, table: str) -> list[tuple[str, str]]:
        """(statement to drop, statement to restore) for each of the table's secondary
        indexes and triggers, read from the database itself, so whatever the migrations
        added is covered."""
        if self.postgres:
            rows = self.query(
                "SELECT indexname, indexdef FROM pg_indexes "
                "WHERE schemaname = current_schema() AND tablename = %s "
                "AND indexname NOT IN (SELECT c.relname FROM pg_constraint k "
                "JOIN pg_class c ON c.oid = k.conindid "
                "WHERE k.conrelid = to_regclass(%s))",
                (table, table),
            )
            # Triggers are switched off and on rather than dropped: their definitions
            # stay exactly as the migrations wrote them.
            triggers = self.query(
                "SELECT tgname FROM pg_trigger "
                "WHERE tgrelid = to_regclass(%s) AND NOT tgisinternal", (table,))
            return ([(f'DROP INDEX IF EXISTS "{name}"', sql) for name, sql in rows]
                    + [(f'ALTER TABLE "{table}" DISABLE TRIGGER "{name}"',
                        f'ALTER TABLE "{table}" ENABLE TRIGGER "{name}"')
                       for (name,) in triggers])
        rows = self.query(
            "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = ? "
            "AND type IN ('index', 'trigger') AND sql IS NOT NULL",
            (table,),
        )
        return [(f'DROP {kind.upper()} IF EXISTS "{name}"', sql) for kind, name, sql in rows]

    def commit(self) -> None:
        if self.postgres:
            self.raw.commit()
        else:
            self.raw.execute("COMMIT")  # type: ignore[attr-defined]

    def close(self) -> None:
        self.raw.close()


def seed_bulk(
    engine: Engine, *, keys: int, users: int = 1000, seed: int = 1, now: datetime | None = None,
    audit: bool = True, progress: Callable[[str], None] | None = None,
    rebuild_indexes: bool | None = None, activity: int = 0,
) -> dict[str, int]:
    """Add `users` users (in teams) and `keys` keys spread over them, with usage over the
    last year, every status, the audit entries their lives would have left and
    `activity` agent calls over the last 30 days, spread over the keys in use. Fast:
    1,000,000 keys in a few minutes. `rebuild_indexes` (default: for 100,000 keys or more)
    drops the keys table's secondary indexes and triggers for the load and rebuilds them
    after. Returns counts per table."""
    say = progress or (lambda _message: None)
    taken = taken_names(engine)
    rng = seeded_rng(seed, taken)
    now_ms = now_ms_of(now)
    org = make_org(rng, now_ms, max(1, users), domain=f"bulk{seed}.example.com", taken=taken)
    owners = [u for u in org.users if u.role != "service"] or org.users
    users_by_id = {u.id: u for u in org.users}
    # A large load into the keys table: drop its secondary indexes and triggers (the
    # full-text index's), rebuild once after: much faster than maintaining them per row.
    rebuild = keys >= 100_000 if rebuild_indexes is None else rebuild_indexes
    started = time.perf_counter()
    writer = _Writer(engine)
    counts: dict[str, int] = {}
    try:
        dropped: list[tuple[str, str]] = []
        if rebuild:
            # key_teams' triggers live on keys and team_members: with them off, its rows
            # are added as one set after the load (below).
            for table in ("keys", "team_members", "key_teams"):
                dropped += writer.secondary_objects(table)
            for drop, _create in dropped:
                writer.execute(drop)
        # The same for a large load of activity: its indexes are rebuilt after it.
        activity_indexes = writer.secondary_objects("activity") if activity >= 100_000 else []
        for drop, _create in activity_indexes:
            writer.execute(drop)
        counts["teams"] = writer.write("teams", TEAM_COLUMNS, org.teams)
        user_rows = org.user_rows(now_ms, rng)
        counts["users"] = writer.write("users", USER_COLUMNS, user_rows)
        seeder = ActivitySeeder(random.Random(f"activity:{seed}:{taken[2]}"), now_ms,
                                {r[0]: r for r in user_rows})
        counts["team memberships"] = writer.write("team_members", MEMBER_COLUMNS, org.members)
        audit_rows: list[tuple[Any, ...]] = []

        def key_rows() -> Iterator[tuple[Any, ...]]:
            for n in range(keys):
                owner = owners[rng.randrange(len(owners))]
                row = key_row(rng, now_ms, owner, org.admins)
                if audit:
                    audit_rows.extend(audit_entries(row, owner, users_by_id))
                if activity:
                    seeder.add(row)
                if n and n % 200_000 == 0:
                    say(f"{n:,} keys written ({time.perf_counter() - started:.0f} s)")
                yield row

        counts["keys"] = writer.write("keys", KEY_COLUMNS, key_rows())
        say(f"{keys:,} keys written ({time.perf_counter() - started:.0f} s)")
        audit_rows.sort(key=lambda row: row[0])  # audit seq follows time
        counts["audit entries"] = writer.write("audit", AUDIT_COLUMNS, audit_rows)
        if activity:
            counts["activity entries"] = writer.write(
                "activity", ACTIVITY_COLUMNS, seeder.rows(activity))
            say(f"{counts['activity entries']:,} activity entries written "
                f"({time.perf_counter() - started:.0f} s)")
            for _drop, create in activity_indexes:
                writer.execute(create)
        if dropped:
            # The new keys' owners are new people, members of new teams only.
            fill = migrations.key_teams_fill([team[0] for team in org.teams])
            writer.execute(str(fill.compile(dialect=engine.dialect,
                                            compile_kwargs={"literal_binds": True})))
            say("rebuilding indexes")
            for _drop, create in dropped:
                writer.execute(create)
            if not writer.postgres and writer.query(
                "SELECT 1 FROM sqlite_master WHERE name = 'keys_fts'"
            ):
                # The full-text index's insert trigger was off during the load: re-sync it
                # (its documented way, see migrations._SQLITE_FTS).
                writer.execute("INSERT INTO keys_fts(keys_fts) VALUES ('rebuild')")
        writer.commit()
    finally:
        writer.close()
    _analyze(engine)
    say(f"done in {time.perf_counter() - started:.0f} s")
    return counts


def _analyze(engine: Engine) -> None:
    """Fresh planner statistics: the listing's index choices depend on them. On
    PostgreSQL also VACUUM, what autovacuum would do some time after a bulk load: it
    sets the visibility map (index-only scans, e.g. a team's members from the primary
    key, otherwise visit a heap page per row) and the rows' hint bits (otherwise the
    first reads of every row write its page). A few seconds at 1,000,000 keys."""
    if engine.dialect.name == "postgresql":
        tables = ", ".join(table.name for table in db.metadata.sorted_tables)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text(f"VACUUM (ANALYZE) {tables}"))  # not in a transaction
        return
    with engine.connect() as conn:
        # Sampled statistics: a full ANALYZE of a million rows takes ~20 s and plans
        # come out the same.
        conn.exec_driver_sql("PRAGMA analysis_limit=2000")
        conn.exec_driver_sql("ANALYZE")
