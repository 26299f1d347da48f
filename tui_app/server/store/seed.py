"""Realistic data: a small demo organisation, and bulk data for benchmarks.

`seed_demo` builds a deterministic demo organisation (teams, users of every role, keys in
every status including owner-deactivated, tool lists, rate limits, a year of usage and
audit entries); `agentkeys demo` and `start_embedded(demo=True)` use it.

`seed_bulk` fills a database fast: rows are generated in plain tuples and inserted through
the DBAPI (SQLite: executemany in large batches in one transaction; PostgreSQL: COPY),
with the secondary indexes and triggers of keys, team_members and key_teams dropped during
the load and rebuilt after when the load is large (key_teams is then filled in one
INSERT … SELECT, the triggers' work done as one set). Seeded keys have no secret: their
digest is random bytes, so no token exists that could match them.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tui_app.domain.clock import to_rfc3339
from tui_app.domain.ids import ulid
from tui_app.domain.keyformat import BASE62
from tui_app.server.store import db, migrations
from tui_app.server.store.users import search_text

DAY_MS = 86_400_000
YEAR_MS = 365 * DAY_MS

FIRST = (
    "Ada", "Alan", "Amara", "Ana", "Arjun", "Bea", "Boris", "Carla", "Chen", "Dara", "Diego",
    "Elif", "Emma", "Farah", "Felix", "Grace", "Hana", "Hugo", "Ines", "Ivan", "Jade", "Jonas",
    "Kai", "Kenji", "Lena", "Leo", "Lina", "Malik", "Maya", "Mei", "Nadia", "Noah", "Olga",
    "Omar", "Pia", "Priya", "Quinn", "Rafael", "Rosa", "Sami", "Sara", "Sven", "Tara", "Theo",
    "Uma", "Victor", "Wen", "Yara", "Yusuf", "Zoe",
)
LAST = (
    "Abara", "Berg", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ito",
    "Jensen", "Kowalski", "Larsen", "Moreau", "Nakamura", "Okafor", "Patel", "Quispe", "Rossi",
    "Silva", "Tanaka", "Umar", "Varga", "Weber", "Xu", "Yilmaz", "Zhang", "Novak", "Lindqvist",
    "Mensah", "Schmidt",
)
TEAMS = (
    "Platform", "Data", "Payments", "Search", "Mobile", "Growth", "Security", "Infra",
    "Support", "Research", "Billing", "Identity", "Analytics", "Docs", "Frontend", "ML",
)
SYSTEMS = (
    "claude-code", "codex", "cursor", "ci", "cron", "etl", "support-bot", "triage-agent",
    "release-bot", "docs-sync", "slack-bot", "mcp", "notebook", "backfill", "eval-runner",
    "pr-reviewer", "oncall-helper", "scraper", "indexer", "reporting",
)
PURPOSES = (
    "prod", "staging", "laptop", "nightly", "readonly", "migration", "test", "shared",
    "personal", "sandbox", "batch", "canary",
)
TOOLS = (
    "search_docs", "read_file", "list_issues", "create_issue", "comment", "run_query",
    "read_metrics", "deploy", "rollback", "send_email", "write_file", "delete_repo",
    "list_keys", "create_key", "fetch_url",
)
READ_TOOLS = ("search_docs", "read_file", "list_issues", "read_metrics", "run_query", "fetch_url")
DANGEROUS_TOOLS = ("delete_repo", "deploy", "rollback", "send_email")
RATE_LIMITS = (None, None, None, 60, 120, 600, 1000, 6000)
DESCRIPTIONS = (
    "", "", "", "Used by the nightly job.", "For local experiments; revoke when done.",
    "Read-only access for the reporting dashboard.", "Shared by the on-call rotation.",
    "Agent that drafts replies to support tickets.", "CI pipeline, main branch only.",
)


# -- deterministic helpers -----------------------------------------------------------


def _ulid(rng: random.Random, ms: int) -> str:
    return ulid(ms, rng.getrandbits(80))


def _digest(rng: random.Random) -> str:
    # Random bytes in the place of HMAC(pepper, token): no token can ever match. From the
    # OS, not the seeded generator, so two seedings of one database never collide.
    return os.urandom(32).hex()


def _hint(rng: random.Random, env: str = "live") -> str:
    return f"ak_{env}_…" + "".join(rng.choice(BASE62) for _ in range(4))


def _rfc3339(ms: int | None) -> str | None:
    return None if ms is None else to_rfc3339(db.from_millis(ms))


def _now_ms(now: datetime | None) -> int:
    return db.to_millis(now or datetime.now(UTC))


# -- row generation ------------------------------------------------------------------

USER_COLUMNS = ("id", "email", "name", "role", "active", "created_at", "deactivated_at")
TEAM_COLUMNS = ("id", "name", "created_at")
MEMBER_COLUMNS = ("team_id", "user_id")
KEY_COLUMNS = (
    "id", "name", "name_lower", "description", "owner_id", "owner_active", "owner_email",
    "owner_name", "search_text", "created_by_id", "created_at", "expires_at", "scope",
    "allowed_tools", "blocked_tools", "rate_limit_rpm", "digest", "hint", "env",
    "last_used_at", "last_used_tool", "revoked_at", "revoked_by_id", "disabled_at",
    "disabled_by_id", "version",
)
AUDIT_COLUMNS = (
    "at", "actor_id", "actor_name", "actor_email", "action", "key_id", "key_name",
    "key_owner_id", "source", "details",
)


@dataclass(frozen=True, slots=True)
class _User:
    id: str
    email: str
    name: str
    role: str
    active: bool


@dataclass
class _Org:
    teams: list[tuple[str, str, int]]
    users: list[_User]
    members: list[tuple[str, str]]
    admins: list[_User]

    def user_rows(self, now_ms: int, rng: random.Random) -> list[tuple[Any, ...]]:
        rows = []
        for user in self.users:
            created = now_ms - YEAR_MS - rng.randrange(30 * DAY_MS)
            deactivated = None if user.active else now_ms - rng.randrange(1, 60) * DAY_MS
            rows.append((user.id, user.email, user.name, user.role, user.active, created,
                         deactivated))
        return rows


def _make_org(
    rng: random.Random, now_ms: int, users: int, *, teams: int | None = None,
    named: Sequence[tuple[str, str, str, bool]] = (), domain: str = "example.com",
    taken: tuple[set[str], set[str], int] = (set(), set(), 0),
) -> _Org:
    """`named` users come first: (name, email, role, active). The rest are generated with a
    realistic role mix: ~1% admins (at least one), ~8% managers, ~2% service users, ~4%
    deactivated."""
    taken_teams, taken_emails, offset = taken  # what the database already holds
    team_count = teams or max(2, min(len(TEAMS) * 8, users // 12))
    team_rows = []
    serial = 0
    for index in range(team_count):
        base = TEAMS[index % len(TEAMS)]
        name = base if index < len(TEAMS) else f"{base} {index // len(TEAMS) + 1}"
        while name in taken_teams:
            serial += 1
            name = f"{base} {serial + 1}"
        taken_teams.add(name)
        team_rows.append((f"team_{_ulid(rng, now_ms - YEAR_MS - DAY_MS)}", name,
                          now_ms - YEAR_MS - DAY_MS))
    people: list[_User] = []
    created_base = now_ms - YEAR_MS
    for name, email, role, active in named:
        if email in taken_emails:
            email = email.replace("@", f"+{offset}@")
        people.append(_User(f"usr_{_ulid(rng, created_base)}", email, name, role, active))
    for index in range(len(people), users):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        draw = rng.random()
        role = ("admin" if draw < 0.01 else "manager" if draw < 0.09
                else "service" if draw < 0.11 else "member")
        # Every role, and a deactivated member, even in a tiny organisation.
        roles_so_far = {p.role for p in people}
        for wanted in ("admin", "manager", "service"):
            if wanted not in roles_so_far:
                role = wanted
                break
        if role == "service":
            name = f"{rng.choice(SYSTEMS)} gateway {index}"
            email = f"gateway-{index + offset}@svc.{domain}"
        else:
            name = f"{first} {last}"
            email = f"{first}.{last}.{index + offset}@{domain}".lower()
        active = role == "admin" or rng.random() >= 0.04
        if role == "member" and all(p.active for p in people):
            active = False
        people.append(_User(f"usr_{_ulid(rng, created_base + index)}", email, name, role, active))
    members: list[tuple[str, str]] = []
    for index, user in enumerate(people):
        if user.role == "service":
            continue
        first_team = team_rows[index % len(team_rows)][0]
        members.append((first_team, user.id))
        if rng.random() < 0.1:  # some people sit in two teams
            second = rng.choice(team_rows)[0]
            if second != first_team:
                members.append((second, user.id))
    return _Org(team_rows, people, members, [p for p in people if p.role == "admin"])


def _key_row(
    rng: random.Random, now_ms: int, owner: _User, admins: Sequence[_User], *,
    fate: str | None = None, name: str | None = None, env: str = "live",
) -> tuple[Any, ...]:
    """One key row in KEY_COLUMNS order. `fate` picks the stored state: active, expired,
    revoked or disabled (a deactivated owner makes an otherwise active key inactive)."""
    if fate is None:
        draw = rng.random()
        fate = ("revoked" if draw < 0.12 else "expired" if draw < 0.30
                else "disabled" if draw < 0.38 else "active")
    created = now_ms - rng.randrange(1, YEAR_MS)
    revoked_at = disabled_at = None
    revoked_by = disabled_by = None
    end = now_ms  # until when the key could have been used
    if fate == "expired":
        expires = created + rng.randrange(DAY_MS, max(DAY_MS + 1, now_ms - created))
        expires = min(expires, now_ms - 60_000)
        end = expires
    elif rng.random() < 0.03:
        expires = None
    else:
        expires = now_ms + rng.randrange(3_600_000, max(3_600_001, created + YEAR_MS - now_ms))
    if fate == "revoked":
        revoked_at = created + rng.randrange(1, max(2, now_ms - created))
        revoked_by = owner.id if rng.random() < 0.7 or not admins else rng.choice(admins).id
        end = revoked_at
    elif fate == "disabled":
        disabled_at = created + rng.randrange(1, max(2, now_ms - created))
        disabled_by = owner.id if rng.random() < 0.6 or not admins else rng.choice(admins).id
        end = disabled_at
    if rng.random() < 0.2:
        last_used = None
        last_tool = None
    else:
        last_used = created + rng.randrange(0, max(1, end - created))
        last_tool = rng.choice(TOOLS)
    scope = "read" if rng.random() < 0.6 else "read_write"
    allowed: list[str] = []
    blocked: list[str] = []
    shape = rng.random()
    if shape < 0.3:
        allowed = sorted(rng.sample(READ_TOOLS if scope == "read" else TOOLS, rng.randint(1, 4)))
    elif shape < 0.45:
        blocked = sorted(rng.sample(DANGEROUS_TOOLS, rng.randint(1, 2)))
    if name is None:
        name = f"{rng.choice(SYSTEMS)}-{rng.choice(PURPOSES)}-{rng.randrange(1000):03d}"
    search = search_text(name, owner.name, owner.email)
    return (
        f"key_{_ulid(rng, created)}", name, name.lower(), rng.choice(DESCRIPTIONS), owner.id,
        owner.active, owner.email, owner.name, search, owner.id, created, expires, scope,
        json.dumps(allowed), json.dumps(blocked), rng.choice(RATE_LIMITS), _digest(rng),
        _hint(rng, env), env, last_used, last_tool, revoked_at, revoked_by, disabled_at,
        disabled_by, 1 + (revoked_at is not None) + (disabled_at is not None),
    )


def _audit_rows(
    key: tuple[Any, ...], owner: _User, users_by_id: dict[str, _User]
) -> Iterator[tuple[Any, ...]]:
    """The audit entries a key's life would have left: created, then revoked/disabled."""
    k = dict(zip(KEY_COLUMNS, key, strict=True))
    sources = ("tui", "cli", "api")
    source = sources[int(k["created_at"]) % 3]
    yield (k["created_at"], owner.id, owner.name, owner.email, "key.created", k["id"],
           k["name"], owner.id, source,
           json.dumps({"scope": k["scope"], "expires_at": _rfc3339(k["expires_at"])}))
    for action, at, by in (("key.revoked", k["revoked_at"], k["revoked_by_id"]),
                           ("key.disabled", k["disabled_at"], k["disabled_by_id"])):
        if at is not None:
            actor = users_by_id.get(by, owner)
            yield (at, actor.id, actor.name, actor.email, action, k["id"], k["name"],
                   owner.id, sources[int(at) % 3], "{}")


