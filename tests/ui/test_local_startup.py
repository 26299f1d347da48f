"""`agentkeys` on the embedded default: the local server found or started before Textual
loads, the first screenful prefetched from it, and a server that went away (idle,
killed, upgraded) brought back while the app stays open."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from shell_helpers import add_keys, settle, wait_for

from tui_app import local_state
from tui_app.client import local_server
from tui_app.client.prefetch import Prefetch
from tui_app.ui.app import AgentKeysApp
from tui_app.ui.backend import Target, surely_embedded
from tui_app.ui.my_keys.key_list import KeyList
from tui_app.ui.session import ConnectionState


def _active_names(app: Any) -> list[str]:
    return sorted(k.name for k in app.screen.query_one("#active-keys", KeyList).keys)


def test_target_opens_the_local_server_and_leaves_it_running(home: Path) -> None:
    connection = Target(home=home, local=local_server.connect(home)).open()
    assert connection.embedded and connection.url.startswith("http://127.0.0.1:")
    assert connection.credential == "embedded server, token in its data dir"
    reply = httpx.get(f"{connection.url}/v1/me", timeout=10,
                      headers={"Authorization": f"Bearer {connection.token}"})
    assert reply.status_code == 200 and reply.json()["user"]["role"] == "admin"
    assert connection.token not in repr(connection)
    assert connection.close is not None
    connection.close()  # the TUI quits…
    assert httpx.get(f"{connection.url}/healthz", timeout=5).status_code == 200  # …it stays
    assert (home / "data" / "agentkeys.db").exists(), "keys persist in the data dir"


async def test_prefetched_keys_show_before_the_client_is_loaded(home: Path) -> None:
    """When the local server runs, the keys come before the client (httpx) is loaded."""
    url, token = local_server.connect(home).wait()
    add_keys(url, token, "ci-deploy", "claude-code")
    local = local_server.connect(home)
    assert local.running == (url, token)
    prefetch = Prefetch(url, token)
    assert _wait_until(prefetch.ready)
    app = AgentKeysApp(Target(home=home, local=local, prefetch=prefetch))
    async with app.run_test(size=(100, 30)) as pilot:
        # My keys shows the prefetched keys once its first frame is painted: no request
        # through the client yet.
        assert app.prefetched is not None and app.prefetched[0].user.role.value == "admin"
        assert _active_names(app) == ["ci-deploy", "claude-code"]
        await wait_for(pilot, lambda: app.status.state is ConnectionState.CONNECTED)
        await settle(pilot)
        assert _active_names(app) == ["ci-deploy", "claude-code"]


def _wait_until(condition: Any, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


async def test_a_stopped_local_server_is_started_again(home: Path) -> None:
    local = local_server.connect(home)
    url, token = local.wait()
    add_keys(url, token, "survivor")
    app = AgentKeysApp(Target(home=home, local=local))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.status.state is ConnectionState.CONNECTED)
        first = local_state.read_state(local_state.data_dir(home))
        assert first is not None
        local_server.stop(home)  # idle timeout, kill or upgrade: all look like this
        app._health()  # what the keep-alive timer and the retry probe call

        def restarted() -> bool:
            # The same port (one per data directory), but another process and token.
            state = local_state.read_state(local_state.data_dir(home))
            return state is not None and state.pid != first.pid
        await wait_for(pilot, restarted, timeout=30)
        await wait_for(pilot, lambda: app.status.state is ConnectionState.CONNECTED)
        assert app.server_url == url
        app.screen.action_refresh_keys()  # type: ignore[attr-defined]
        await settle(pilot)
        assert _active_names(app) == ["survivor"]


def test_surely_embedded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTKEYS_HOME", str(tmp_path))
    monkeypatch.delenv("AGENTKEYS_SERVER", raising=False)
    assert surely_embedded(None, None)
    assert not surely_embedded("https://keys.example.com", None)
    assert not surely_embedded(None, "work")
    monkeypatch.setenv("AGENTKEYS_SERVER", "https://keys.example.com")
    assert not surely_embedded(None, None)
    monkeypatch.delenv("AGENTKEYS_SERVER")
    (tmp_path / "config" / "config.toml").write_text('default_profile = "work"\n')
    assert not surely_embedded(None, None)


@pytest.mark.parametrize("size", [(100, 30), (80, 24), (160, 50)])
async def test_prefetched_rows_fill_the_pane(home: Path, size: tuple[int, int]) -> None:
    """Rows are laid out when they are drawn, at the pane's real width: the name column
    takes what the others leave, at any terminal size, from the first rows on."""
    name = "a-rather-long-key-name-for-the-ci-deploy-robot"
    url, token = local_server.connect(home).wait()
    add_keys(url, token, name)
    local = local_server.connect(home)
    prefetch = Prefetch(url, token)
    assert _wait_until(prefetch.ready)
    app = AgentKeysApp(Target(home=home, local=local, prefetch=prefetch))
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: _active_names(app) == [name])
        table = app.screen.query_one("#active-keys", KeyList)
        width = table.scrollable_content_region.width
        line = table.render_line(1).text
        assert len(line) == width
        room = width - 12 - 12 - 3  # Expires and Last used, three spaces
        shown = name if len(name) <= room else name[: room - 1] + "…"
        assert line.startswith(f" {shown} ")
        assert "in 30 days" in line
