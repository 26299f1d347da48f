"""Schema (SQLAlchemy 2 Core) and engine creation for SQLite and PostgreSQL.

Times are stored as integer milliseconds since the epoch (UTC) through `Millis`: the
same representation, ordering and index behaviour on SQLite and PostgreSQL, no time zone
surprises. Code reads and writes aware `datetime`s; raw ints are accepted on write too
(the seeder's bulk insert uses them).

The agents' tables (activity, connections) are in agent_tables.py, on the same metadata.

Keys carry denormalised owner fields (`owner_active`, `owner_email`, `owner_name`) and a
lower-cased `search_text`, so the admin listing filters and sorts over one table with
indexes and no join, even over a million keys. They are updated when a user changes.
"""

from __future__ import annotations

import logging
import os
import shlex
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from tui_app.private_files import create_private

log = logging.getLogger("agentkeys.db")

# Sort sentinels for NULL times, so keyset pagination orders NULLs consistently:
# "never expires" sorts after every date, "never used" before every date.
NEVER_EXPIRES_SORT = 253402300799000  # 9999-12-31T23:59:59Z
NEVER_USED_SORT = -1


class Millis(sa.types.TypeDecorator[datetime]):
    """An aware UTC datetime stored as BIGINT milliseconds since the epoch."""

    impl = sa.BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> int | None:
        if value is None:
            return None
        if isinstance(value, int):
            return value
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return to_millis(value)

    def process_result_value(self, value: Any, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return from_millis(int(value))


def to_millis(value: datetime) -> int:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp() * 1000)


def from_millis(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, tz=UTC)


def bytewise_text(length: int) -> sa.types.TypeEngine[str]:
    """A string compared bytewise on PostgreSQL too (collation "C"), so sorting and
    keyset pagination give the same order on every database, whatever its locale."""
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


metadata = sa.MetaData()

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("email", sa.String(320), nullable=False, unique=True),  # stored lower-case
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("created_at", Millis, nullable=False),
    sa.Column("deactivated_at", Millis),
)

# The people who are not plain members (managers, admins, services: ~10% of users): a
# manager's listing leaves them out of their teams (keys_store.visible_owners) with a
# merge of two index-only scans, this and team_members' key, instead of looking up the
# role of each of the team's hundreds of members (~8 us a lookup on PostgreSQL).
NOT_MEMBERS_INDEX = sa.Index(
    "ix_users_not_members", users.c.id,
    postgresql_where=users.c.role != "member", sqlite_where=users.c.role != "member",
)

teams = sa.Table(
    "teams",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("name", sa.String(255), nullable=False, unique=True),
    sa.Column("created_at", Millis, nullable=False),
)