# -- writing -------------------------------------------------------------------------


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


def _taken(engine: Engine) -> tuple[set[str], set[str], int]:
    """Team names and emails already used, and the user count: seeding twice into one
    database adds to it instead of failing on a unique name."""
    with engine.connect() as conn:
        teams = set(conn.execute(sa.select(db.teams.c.name)).scalars())
        emails = set(conn.execute(
            sa.select(db.users.c.email).where(db.users.c.email.like("%demo.example"))
        ).scalars())
        count = conn.execute(sa.select(sa.func.count()).select_from(db.users)).scalar() or 0
    return teams, emails, int(count)


def _rng(seed: int, taken: tuple[set[str], set[str], int]) -> random.Random:
    """Deterministic for a seed on an empty database; a different stream when seeding
    into one that already has users, so generated ids never collide with earlier ones."""
    return random.Random(seed if not taken[2] else f"{seed}:{taken[2]}")


def seed_bulk(
    engine: Engine, *, keys: int, users: int = 1000, seed: int = 1, now: datetime | None = None,
    audit: bool = True, progress: Callable[[str], None] | None = None,
    rebuild_indexes: bool | None = None,
) -> dict[str, int]:
    """Add `users` users (in teams) and `keys` keys spread over them, with usage over the
    last year, every status, and the audit entries their lives would have left. Fast:
    1,000,000 keys in a few minutes. `rebuild_indexes` (default: for 100,000 keys or more)
    drops the keys table's secondary indexes and triggers for the load and rebuilds them
    after. Returns counts per table."""
    say = progress or (lambda _message: None)
    taken = _taken(engine)
    rng = _rng(seed, taken)
    now_ms = _now_ms(now)
    org = _make_org(rng, now_ms, max(1, users), domain=f"bulk{seed}.example.com", taken=taken)
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
        counts["teams"] = writer.write("teams", TEAM_COLUMNS, org.teams)
        counts["users"] = writer.write("users", USER_COLUMNS, org.user_rows(now_ms, rng))
        counts["team memberships"] = writer.write("team_members", MEMBER_COLUMNS, org.members)
        audit_rows: list[tuple[Any, ...]] = []

        def key_rows() -> Iterator[tuple[Any, ...]]:
            for n in range(keys):
                owner = owners[rng.randrange(len(owners))]
                row = _key_row(rng, now_ms, owner, org.admins)
                if audit:
                    audit_rows.extend(_audit_rows(row, owner, users_by_id))
                if n and n % 200_000 == 0:
                    say(f"{n:,} keys written ({time.perf_counter() - started:.0f} s)")
                yield row

        counts["keys"] = writer.write("keys", KEY_COLUMNS, key_rows())
        say(f"{keys:,} keys written ({time.perf_counter() - started:.0f} s)")
        audit_rows.sort(key=lambda row: row[0])  # audit seq follows time
        counts["audit entries"] = writer.write("audit", AUDIT_COLUMNS, audit_rows)
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


