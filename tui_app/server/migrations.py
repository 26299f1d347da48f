"""Ordered schema migrations, applied on start.

Idempotent, and safe when two processes start at once: on PostgreSQL the whole run holds
a transaction-level advisory lock; on SQLite the transaction is BEGIN IMMEDIATE (db.py),
which takes the database's write lock. The second process waits, then finds nothing to do.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from tui_app.server import db

# An arbitrary constant naming "agentkeys schema migrations" among advisory locks.
_ADVISORY_LOCK_ID = 0x616B6D6967  # "akmig"


def _v1_initial(conn: Connection) -> None:
    db.metadata.create_all(conn, checkfirst=True)


def _v2_state_index(conn: Connection) -> None:
    conn.execute(sa.schema.CreateIndex(db.STATE_INDEX, if_not_exists=True))


def _v3_trigram_search(conn: Connection) -> None:
    """PostgreSQL: a trigram index makes `q` (substring search) fast over millions of
    keys. Optional: pg_trgm may be unavailable or need rights we lack; search then
    scans, which is correct, only slower. The extension goes to `public`, so per-test
    schemas dropped with CASCADE never take it with them."""
    if conn.dialect.name != "postgresql":
        return
    savepoint = conn.begin_nested()
    try:
        conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
        conn.execute(sa.text(
            "CREATE INDEX IF NOT EXISTS ix_keys_search_trgm "
            "ON keys USING gin (search_text public.gin_trgm_ops)"
        ))
    except sa.exc.DBAPIError:
        savepoint.rollback()
    else:
        savepoint.commit()


_SQLITE_FTS = [
    # A trigram full-text index over keys.search_text, kept in step by triggers, so `q`
    # (substring search) needs no table scan. It maps rows by SQLite's rowid; we never
    # VACUUM (which may renumber implicit rowids), and a rebuild re-syncs it if needed.
    "CREATE VIRTUAL TABLE IF NOT EXISTS keys_fts USING fts5("
    "search_text, content='keys', content_rowid='rowid', tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS keys_fts_insert AFTER INSERT ON keys BEGIN "
    "INSERT INTO keys_fts(rowid, search_text) VALUES (new.rowid, new.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS keys_fts_delete AFTER DELETE ON keys BEGIN "
    "INSERT INTO keys_fts(keys_fts, rowid, search_text) "
    "VALUES ('delete', old.rowid, old.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS keys_fts_update AFTER UPDATE OF search_text ON keys BEGIN "
    "INSERT INTO keys_fts(keys_fts, rowid, search_text) "
    "VALUES ('delete', old.rowid, old.search_text); "
    "INSERT INTO keys_fts(rowid, search_text) VALUES (new.rowid, new.search_text); END",
    "INSERT INTO keys_fts(keys_fts) VALUES ('rebuild')",
]


def _v4_sqlite_search(conn: Connection) -> None:
    """SQLite: the trigram index for `q` (FTS5). Optional, like v3: without FTS5 in the
    SQLite build, search scans."""
    if conn.dialect.name != "sqlite":
        return
    savepoint = conn.begin_nested()
    try:
        for statement in _SQLITE_FTS:
            conn.exec_driver_sql(statement)
    except sa.exc.DBAPIError:
        savepoint.rollback()
    else:
        savepoint.commit()


# Append only; never edit a migration that has shipped.
MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "initial schema", _v1_initial),
    (2, "covering index for status totals", _v2_state_index),
    (3, "trigram index for text search (PostgreSQL)", _v3_trigram_search),
    (4, "trigram index for text search (SQLite FTS5)", _v4_sqlite_search),
]


def applied_versions(conn: Connection) -> set[int]:
    if not sa.inspect(conn).has_table("schema_migrations"):
        return set()
    return set(conn.execute(sa.select(db.schema_migrations.c.version)).scalars())


def migrate(engine: Engine) -> list[int]:
    """Apply pending migrations; returns the versions applied by this call."""
    applied_now: list[int] = []
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": _ADVISORY_LOCK_ID})
        done = applied_versions(conn)
        for version, name, step in MIGRATIONS:
            if version in done:
                continue
            step(conn)
            conn.execute(
                db.schema_migrations.insert().values(
                    version=version, name=name, applied_at=datetime.now(UTC)
                )
            )
            applied_now.append(version)
    return applied_now


def current_version(engine: Engine) -> int:
    with db.read_tx(engine) as conn:
        versions = applied_versions(conn)
    return max(versions, default=0)