team_members = sa.Table(
    "team_members",
    metadata,
    sa.Column("team_id", sa.String(40), sa.ForeignKey("teams.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("user_id", sa.String(40), sa.ForeignKey("users.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Index("ix_team_members_user", "user_id"),
)

login_tokens = sa.Table(
    "login_tokens",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("user_id", sa.String(40), sa.ForeignKey("users.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("digest", sa.String(64), nullable=False, unique=True),  # HMAC-SHA256 hex
    sa.Column("hint", sa.String(32), nullable=False),
    sa.Column("created_at", Millis, nullable=False),
    sa.Column("expires_at", Millis),
    sa.Column("revoked_at", Millis),
    sa.Column("last_used_at", Millis),
    sa.Index("ix_login_tokens_user", "user_id"),
)

keys = sa.Table(
    "keys",
    metadata,
    sa.Column("id", bytewise_text(40), primary_key=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("name_lower", bytewise_text(255), nullable=False),  # sort key for name
    sa.Column("description", sa.Text, nullable=False, default=""),
    sa.Column("owner_id", sa.String(40), sa.ForeignKey("users.id"), nullable=False),
    # Denormalised from users, kept in step by the user store: filters need no join.
    sa.Column("owner_active", sa.Boolean, nullable=False, default=True),
    sa.Column("owner_email", bytewise_text(320), nullable=False),
    sa.Column("owner_name", sa.String(255), nullable=False),
    sa.Column("search_text", sa.Text, nullable=False),  # lower(name, owner name, email)
    sa.Column("created_by_id", sa.String(40)),
    sa.Column("created_at", Millis, nullable=False),
    sa.Column("expires_at", Millis),
    sa.Column("scope", sa.String(16), nullable=False),
    sa.Column("allowed_tools", sa.JSON, nullable=False),
    sa.Column("blocked_tools", sa.JSON, nullable=False),
    sa.Column("rate_limit_rpm", sa.Integer),
    sa.Column("digest", sa.String(64), nullable=False, unique=True),  # HMAC-SHA256 hex
    sa.Column("hint", sa.String(32), nullable=False),
    sa.Column("env", sa.String(8), nullable=False),
    sa.Column("last_used_at", Millis),
    sa.Column("last_used_tool", sa.String(64)),
    sa.Column("revoked_at", Millis),
    sa.Column("revoked_by_id", sa.String(40)),
    sa.Column("disabled_at", Millis),
    sa.Column("disabled_by_id", sa.String(40)),
    sa.Column("version", sa.Integer, nullable=False, default=1),
)



def expires_sort(table: sa.Table) -> sa.ColumnElement[Any]:
    return sa.func.coalesce(table.c.expires_at, sa.literal_column(str(NEVER_EXPIRES_SORT)))


def last_used_sort(table: sa.Table) -> sa.ColumnElement[Any]:
    return sa.func.coalesce(table.c.last_used_at, sa.literal_column(str(NEVER_USED_SORT)))


# Keyset pagination indexes: every sort column + id, plus the predicates we filter on.
EXPIRES_SORT = expires_sort(keys)
LAST_USED_SORT = last_used_sort(keys)
sa.Index("ix_keys_name", keys.c.name_lower, keys.c.id)
sa.Index("ix_keys_owner_sort", keys.c.owner_email, keys.c.id)
sa.Index("ix_keys_created", keys.c.created_at, keys.c.id)
sa.Index("ix_keys_expires_sort", EXPIRES_SORT, keys.c.id)
sa.Index("ix_keys_last_used_sort", LAST_USED_SORT, keys.c.id)
sa.Index("ix_keys_owner", keys.c.owner_id, keys.c.created_at, keys.c.id)
sa.Index("ix_keys_expires", keys.c.expires_at)
sa.Index("ix_keys_last_used", keys.c.last_used_at)
sa.Index("ix_keys_revoked", keys.c.revoked_at)
# Covering index for totals per status: an index-only scan instead of reading the table.
STATE_INDEX = sa.Index("ix_keys_state", keys.c.owner_id, keys.c.revoked_at, keys.c.expires_at,
                       keys.c.disabled_at, keys.c.owner_active)

# One row per (team, key of a member of that team): the key's listing columns, copied
# (KEY_TEAMS_COLUMNS), so a team's keys in any sort order are one index range instead of a
# read of every member's keys and a sort (a 400-member team holds ~8,000 of a million
# keys). Kept in step with keys and team_members by triggers (migrations v5), so every
# writer, raw SQL included, keeps it right; a manager's page read through it is still
# checked against the people they may see (routes/admin.py).
KEY_TEAMS_COLUMNS = ("owner_id", "name_lower", "owner_email", "owner_active", "created_at",
                     "expires_at", "last_used_at", "revoked_at", "disabled_at")
key_teams = sa.Table(
    "key_teams",
    metadata,
    sa.Column("team_id", sa.String(40), primary_key=True),
    sa.Column("key_id", bytewise_text(40), primary_key=True),  # (team_id, key_id): sort by status
    *(sa.Column(c.name, c.type, nullable=c.nullable)
      for c in (keys.c[name] for name in KEY_TEAMS_COLUMNS)),
    # SQLite: stored in primary-key order, so a team's rows sit together.
    sqlite_with_rowid=False,
)
KT = key_teams
sa.Index("ix_key_teams_name", KT.c.team_id, KT.c.name_lower, KT.c.key_id)
sa.Index("ix_key_teams_owner_sort", KT.c.team_id, KT.c.owner_email, KT.c.key_id)
sa.Index("ix_key_teams_created", KT.c.team_id, KT.c.created_at, KT.c.key_id)
sa.Index("ix_key_teams_expires_sort", KT.c.team_id, expires_sort(KT), KT.c.key_id)
sa.Index("ix_key_teams_last_used_sort", KT.c.team_id, last_used_sort(KT), KT.c.key_id)

audit = sa.Table(
    "audit",
    metadata,
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
              autoincrement=True),
    sa.Column("at", Millis, nullable=False),
    sa.Column("actor_id", sa.String(40)),
    sa.Column("actor_name", sa.String(255)),
    sa.Column("actor_email", sa.String(320)),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("key_id", sa.String(40)),
    sa.Column("key_name", sa.String(255)),
    sa.Column("key_owner_id", sa.String(40)),  # who may see the entry, after a delete too
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("details", sa.JSON, nullable=False),
    sa.Index("ix_audit_key", "key_id", "seq"),
    sa.Index("ix_audit_actor", "actor_id", "seq"),
    sa.Index("ix_audit_owner", "key_owner_id", "seq"),
    sa.Index("ix_audit_action", "action", "seq"),
)

idempotency = sa.Table(
    "idempotency",
    metadata,
    sa.Column("user_id", sa.String(40), primary_key=True),
    sa.Column("idem_key", sa.String(255), primary_key=True),
    sa.Column("request_hash", sa.String(64), nullable=False),  # SHA-256 of the body
    sa.Column("key_id", sa.String(40), nullable=False),
    sa.Column("created_at", Millis, nullable=False),
)

rate_limit = sa.Table(
    "rate_limit",
    metadata,
    sa.Column("key_id", sa.String(40), primary_key=True),
    sa.Column("window_start", sa.BigInteger, primary_key=True),  # epoch minute * 60
    sa.Column("count", sa.Integer, nullable=False),
)

schema_migrations = sa.Table(
    "schema_migrations",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("applied_at", Millis, nullable=False),
)


def normalise_url(url: str) -> str:
    """postgresql:// → postgresql+psycopg:// (psycopg 3); sqlite URLs unchanged."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def with_search_path(url: str, schema: str) -> str:
    """A PostgreSQL URL whose connections use `schema` (tests get one schema each)."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query["options"] = f"-csearch_path={schema}"
    return urlunsplit(parts._replace(query=urlencode(query)))


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL; None for an in-memory database or a `file:` URI."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def prepare_sqlite_file(url: str) -> None:
    """Create the database file, mode 0600, before SQLite opens it. SQLite would create
    it with the umask's mode (0644 as a rule), and gives its -wal and -shm files, which
    hold recent writes, the mode of the database file: so this one decision keeps all
    three from other users. A file that is there already is left as it is, with a
    warning if others may read it."""
    path = sqlite_path(url)
    if path is None:
        return
    try:
        if create_private(path):
            return
        info = path.stat()
    except OSError:
        return  # e.g. no such directory: SQLite's own error says so when it opens
    mode = stat.S_IMODE(info.st_mode)
    if os.name == "posix" and info.st_uid == os.getuid() and mode & 0o077:
        log.warning("%s can be read by other users (mode %04o), and so will its -wal and "
                    "-shm files; run: chmod 600 %s", path, mode, shlex.quote(str(path)))


def create_engine(url: str, *, pool_size: int = 10) -> Engine:
    url = normalise_url(url)
    if is_sqlite(url):
        prepare_sqlite_file(url)
        engine = sa.create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=pool_size,
            max_overflow=20,
            pool_pre_ping=False,
        )

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy issue BEGIN itself (pysqlite's implicit transactions are
            # off): so BEGIN IMMEDIATE is possible and no write sneaks in outside.
            dbapi_conn.isolation_level = None
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @sa.event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # IMMEDIATE takes the write lock up front: two writers never deadlock
            # upgrading from read locks, they queue on busy_timeout instead. Pure reads
            # (read_tx) use a deferred BEGIN so they never wait for a writer (WAL).
            options = conn.get_execution_options()
            if options.get("no_transaction"):
                return  # autocommit_read: each statement is its own transaction
            if options.get("read_only"):
                conn.exec_driver_sql("BEGIN")
            else:
                conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    # No pool_pre_ping: it costs a round trip per checkout, two per verify. A connection
    # that died (server restart) fails one request and SQLAlchemy then recycles the
    # whole pool; pool_recycle bounds connection age for proxies that drop idle ones.
    engine = sa.create_engine(url, pool_size=pool_size, max_overflow=20, pool_recycle=1800)

    @sa.event.listens_for(engine, "connect")
    def _pg_custom_plans(dbapi_conn: Any, _record: Any) -> None:
        # psycopg server-prepares a statement after 5 runs, and PostgreSQL then may switch
        # to a generic plan made without the parameter values; for keyset pages (cursor
        # values, NULL sentinels) that plan can walk the whole table (measured: 0.9 to 2.5 s
        # per page over 1M keys instead of 6 ms). Plan every execution with its values.
        with dbapi_conn.cursor() as cursor:
            cursor.execute("SET plan_cache_mode = force_custom_plan")
        dbapi_conn.commit()

    return engine


@contextmanager
def read_tx(engine: Engine) -> Iterator[sa.Connection]:
    """A transaction for reads only (on SQLite it does not take the write lock)."""
    with engine.connect().execution_options(read_only=True) as conn, conn.begin():
        yield conn


@contextmanager
def autocommit_read(engine: Engine) -> Iterator[sa.Connection]:
    """Reads that need no snapshot across statements (the hot paths: token and key
    lookups): no BEGIN/COMMIT, which on PostgreSQL saves two round trips."""
    if engine.dialect.name == "sqlite":
        conn = engine.connect().execution_options(no_transaction=True)
    else:
        conn = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    with conn:
        yield conn


def write_tx(engine: Engine) -> Any:
    """A transaction that writes (on SQLite: BEGIN IMMEDIATE). Same as engine.begin()."""
    return engine.begin()