# -- the demo organisation -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DemoOrg:
    admin_id: str  # the demo logs in as this user
    admin_email: str
    user_ids: tuple[str, ...]
    team_ids: tuple[str, ...]
    key_count: int


DEMO_PEOPLE: tuple[tuple[str, str, str, bool], ...] = (
    ("Ada Admin", "ada@demo.example", "admin", True),
    ("Maya Manager", "maya@demo.example", "manager", True),
    ("Leo Manager", "leo@demo.example", "manager", True),
    ("Sara Member", "sara@demo.example", "member", True),
    ("Kenji Member", "kenji@demo.example", "member", True),
    ("Priya Member", "priya@demo.example", "member", True),
    ("Olga Departed", "olga@demo.example", "member", False),  # owner-deactivated keys
    ("Gateway", "gateway@svc.demo.example", "service", True),
)


def seed_demo(
    engine: Engine, *, keys: int = 300, users: int = 24, seed: int = 7,
    now: datetime | None = None, settings: Any = None,
) -> DemoOrg:
    """A demo organisation: teams, users of every role (one deactivated), `keys` keys in
    every status (revoked, expired, disabled, owner-deactivated, active — some expiring
    soon, some never used, some stale), tool lists, rate limits, usage over the past year
    and audit entries. Deterministic for a given seed and `now`. The caller mints a login
    token for `admin_id`. `now` defaults to `settings.clock()` when settings are given."""
    if now is None and settings is not None:
        now = settings.clock()
    taken = _taken(engine)
    rng = _rng(seed, taken)
    now_ms = _now_ms(now)
    org = _make_org(rng, now_ms, max(users, len(DEMO_PEOPLE)), teams=4, named=DEMO_PEOPLE,
                    domain="demo.example", taken=taken)
    by_id = {u.id: u for u in org.users}
    owners = [u for u in org.users if u.role != "service"]
    rows: list[tuple[Any, ...]] = []
    # Guarantee every status and the interesting cases for the demo admin first.
    admin = org.users[0]
    departed = next(u for u in org.users if not u.active)
    for fate, name in (("active", "claude-code-laptop"), ("active", "ci-deploy-readonly"),
                       ("expired", "old-notebook"), ("revoked", "leaked-in-chat"),
                       ("disabled", "paused-cron")):
        rows.append(_key_row(rng, now_ms, admin, org.admins, fate=fate, name=name))
    rows.append(_key_row(rng, now_ms, departed, org.admins, fate="active", name="olga-etl-prod"))
    while len(rows) < keys:
        owner = owners[rng.randrange(len(owners))]
        rows.append(_key_row(rng, now_ms, owner, org.admins))
    rows = rows[:keys]
    audit_rows = sorted(
        (a for row in rows for a in _audit_rows(row, by_id[row[4]], by_id)), key=lambda a: a[0]
    )
    with engine.begin() as conn:
        conn.execute(db.teams.insert(),
                     [dict(zip(TEAM_COLUMNS, r, strict=True)) for r in org.teams])
        conn.execute(db.users.insert(),
                     [dict(zip(USER_COLUMNS, r, strict=True)) for r in org.user_rows(now_ms, rng)])
        conn.execute(db.team_members.insert(),
                     [dict(zip(MEMBER_COLUMNS, r, strict=True)) for r in org.members])
        if rows:
            conn.execute(db.keys.insert(), [_key_dict(r) for r in rows])
        if audit_rows:
            conn.execute(db.audit.insert(), [_audit_dict(a) for a in audit_rows])
    return DemoOrg(
        admin_id=admin.id, admin_email=admin.email,
        user_ids=tuple(u.id for u in org.users), team_ids=tuple(t[0] for t in org.teams),
        key_count=len(rows),
    )


def _key_dict(row: tuple[Any, ...]) -> dict[str, Any]:
    values = dict(zip(KEY_COLUMNS, row, strict=True))
    values["allowed_tools"] = json.loads(values["allowed_tools"])
    values["blocked_tools"] = json.loads(values["blocked_tools"])
    return values


def _audit_dict(row: tuple[Any, ...]) -> dict[str, Any]:
    values = dict(zip(AUDIT_COLUMNS, row, strict=True))
    values["details"] = json.loads(values["details"])
    return values
