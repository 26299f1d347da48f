"""Shared set-up for the Admin screen's tests and snapshots (no tests in here).

The backend is real: the FastAPI app from `create_app` over a temporary SQLite file,
seeded by `seed_bulk` (deterministic for a seed and a fixed `now`), reached through
httpx's ASGI transport — the same routes, storage and JSON as over a socket, without a
port. The host app gives the screen what the shell (AgentKeysApp) gives it: a session
with `api`, `me`, `clock()`, `server_url` (and no connection status to show).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from tui_app.client.api import ApiClient
from tui_app.domain.clock import fixed_clock
from tui_app.domain.models import AgentKey, Me
from tui_app.server.api.app import create_app
from tui_app.server.settings import Settings
from tui_app.server.store import db
from tui_app.server.store import users as users_store
from tui_app.server.store.seed import seed_bulk
from tui_app.ui.session import Session, SessionApp

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
CLOCK = fixed_clock(NOW)
CSS = Path(__file__).parents[2] / "tui_app" / "ui" / "app.tcss"


@dataclass
class Backend:
    app: Any  # FastAPI
    tokens: dict[str, str]  # role → login token
    user_ids: dict[str, str]

    def client(self, role: str = "admin") -> ApiClient:
        return ApiClient("http://agentkeys.test", self.tokens[role], source="tui",
                         transport=httpx.ASGITransport(app=self.app))


def make_backend(tmp_path: Path, *, keys: int = 3000, users: int = 120, seed: int = 4) -> Backend:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'agentkeys.db'}",
                        pepper=b"p" * 32, clock=fixed_clock(NOW))
    app = create_app(settings)
    engine = app.state.engine
    seed_bulk(engine, keys=keys, users=users, seed=seed, now=NOW, audit=False)
    tokens: dict[str, str] = {}
    user_ids: dict[str, str] = {}
    with engine.begin() as conn:
        for role in ("admin", "manager", "member"):
            # The manager with the most team keys makes the manager test meaningful.
            user_id = conn.execute(
                sa.select(db.users.c.id)
                .where(db.users.c.role == role, db.users.c.active.is_(True))
                .order_by(db.users.c.id)
            ).scalars().first()
            assert user_id, role
            user_ids[role] = user_id
            tokens[role] = users_store.issue_login_token(conn, settings.pepper_bytes, user_id, NOW)
    return Backend(app, tokens, user_ids)


class AdminHost(SessionApp):
    """What AgentKeysApp gives a screen, and nothing else."""

    CSS_PATH = str(CSS)

    def __init__(self, api: ApiClient, me: Me, *, clock: Any = CLOCK) -> None:
        super().__init__()
        self.session = Session(self, api=api, me=me, clock=clock)
        self.api = api
        self.me = me
        self.clock = clock
        self.server_url = api.base_url

    def on_mount(self) -> None:
        from tui_app.ui.admin.screen import AdminScreen

        self.push_screen(AdminScreen())


async def make_host(backend: Backend, role: str = "admin") -> AdminHost:
    api = backend.client(role)
    me = await api.me()
    return AdminHost(api, me)


async def all_ids(api: ApiClient, **params: Any) -> list[str]:
    """Every id the API returns for a query, in order (the reference the UI must match)."""
    ids: list[str] = []
    cursor = None
    while True:
        page = await api.admin_list_keys(**params, limit=500, cursor=cursor)
        ids.extend(k.id for k in page.items)
        cursor = page.next_cursor
        if not cursor:
            return ids


async def first_page(api: ApiClient, n: int, **params: Any) -> list[AgentKey]:
    page = await api.admin_list_keys(**params, limit=n)
    return list(page.items)
