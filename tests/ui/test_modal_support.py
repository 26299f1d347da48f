"""Helpers for the modal tests: a tiny host app, a movable clock, a real embedded server.

Named test_modal_* so it sits with the modal tests it serves (it holds no tests).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.screen import Screen

import tui_app.ui
from tui_app.client.api import ApiClient
from tui_app.server.embedded import EmbeddedServer, start_embedded
from tui_app.ui.session import Session, SessionApp

APP_CSS = Path(tui_app.ui.__file__).parent / "app.tcss"


class MovableClock:
    """One clock for the server and the modal, so "expired" means the same to both."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


class ModalHost(SessionApp):
    """Just enough app to open a modal: the shared stylesheet, a session, a clipboard."""

    CSS_PATH = APP_CSS

    def __init__(self, api: ApiClient | None = None) -> None:
        super().__init__()
        self.session = Session(self, api=api)
        self.api = api
        self.results: list[Any] = []

    def open(self, modal: Screen[Any]) -> None:
        self.push_screen(modal, self.results.append)


@dataclass
class Backend:
    """A real embedded server; `restart` brings it back (on a new port) after `stop`."""

    home: Path
    clock: MovableClock
    server: EmbeddedServer | None = None
    clients: list[ApiClient] = field(default_factory=list)

    def start(self) -> EmbeddedServer:
        self.server = start_embedded(self.home, clock=self.clock)
        return self.server

    @property
    def url(self) -> str:
        assert self.server is not None
        return self.server.url

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()

    def client(self, **kwargs: Any) -> ApiClient:
        assert self.server is not None
        api = ApiClient(self.server.url, self.server.token, source="tui", **kwargs)
        self.clients.append(api)
        return api


@pytest.fixture(name="backend")
def backend_fixture(tmp_path: Path) -> Iterator[Backend]:
    """A real embedded server on a temporary home (test modules bind it as `backend`)."""
    clock = MovableClock(datetime.now(UTC).replace(microsecond=0))
    backend = Backend(tmp_path, clock)
    backend.start()
    yield backend
    backend.stop()
