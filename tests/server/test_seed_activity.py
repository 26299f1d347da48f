"""Seeded activity obeys the rules it demonstrates: every entry's result is what verify
would have said of the key at that moment, accepted calls end at the key's recorded
last use (which is one of them), and entries are numbered in time order."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa

from tui_app.domain.verify import judge
from tui_app.server.store import agent_tables, db, migrations
from tui_app.server.store.seed import seed_bulk, seed_demo

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _key_then(key: Any, owner: Any, at: datetime) -> SimpleNamespace:
    """The key as verify read it at `at`: later changes had not happened yet."""

    def then(when: datetime | None) -> datetime | None:
        return when if when is not None and when <= at else None

    left = then(owner.deactivated_at)
    return SimpleNamespace(
        revoked_at=then(key.revoked_at), expires_at=key.expires_at,
        disabled_at=then(key.disabled_at),
        owner_active=owner.active or (owner.deactivated_at is not None and left is None),
        owner_role=owner.role, scope=key.scope, allowed_tools=key.allowed_tools,
        blocked_tools=key.blocked_tools)


def _load(engine: Any) -> tuple[dict[str, Any], dict[str, Any], list[Any]]:
    with engine.connect() as conn:
        owners = {u.id: u for u in conn.execute(sa.select(db.users))}
        keys = {k.id: k for k in conn.execute(sa.select(db.keys))}
        table = agent_tables.activity
        entries = list(conn.execute(sa.select(table).order_by(table.c.seq)))
    return owners, keys, entries


@pytest.mark.parametrize("seeding", ["demo", "bulk"])
def test_every_seeded_call_has_the_result_verify_gives(seeding: str, tmp_path: Path) -> None:
    engine = db.create_engine(f"sqlite:///{tmp_path / 'seed.db'}")
    migrations.migrate(engine)
    if seeding == "demo":
        seed_demo(engine, keys=400, now=NOW)
    else:
        counts = seed_bulk(engine, keys=2000, users=150, now=NOW, activity=20_000)
        assert 19_000 <= counts["activity entries"] <= 20_000
    owners, keys, entries = _load(engine)
    engine.dispose()
    assert len(entries) > 1000
    assert [e.at for e in entries] == sorted(e.at for e in entries), "seq follows time"
    assert all(NOW - timedelta(days=30) <= e.at <= NOW for e in entries)
    wrong, late, codes = [], [], set()
    valid_at: dict[str, list[datetime]] = defaultdict(list)
    for entry in entries:
        key = keys[entry.key_id]
        assert entry.owner_id == key.owner_id and entry.at >= key.created_at
        outcome = judge(_key_then(key, owners[key.owner_id], entry.at), entry.at,
                        tool=entry.tool, access="read")
        codes.add(entry.code)
        if entry.code == "RATE_LIMITED":
            ok = outcome == "VALID" and key.rate_limit_rpm is not None
        else:
            ok = outcome == entry.code
        if not ok:
            wrong.append((key.name, entry.at, entry.tool, entry.code, outcome))
        if entry.code == "VALID":
            valid_at[key.id].append(entry.at)
            if key.last_used_at is None or entry.at > key.last_used_at:
                late.append((key.name, entry.at, key.last_used_at))
    assert wrong == [], f"{len(wrong)} entries disagree with verify: {wrong[:5]}"
    assert late == [], f"accepted calls after the key's last use: {late[:5]}"
    for key_id, times in valid_at.items():
        key = keys[key_id]
        assert max(times) == key.last_used_at, key.name  # the last use is an entry
        assert any(e.key_id == key_id and e.at == key.last_used_at
                   and e.tool == key.last_used_tool for e in entries)
    assert {"VALID", "TOOL_FORBIDDEN"} <= codes and len(codes & {
        "TOKEN_REVOKED", "TOKEN_EXPIRED", "TOKEN_INACTIVE"}) >= 2
    assert {e.channel for e in entries} == {"verify", "mcp", "whoami"}


def test_seed_command_loads_activity_in_bulk(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'b.db'}"
    env = {**os.environ, "AGENTKEYS_HOME": str(tmp_path / "home")}
    env.pop("AGENTKEYS_DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", "from tui_app.cli import main; main()", "server", "seed",
         "--keys", "500", "--activity", "5000", "--database", url],
        env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "activity entries" in result.stderr
    engine = db.create_engine(url)
    with engine.connect() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(agent_tables.activity)).scalar()
    engine.dispose()
    assert count is not None and 4_500 <= count <= 5_000
