"""Shared set-up for the People screen's tests and snapshots (no tests in here).

The backend is the Admin tests' (test_admin_support.make_backend: the real app over a
seeded SQLite file, reached through httpx's ASGI transport); the host gives the screen
what the shell gives it, and shows the People screen.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from test_admin_support import CLOCK, CSS, Backend, make_backend

from tui_app.client.api import ApiClient
from tui_app.domain.models import Me
from tui_app.ui.people.screen import PeopleScreen
from tui_app.ui.session import Session, SessionApp

INTERACTIVE = {"people-change"}


class PeopleHost(SessionApp):
    CSS_PATH = str(CSS)

    def __init__(self, api: ApiClient, me: Me, *, clipboard: Any = None) -> None:
        super().__init__()
        self.session = Session(self, api=api, me=me, clock=CLOCK)
        self.api = api

    def on_mount(self) -> None:
        self.push_screen(PeopleScreen())


def people_backend(tmp_path: Path) -> Backend:
    return make_backend(tmp_path, keys=400, users=60, seed=7)


async def make_host(backend: Backend, role: str = "admin") -> PeopleHost:
    async with backend.client(role) as api:
        me = await api.me()
    app = PeopleHost(backend.client(role), me)
    app.title = "agentkeys"
    return app


def host(backend: Backend, role: str = "admin") -> PeopleHost:
    """For snapshots, which run outside an event loop."""
    return asyncio.run(make_host(backend, role))


def people_screen(app: Any) -> PeopleScreen:
    return next(s for s in app.screen_stack if isinstance(s, PeopleScreen))


async def settle(pilot: Any) -> None:
    """Until loads finished and the screen repainted (a worker waiting on a modal is
    left waiting: that is the state a test looks at)."""
    app = pilot.app
    quiet = 0
    for _ in range(1000):
        await pilot.pause(0.01)
        busy = [w for w in app.workers if not w.is_finished]
        on_modal = bool(busy) and not isinstance(app.screen, PeopleScreen) and all(
            w.group in INTERACTIVE for w in busy)
        quiet = quiet + 1 if not busy or on_modal else 0
        if quiet >= 5:
            break
    await pilot.pause()
