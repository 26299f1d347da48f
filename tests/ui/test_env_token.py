"""`AGENTKEYS_TOKEN` is the TUI's login with the local server too: a token the server
rejects shows as rejected, and the local admin's keys are not shown instead."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from shell_helpers import settle, wait_for

from tui_app.client import local_server
from tui_app.ui.app import AgentKeysApp
from tui_app.ui.backend import Target
from tui_app.ui.my_keys.key_list import KeyList
from tui_app.ui.session import ConnectionState


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("AGENTKEYS_HOME", str(tmp_path))
    monkeypatch.delenv("AGENTKEYS_SERVER", raising=False)
    monkeypatch.delenv("AGENTKEYS_TOKEN", raising=False)
    yield tmp_path
    local_server.stop(tmp_path)


async def test_a_rejected_environment_token_shows_as_rejected(
        home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url, token = local_server.connect(home).wait()
    expires = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    httpx.post(f"{url}/v1/keys", headers={"Authorization": f"Bearer {token}"}, timeout=10,
               json={"name": "admins-key", "expires_at": expires}).raise_for_status()

    monkeypatch.setenv("AGENTKEYS_TOKEN", "garbage")
    app = AgentKeysApp(Target(home=home, local=local_server.connect(home)))
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.status.state is ConnectionState.REJECTED, timeout=30)
        await settle(pilot)
        assert app.status.credential == "environment AGENTKEYS_TOKEN"
        shown = app.screen.query(KeyList)
        assert all(key.name != "admins-key" for pane in shown for key in pane.keys)
