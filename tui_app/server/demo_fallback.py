"""A small demo organisation for `agentkeys demo`, used until seed.py's seed_demo exists.

Teams, users of every role, keys in every status with some usage history. The secrets
are generated and thrown away: only digests are stored, as for real keys.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import sqlalchemy as sa

from tui_app.domain.ids import new_id
from tui_app.domain.keyformat import TokenKind
from tui_app.domain.roles import Role
from tui_app.server import db, security, users_store
from tui_app.server.settings import Settings

PEOPLE = [
    ("ada@example.com", "Ada Admin", Role.ADMIN, ["platform"]),
    ("max@example.com", "Max Manager", Role.MANAGER, ["platform"]),
    ("mia@example.com", "Mia Member", Role.MEMBER, ["platform"]),
    ("dan@example.com", "Dan Data", Role.MEMBER, ["data"]),
    ("gina@example.com", "Gina Gateway", Role.SERVICE, []),
]
NAMES = ["ci-deploy", "claude-code", "cursor", "nightly-report", "mcp-gateway", "backup-bot",
         "codex", "staging-agent", "support-triage", "data-sync"]
TOOLS = ["search", "read_file", "write_file", "deploy", "sql.query"]


def seed_small_demo(engine: sa.Engine, settings: Settings, *, keys: int = 300) -> str:
    rng = random.Random(7)
    now = settings.clock()
    with engine.begin() as conn:
        ids = [
            users_store.create_user(conn, email=e, name=n, role=r, teams=t, now=now)
            for e, n, r, t in PEOPLE
        ]
        owners = [(uid, p) for uid, p in zip(ids, PEOPLE, strict=True)
                  if p[2] is not Role.SERVICE]
        rows = []
        for i in range(keys):
            owner_id, (email, name, _role, _teams) = owners[i % len(owners)]
            key_name = f"{NAMES[i % len(NAMES)]}-{i}"
            created = now - timedelta(days=rng.randint(1, 365), minutes=rng.randint(0, 1440))
            state = i % 6
            expires: datetime | None = created + timedelta(days=rng.choice([30, 90, 365]))
            if state == 1:  # expired
                expires = now - timedelta(days=rng.randint(1, 60))
            elif expires is not None and expires <= now:
                expires = now + timedelta(days=rng.randint(1, 120))
            if i % 17 == 0:
                expires = None
            used = None if rng.random() < 0.25 else now - timedelta(
                minutes=rng.randint(1, 60 * 24 * 200))
            if used is not None and used < created:
                used = created + timedelta(hours=1)
            _secret, digest, hint = security.new_token(
                settings.pepper_bytes, TokenKind.AGENT, settings.key_env)
            rows.append({
                "id": new_id("key"), "name": key_name, "name_lower": key_name.lower(),
                "description": "Demo key", "owner_id": owner_id, "owner_active": True,
                "owner_email": email, "owner_name": name,
                "search_text": users_store.search_text(key_name, name, email),
                "created_by_id": owner_id, "created_at": created, "expires_at": expires,
                "scope": "read_write" if i % 3 == 0 else "read",
                "allowed_tools": rng.sample(TOOLS, 2) if i % 4 == 0 else [],
                "blocked_tools": ["deploy"] if i % 5 == 0 else [],
                "rate_limit_rpm": 600 if i % 7 == 0 else None,
                "digest": digest, "hint": hint, "env": settings.key_env,
                "last_used_at": used, "last_used_tool": rng.choice(TOOLS) if used else None,
                "revoked_at": now - timedelta(days=2) if state == 2 else None,
                "revoked_by_id": ids[0] if state == 2 else None,
                "disabled_at": now - timedelta(days=1) if state == 3 else None,
                "disabled_by_id": owner_id if state == 3 else None,
                "version": 1,
            })
        if rows:
            conn.execute(db.keys.insert(), rows)
    return ids[0]
