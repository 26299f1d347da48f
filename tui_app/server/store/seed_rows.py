"""The rows of seeded data, generated deterministically: people in teams with a
realistic mix of roles, keys in every status with a year of usage, and the audit
entries their lives would have left. Plain tuples in the tables' column order, so a
bulk load (store/bulk_load.py) and the demo organisation (store/seed.py) write them
their own way. Seeded keys have no secret: their digest is random bytes, so no token
exists that could match them.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tui_app.domain.clock import to_rfc3339
from tui_app.domain.ids import ulid
from tui_app.domain.keyformat import BASE62
from tui_app.domain.verify import tool_allowed
from tui_app.server.store import db
from tui_app.server.store.users import search_text

DAY_MS = 86_400_000
YEAR_MS = 365 * DAY_MS
# Deactivated people left within this many days; their keys were last used before.
DEACTIVATED_WITHIN_DAYS = 60

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


def seeded_ulid(rng: random.Random, ms: int) -> str:
    return ulid(ms, rng.getrandbits(80))


def _digest(rng: random.Random) -> str:
    # Random bytes in the place of HMAC(pepper, token): no token can ever match. From the
    # OS, not the seeded generator, so two seedings of one database never collide.
    return os.urandom(32).hex()


def _hint(rng: random.Random, env: str = "live") -> str:
    return f"ak_{env}_…" + "".join(rng.choice(BASE62) for _ in range(4))


def _rfc3339(ms: int | None) -> str | None:
    return None if ms is None else to_rfc3339(db.from_millis(ms))


def now_ms_of(now: datetime | None) -> int:
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
class Person:
    id: str
    email: str
    name: str
    role: str
    active: bool


@dataclass
class Org:
    teams: list[tuple[str, str, int]]
    users: list[Person]
    members: list[tuple[str, str]]
    admins: list[Person]

    def user_rows(self, now_ms: int, rng: random.Random) -> list[tuple[Any, ...]]:
        rows = []
        for user in self.users:
            created = now_ms - YEAR_MS - rng.randrange(30 * DAY_MS)
            deactivated = (None if user.active
                           else now_ms - rng.randrange(1, DEACTIVATED_WITHIN_DAYS) * DAY_MS)
            rows.append((user.id, user.email, user.name, user.role, user.active, created,
                         deactivated))
        return rows


def make_org(
    rng: random.Random, now_ms: int, users: int, *, teams: int | None = None,
    named: Sequence[tuple[str, str, str, bool]] = (), domain: str = "example.com",
    taken: tuple[set[str], set[str], int] = (set(), set(), 0),
) -> Org:
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
        team_rows.append((f"team_{seeded_ulid(rng, now_ms - YEAR_MS - DAY_MS)}", name,
                          now_ms - YEAR_MS - DAY_MS))
    people: list[Person] = []
    created_base = now_ms - YEAR_MS
    for name, email, role, active in named:
        if email in taken_emails:
            email = email.replace("@", f"+{offset}@")
        people.append(Person(f"usr_{seeded_ulid(rng, created_base)}", email, name, role, active))
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
        user_id = f"usr_{seeded_ulid(rng, created_base + index)}"
        people.append(Person(user_id, email, name, role, active))
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
    return Org(team_rows, people, members, [p for p in people if p.role == "admin"])


def key_row(
    rng: random.Random, now_ms: int, owner: Person, admins: Sequence[Person], *,
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
    if last_tool is not None:
        last_tool = _permitted(last_tool, allowed, blocked)
    if not owner.active and last_used is not None:
        last_used, last_tool = _before_leaving(last_used, last_tool, created, end, now_ms)
    if name is None:
        name = f"{rng.choice(SYSTEMS)}-{rng.choice(PURPOSES)}-{rng.randrange(1000):03d}"
    search = search_text(name, owner.name, owner.email)
    return (
        f"key_{seeded_ulid(rng, created)}", name, name.lower(), rng.choice(DESCRIPTIONS), owner.id,
        owner.active, owner.email, owner.name, search, owner.id, created, expires, scope,
        json.dumps(allowed), json.dumps(blocked), rng.choice(RATE_LIMITS), _digest(rng),
        _hint(rng, env), env, last_used, last_tool, revoked_at, revoked_by, disabled_at,
        disabled_by, 1 + (revoked_at is not None) + (disabled_at is not None),
    )


def _permitted(tool: str, allowed: list[str], blocked: list[str]) -> str:
    """The tool a key was last used with must be one its lists let through (a refused
    call is no use): `tool` if it is, else one that is, picked from it without another
    draw, so every other seeded value stays as the seed made it."""
    if tool_allowed(tool, allowed, blocked):
        return tool
    choices = allowed or [t for t in TOOLS if t not in blocked]
    return choices[TOOLS.index(tool) % len(choices)]


def _before_leaving(last_used: int, tool: str | None, created: int, end: int, now_ms: int
                    ) -> tuple[int | None, str | None]:
    """A deactivated owner's keys stopped when they left: the last use moved back, in
    proportion, to before the earliest day they can have left (never used if the key is
    younger than that). No draw, as above."""
    left = now_ms - DEACTIVATED_WITHIN_DAYS * DAY_MS
    if last_used <= left:
        return last_used, tool
    if created >= left:
        return None, None
    return created + (last_used - created) * (left - created) // max(1, end - created), tool


def audit_entries(
    key: tuple[Any, ...], owner: Person, users_by_id: dict[str, Person]
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


def taken_names(engine: Engine) -> tuple[set[str], set[str], int]:
    """Team names and emails already used, and the user count: seeding twice into one
    database adds to it instead of failing on a unique name."""
    with engine.connect() as conn:
        teams = set(conn.execute(sa.select(db.teams.c.name)).scalars())
        emails = set(conn.execute(
            sa.select(db.users.c.email).where(db.users.c.email.like("%demo.example"))
        ).scalars())
        count = conn.execute(sa.select(sa.func.count()).select_from(db.users)).scalar() or 0
    return teams, emails, int(count)


def seeded_rng(seed: int, taken: tuple[set[str], set[str], int]) -> random.Random:
    """Deterministic for a seed on an empty database; a different stream when seeding
    into one that already has users, so generated ids never collide with earlier ones."""
    return random.Random(seed if not taken[2] else f"{seed}:{taken[2]}")
