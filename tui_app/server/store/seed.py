"""Realistic data: a small demo organisation, and bulk data for benchmarks.

`seed_demo` builds a deterministic demo organisation (teams, users of every role, keys in
every status including owner-deactivated, tool lists, rate limits, a year of usage and
audit entries); `agentkeys demo` and `start_embedded(demo=True)` use it. `seed_bulk`
(store/bulk_load.py) fills a database fast for benchmarks. Both write the rows of
store/seed_rows.py.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine

from tui_app.server.store import agent_tables, db
from tui_app.server.store.bulk_load import seed_bulk
from tui_app.server.store.seed_activity import ActivitySeeder, activity_dicts
from tui_app.server.store.seed_rows import (
    AUDIT_COLUMNS,
    KEY_COLUMNS,
    MEMBER_COLUMNS,
    TEAM_COLUMNS,
    TOOLS,
    USER_COLUMNS,
    audit_entries,
    key_row,
    make_org,
    now_ms_of,
    seeded_rng,
    taken_names,
)

__all__ = ["DemoOrg", "seed_bulk", "seed_demo"]


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
    soon, some never used, some stale), tool lists, rate limits, usage over the past year,
    audit entries and the agents' calls of the last 30 days (activity). Deterministic for
    a given seed and `now`. The caller mints a login token for `admin_id`. `now` defaults
    to `settings.clock()` when settings are given."""
    if now is None and settings is not None:
        now = settings.clock()
    taken = taken_names(engine)
    rng = seeded_rng(seed, taken)
    now_ms = now_ms_of(now)
    org = make_org(rng, now_ms, max(users, len(DEMO_PEOPLE)), teams=4, named=DEMO_PEOPLE,
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
        rows.append(key_row(rng, now_ms, admin, org.admins, fate=fate, name=name))
    rows.append(key_row(rng, now_ms, departed, org.admins, fate="active", name="olga-etl-prod"))
    rows[0] = _in_use(rows[0], now_ms, minutes_ago=130)
    while len(rows) < keys:
        owner = owners[rng.randrange(len(owners))]
        rows.append(key_row(rng, now_ms, owner, org.admins))
    rows = rows[:keys]
    # Some of the organisation's agents are at work right now: their keys were used in
    # the last hours, so the demo's activity has accepted calls to show, not only the
    # refusals of keys that stopped working.
    for index, row in enumerate(rows[1:], start=1):
        if index % 4 == 0 and _usable_now(row, by_id, now_ms):
            rows[index] = _in_use(row, now_ms, minutes_ago=7 * index % 600 + 3)
    audit_rows = sorted(
        (a for row in rows for a in audit_entries(row, by_id[row[4]], by_id)), key=lambda a: a[0]
    )
    user_rows = org.user_rows(now_ms, rng)
    # Its own generator: the keys and people stay exactly as the seed made them before.
    seeder = ActivitySeeder(random.Random(f"activity:{seed}:{taken[2]}"), now_ms,
                            {r[0]: r for r in user_rows})
    for row in rows:
        seeder.add(row)
    activity_rows = activity_dicts(seeder.rows())
    with engine.begin() as conn:
        conn.execute(db.teams.insert(),
                     [dict(zip(TEAM_COLUMNS, r, strict=True)) for r in org.teams])
        conn.execute(db.users.insert(),
                     [dict(zip(USER_COLUMNS, r, strict=True)) for r in user_rows])
        conn.execute(db.team_members.insert(),
                     [dict(zip(MEMBER_COLUMNS, r, strict=True)) for r in org.members])
        if rows:
            conn.execute(db.keys.insert(), [_key_dict(r) for r in rows])
        if audit_rows:
            conn.execute(db.audit.insert(), [_audit_dict(a) for a in audit_rows])
        if activity_rows:
            conn.execute(agent_tables.activity.insert(), activity_rows)
    return DemoOrg(
        admin_id=admin.id, admin_email=admin.email,
        user_ids=tuple(u.id for u in org.users), team_ids=tuple(t[0] for t in org.teams),
        key_count=len(rows),
    )


def _usable_now(row: tuple[Any, ...], by_id: dict[str, Any], now_ms: int) -> bool:
    values = dict(zip(KEY_COLUMNS, row, strict=True))
    return (values["revoked_at"] is None and values["disabled_at"] is None
            and (values["expires_at"] is None or values["expires_at"] > now_ms)
            and by_id[values["owner_id"]].active)


def _in_use(row: tuple[Any, ...], now_ms: int, *, minutes_ago: int) -> tuple[Any, ...]:
    """A key an agent used `minutes_ago`: set without a draw, so every other seeded
    value stays as the seed made it."""
    values = dict(zip(KEY_COLUMNS, row, strict=True))
    allowed = json.loads(values["allowed_tools"])
    blocked = json.loads(values["blocked_tools"])
    tool = values["last_used_tool"] or next(
        t for t in (allowed or TOOLS) if t not in blocked)
    values["last_used_at"] = max(values["created_at"], now_ms - minutes_ago * 60_000)
    values["last_used_tool"] = tool
    return tuple(values[c] for c in KEY_COLUMNS)


def _key_dict(row: tuple[Any, ...]) -> dict[str, Any]:
    values = dict(zip(KEY_COLUMNS, row, strict=True))
    values["allowed_tools"] = json.loads(values["allowed_tools"])
    values["blocked_tools"] = json.loads(values["blocked_tools"])
    return values


def _audit_dict(row: tuple[Any, ...]) -> dict[str, Any]:
    values = dict(zip(AUDIT_COLUMNS, row, strict=True))
    values["details"] = json.loads(values["details"])
    return values
