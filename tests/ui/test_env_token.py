"""`AGENTKEYS_TOKEN` is the TUI's login with the local server too: a token the server
rejects shows as rejected, and the local admin's keys are not shown instead."""

from __future__ import annotations

from pathlib import Path

import pytest
from shell_helpers import add_keys, settle, wait_for

from tui_app.client import local_server
from tui_app.ui.app import AgentKeysApp
from tui_app.ui.backend import Target
from tui_app.ui.my_keys.key_list import KeyList
from tui_app.ui.session import ConnectionState


async def test_a_rejected_environment_token_shows_as_rejected(
        home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url, token = local_server.connect(home).wait()
    add_keys(url, token, "admins-key")

    monkeypatch.setenv("AGENTKEYS_TOKEN", "garbage")
    app = AgentKeysApp(Target(home=home, local=local_server.connect(home)))
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.status.state is ConnectionState.REJECTED, timeout=30)
        await settle(pilot)
        assert app.status.credential == "environment AGENTKEYS_TOKEN"
        shown = app.screen.query(KeyList)
        assert all(key.name != "admins-key" for pane in shown for key in pane.keys)
