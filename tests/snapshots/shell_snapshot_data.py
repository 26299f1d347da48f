"""Deterministic data for the shell's snapshots and screenshots (no tests in here).

The real FastAPI app over a temporary SQLite file, seeded by `seed_demo` (deterministic
for a seed and a fixed `now`), reached through httpx's ASGI transport: the same routes
and JSON as over a socket, and no random port in the status bar.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from tui_app.domain.clock import fixed_clock
from tui_app.server.api.app import create_app
from tui_app.server.settings import Settings
from tui_app.server.store import db
from tui_app.server.store import users as users_store
from tui_app.server.store.seed import seed_demo
from tui_app.ui.app import AgentKeysApp

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
URL = "http://agentkeys.test"


def demo_app(tmp_path: Path, *, keys: int = 120, hostile: bool = False) -> AgentKeysApp:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'agentkeys.db'}",
                        pepper=b"s" * 32, clock=fixed_clock(NOW))
    server = create_app(settings)
    engine = server.state.engine
    org = seed_demo(engine, keys=keys, now=NOW)
    with engine.begin() as conn:
        token = users_store.issue_login_token(conn, settings.pepper_bytes, org.admin_id, NOW)
        if hostile:
            _make_hostile(conn, org.admin_id)
    app = AgentKeysApp(server_url=URL, token=token, clock=fixed_clock(NOW),
                       transport=httpx.ASGITransport(app=server), credential="demo login")
    return app


HOSTILE_NAMES = (
    "[@click=app.quit]x[/]", "[/bad]", "\x1b]52;c;ZXZpbA==\x07", "\u202eevil",
    "[link='https://evil.example']click[/link]",
)


def _make_hostile(conn: sa.Connection, admin_id: str) -> None:
    ids = conn.execute(sa.select(db.keys.c.id).where(db.keys.c.owner_id == admin_id)
                       .order_by(db.keys.c.id)).scalars().all()
    for key_id, name in zip(ids, HOSTILE_NAMES, strict=False):
        conn.execute(sa.update(db.keys).where(db.keys.c.id == key_id).values(
            name=name, name_lower=name.lower(), description=f"{name} \x1b[2J [b]desc[/b]"))


async def settle(pilot: Pilot[Any]) -> None:
    """Every network worker done (modal-waiting ones aside), then one more refresh."""
    app = pilot.app
    for _ in range(10):
        await pilot.pause()
        busy = [w for w in app.workers if w.is_running and w.group != "key-action"]
        if not busy:
            break
        try:
            await asyncio.wait_for(app.workers.wait_for_complete(busy), timeout=15)
        except WorkerCancelled:
            continue
    await pilot.pause()


async def loaded(pilot: Pilot[Any]) -> None:
    """The app connected, My keys loaded, the details' events in."""
    for _ in range(200):
        screen = pilot.app.screen
        if getattr(screen, "loaded", False):
            break
        await pilot.pause(0.05)
    await settle(pilot)
    await pilot.pause(0.3)  # the details' events wait a moment before loading
    await settle(pilot)
