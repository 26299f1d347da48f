"""Ordered schema migrations, applied on start.

Idempotent, and safe when two processes start at once: on PostgreSQL the whole run holds
a transaction-level advisory lock; on SQLite the transaction is BEGIN IMMEDIATE (db.py),
which takes the database's write lock. The second process waits, then finds nothing to do.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from tui_app.server.store import agent_tables, db

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


# -- v5: key_teams (db.key_teams), kept in step by triggers ----------------------------
# Invariant: key_teams holds (t, k) exactly when k's owner is a member of team t, with k's
# KEY_TEAMS_COLUMNS. A key's rows are found through its owner's memberships (the primary
# key is (team_id, key_id)), so no index on key_id alone is needed. Team membership only
# changes when a user is created today (no keys yet); should memberships of users who own
# keys become editable, that write must lock the user row against concurrent key inserts,
# or a key created at the same moment may miss its row.

_MIRRORED = db.KEY_TEAMS_COLUMNS
_COPIED = [c for c in _MIRRORED if c != "owner_id"]  # owner_id: a key's rows move instead
_KT_INSERT = f"INSERT INTO key_teams (team_id, key_id, {', '.join(_MIRRORED)}) "


def _kt_add_key(row: str) -> str:
    """Rows for the key `row` (NEW): one per team of its owner."""
    values = ", ".join(f"{row}.{c}" for c in _MIRRORED)
    return (f"{_KT_INSERT}SELECT team_id, {row}.id, {values} "
            f"FROM team_members WHERE user_id = {row}.owner_id")


def _kt_add_member(row: str) -> str:
    """Rows for the membership `row` (NEW): one per key of the member."""
    values = ", ".join(f"k.{c}" for c in _MIRRORED)
    return (f"{_KT_INSERT}SELECT {row}.team_id, k.id, {values} "
            f"FROM keys k WHERE k.owner_id = {row}.user_id")


def _kt_drop_key(row: str) -> str:
    return (f"DELETE FROM key_teams WHERE team_id IN (SELECT team_id FROM team_members "
            f"WHERE user_id = {row}.owner_id) AND key_id = {row}.id")


def _kt_update_key(row: str, columns: list[str]) -> str:
    assign = ", ".join(f"{c} = {row}.{c}" for c in columns)
    return (f"UPDATE key_teams SET {assign} WHERE team_id IN (SELECT team_id "
            f"FROM team_members WHERE user_id = {row}.owner_id) AND key_id = {row}.id")


def _kt_drop_member(row: str) -> str:
    return f"DELETE FROM key_teams WHERE team_id = {row}.team_id AND owner_id = {row}.user_id"


def _kt_sqlite_triggers() -> list[str]:
    # The last-use write (verify, once a minute per key) has its own trigger that sets
    # last_used_at alone: SQLite then rewrites only the index that holds it.
    others = [c for c in _MIRRORED if c not in ("owner_id", "last_used_at")]
    changed = " OR ".join(f"new.{c} IS NOT old.{c}" for c in others)
    same_owner = "new.owner_id = old.owner_id"
    return [
        "CREATE TRIGGER IF NOT EXISTS key_teams_key_insert AFTER INSERT ON keys "
        f"BEGIN {_kt_add_key('new')}; END",
        f"CREATE TRIGGER IF NOT EXISTS key_teams_key_update AFTER UPDATE OF "
        f"{', '.join(others)} ON keys WHEN {same_owner} AND ({changed}) "
        f"BEGIN {_kt_update_key('new', others)}; END",
        "CREATE TRIGGER IF NOT EXISTS key_teams_key_used AFTER UPDATE OF last_used_at ON keys "
        f"WHEN {same_owner} AND new.last_used_at IS NOT old.last_used_at "
        f"BEGIN {_kt_update_key('new', ['last_used_at'])}; END",
        "CREATE TRIGGER IF NOT EXISTS key_teams_key_owner AFTER UPDATE OF owner_id ON keys "
        "WHEN new.owner_id IS NOT old.owner_id "
        f"BEGIN {_kt_drop_key('old')}; {_kt_add_key('new')}; END",
        "CREATE TRIGGER IF NOT EXISTS key_teams_key_delete AFTER DELETE ON keys "
        f"BEGIN {_kt_drop_key('old')}; END",
        "CREATE TRIGGER IF NOT EXISTS key_teams_member_insert AFTER INSERT ON team_members "
        f"BEGIN {_kt_add_member('new')}; END",
        "CREATE TRIGGER IF NOT EXISTS key_teams_member_delete AFTER DELETE ON team_members "
        f"BEGIN {_kt_drop_member('old')}; END",
        "CREATE TRIGGER IF NOT EXISTS key_teams_member_update AFTER UPDATE ON team_members "
        f"BEGIN {_kt_drop_member('old')}; {_kt_add_member('new')}; END",
    ]


# The app's connections plan every statement with its values (db.create_engine); the
# triggers' few fixed statements do better with cached plans: half their cost (measured:
# +0.3 ms instead of +0.65 ms on a last-use UPDATE).
_PLPGSQL = "LANGUAGE plpgsql SET plan_cache_mode = auto AS $$ BEGIN "


def _kt_postgres_triggers() -> list[str]:
    old = ", ".join(f"OLD.{c}" for c in _MIRRORED)
    new = ", ".join(f"NEW.{c}" for c in _MIRRORED)
    return [
        "CREATE OR REPLACE FUNCTION key_teams_sync_key() RETURNS trigger " + _PLPGSQL +
        f"IF TG_OP = 'INSERT' THEN {_kt_add_key('NEW')}; "
        f"ELSIF TG_OP = 'DELETE' THEN {_kt_drop_key('OLD')}; "
        "ELSIF NEW.owner_id IS DISTINCT FROM OLD.owner_id THEN "
        f"{_kt_drop_key('OLD')}; {_kt_add_key('NEW')}; "
        f"ELSE {_kt_update_key('NEW', _COPIED)}; END IF; RETURN NULL; END $$",
        "CREATE OR REPLACE FUNCTION key_teams_sync_member() RETURNS trigger " + _PLPGSQL +
        f"IF TG_OP IN ('UPDATE', 'DELETE') THEN {_kt_drop_member('OLD')}; END IF; "
        f"IF TG_OP IN ('INSERT', 'UPDATE') THEN {_kt_add_member('NEW')}; END IF; "
        "RETURN NULL; END $$",
        "DROP TRIGGER IF EXISTS key_teams_key_write ON keys",
        "CREATE TRIGGER key_teams_key_write AFTER INSERT OR DELETE ON keys "
        "FOR EACH ROW EXECUTE FUNCTION key_teams_sync_key()",
        "DROP TRIGGER IF EXISTS key_teams_key_update ON keys",
        # Only when a copied column really changes: most updates (description, version,
        # last_used_tool, a repeated state) leave key_teams alone.
        f"CREATE TRIGGER key_teams_key_update AFTER UPDATE OF {', '.join(_MIRRORED)} ON keys "
        f"FOR EACH ROW WHEN (({old}) IS DISTINCT FROM ({new})) "
        "EXECUTE FUNCTION key_teams_sync_key()",
        "DROP TRIGGER IF EXISTS key_teams_member_write ON team_members",
        "CREATE TRIGGER key_teams_member_write AFTER INSERT OR UPDATE OR DELETE ON team_members "
        "FOR EACH ROW EXECUTE FUNCTION key_teams_sync_member()",
    ]


def key_teams_rows(team_ids: list[str] | None = None) -> sa.Select[Any]:
    """What key_teams must hold (all of it, or some teams' part), from keys and
    team_members."""
    k, tm = db.keys, db.team_members
    query = (sa.select(tm.c.team_id, k.c.id.label("key_id"), *(k.c[c] for c in _MIRRORED))
             .join(tm, tm.c.user_id == k.c.owner_id))
    if team_ids is not None:
        query = query.where(tm.c.team_id.in_(team_ids))
    return query


def key_teams_fill(team_ids: list[str] | None = None) -> sa.Insert:
    """Fill key_teams (all, or some teams' rows): the backfill of v5, and the bulk
    seeder's, which loads with the triggers off."""
    return sa.insert(db.key_teams).from_select(["team_id", "key_id", *_MIRRORED],
                                               key_teams_rows(team_ids))


def _v5_key_teams(conn: Connection) -> None:
    """Team listings as one index range (db.key_teams). The triggers come first: on
    PostgreSQL creating them locks keys and team_members against writes until this
    transaction commits, so no key written meanwhile by another server is missed. The
    indexes come after the fill (a million keys: much faster than row by row)."""
    if not sa.inspect(conn).has_table("key_teams"):
        conn.execute(sa.schema.CreateTable(db.key_teams))
    statements = (_kt_postgres_triggers() if conn.dialect.name == "postgresql"
                  else _kt_sqlite_triggers())
    for statement in statements:
        conn.exec_driver_sql(statement)
    conn.execute(db.key_teams.delete())
    conn.execute(key_teams_fill())
    for index in db.key_teams.indexes:
        conn.execute(sa.schema.CreateIndex(index, if_not_exists=True))
    # Planner statistics now: the listing's plans depend on them, and autovacuum may be
    # off or late. Sampled on SQLite (as the seeder does): a full pass takes seconds.
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA analysis_limit=2000")
        conn.exec_driver_sql("ANALYZE key_teams")
        conn.exec_driver_sql("PRAGMA analysis_limit=0")
    else:
        conn.exec_driver_sql("ANALYZE key_teams")


def _v6_not_members_index(conn: Connection) -> None:
    conn.execute(sa.schema.CreateIndex(db.NOT_MEMBERS_INDEX, if_not_exists=True))


# Append only; never edit a migration that has shipped.
def _v7_activity(conn: Connection) -> None:
    agent_tables.activity.create(conn, checkfirst=True)


def _v8_connections(conn: Connection) -> None:
    tables = agent_tables
    for table in (tables.oauth_clients, tables.connection_requests, tables.key_sessions,
                  tables.session_refresh):
        table.create(conn, checkfirst=True)


MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "initial schema", _v1_initial),
    (2, "covering index for status totals", _v2_state_index),
    (3, "trigram index for text search (PostgreSQL)", _v3_trigram_search),
    (4, "trigram index for text search (SQLite FTS5)", _v4_sqlite_search),
    (5, "key_teams: team listings in any order as one index range", _v5_key_teams),
    (6, "index of the users who are not plain members", _v6_not_members_index),
    (7, "agent activity, apart from the audit log", _v7_activity),
    (8, "connections: OAuth clients, pending requests, key sessions", _v8_connections),
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
