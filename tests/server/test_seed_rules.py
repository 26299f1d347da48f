"""Seeded data obeys the rules it demonstrates: every key that was used was used with a
call the domain's verify judgement lets through at that moment (its tool lists, its
status then, its owner then)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa

from tui_app.domain.verify import judge
from tui_app.server.store import db, migrations
from tui_app.server.store.seed import seed_bulk, seed_demo

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _as_it_was(key: Any, owner: Any) -> SimpleNamespace:
    """The key as verify read it at its last use: later changes had not happened yet."""
    used = key.last_used_at

    def then(at: datetime | None) -> datetime | None:
        return at if at is not None and at <= used else None

    deactivated = then(owner.deactivated_at)
    return SimpleNamespace(
        revoked_at=then(key.revoked_at), expires_at=key.expires_at,
        disabled_at=then(key.disabled_at),
        owner_active=owner.active or (owner.deactivated_at is not None and deactivated is None),
        owner_role=owner.role, scope=key.scope, allowed_tools=key.allowed_tools,
        blocked_tools=key.blocked_tools)


@pytest.mark.parametrize("seeding", ["demo", "bulk"])
def test_every_seeded_use_was_a_call_verify_allows(seeding: str, tmp_path: Path) -> None:
    engine = db.create_engine(f"sqlite:///{tmp_path / 'seed.db'}")
    migrations.migrate(engine)
    if seeding == "demo":
        seed_demo(engine, keys=600, now=NOW)
    else:
        seed_bulk(engine, keys=2000, users=150, now=NOW)
    with engine.connect() as conn:
        owners = {u.id: u for u in conn.execute(sa.select(db.users))}
        keys = list(conn.execute(sa.select(db.keys).where(db.keys.c.last_used_at.is_not(None))))
    engine.dispose()
    assert len(keys) > 100
    refused = []
    for key in keys:
        outcome = judge(_as_it_was(key, owners[key.owner_id]), key.last_used_at,
                        tool=key.last_used_tool, access="read")
        if outcome != "VALID":
            refused.append((key.name, key.last_used_tool, outcome))
    assert refused == [], f"{len(refused)} of {len(keys)} keys were used against the rules"
