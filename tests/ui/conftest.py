"""Fixtures for the TUI shell's tests (`ui_server`, `ui_clock`; named so they never
shadow the suite-wide `clock`): a real embedded server with a clock we can move.

The server and the app share one clock, so "the key expired" is a move of the clock,
not a sleep and not a patched row.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tui_app.client import local_server
from tui_app.server.embedded import EmbeddedServer, start_embedded

START = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


class MovableClock:
    """A clock for the server and the app: fixed until a test moves it."""

    def __init__(self, at: datetime = START) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


@pytest.fixture
def ui_clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
def ui_server(tmp_path: Path, ui_clock: MovableClock, monkeypatch: pytest.MonkeyPatch
           ) -> Iterator[EmbeddedServer]:
    monkeypatch.setenv("AGENTKEYS_HOME", str(tmp_path))
    monkeypatch.delenv("AGENTKEYS_SERVER", raising=False)
    monkeypatch.delenv("AGENTKEYS_TOKEN", raising=False)
    embedded = start_embedded(tmp_path, clock=ui_clock)
    yield embedded
    embedded.stop()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """AGENTKEYS_HOME for a real local server (no server or token from the environment);
    the server is stopped after the test."""
    monkeypatch.setenv("AGENTKEYS_HOME", str(tmp_path))
    monkeypatch.delenv("AGENTKEYS_SERVER", raising=False)
    monkeypatch.delenv("AGENTKEYS_TOKEN", raising=False)
    yield tmp_path
    local_server.stop(tmp_path)
