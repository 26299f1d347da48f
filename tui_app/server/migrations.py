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


# Append only; never edit a migration that has shipped.
MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "initial schema", _v1_initial),
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
