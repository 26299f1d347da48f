"""The server goes away while the app is open: a clear message, no crash, the open form
keeps its input, and the app recovers when the server is back.

A small TCP relay stands between the app and the real embedded server, so "the server
stopped" is a real refused connection on the app's URL, and "back" is the same URL again.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from shell_helpers import copy_secret_and_continue, create_key, screen_text, settle, wait_for
from textual.widgets import Input

from tui_app.ui.app import AgentKeysApp
from tui_app.ui.my_keys.screen import MyKeysScreen
from tui_app.ui.session import ConnectionState


class Relay:
    """127.0.0.1:<port> → the real server; stop() refuses and cuts every connection."""

    def __init__(self, target_url: str) -> None:
        host, port = target_url.removeprefix("http://").split(":")
        self.target = (host, int(port))
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self._writers.update((writer, up_writer))

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(Exception):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            with contextlib.suppress(Exception):
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


async def test_server_stops_and_comes_back(ui_server: Any, ui_clock: Any) -> None:
    from tui_app.ui.my_keys.create_key import CreateKeyModal
    from tui_app.ui.my_keys.secret import SecretDialog

    relay = Relay(ui_server.url)
    await relay.start()
    create_key(ui_server, "before-the-outage", clock=ui_clock)
    app = AgentKeysApp(server_url=relay.url, token=ui_server.token, clock=ui_clock)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(pilot)
        await wait_for(pilot, lambda: isinstance(app.screen, MyKeysScreen) and app.screen.loaded)
        screen = app.screen
        assert app.status.state is ConnectionState.CONNECTED

        await relay.stop()
        await pilot.press("r")
        await settle(pilot)
        await wait_for(pilot, lambda: app.status.state is ConnectionState.UNREACHABLE)
        messages = [n.message for n in app._notifications]
        assert any("Cannot reach the server" in m for m in messages), messages
        assert "unreachable" in screen_text(app)
        assert [k.name for k in screen.all_keys] == ["before-the-outage"], "list kept"

        # A form opened during the outage keeps what was typed when the submit fails.
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, CreateKeyModal))
        modal = app.screen
        await pilot.press(*"during-outage")
        await pilot.press("ctrl+s")
        await pilot.pause(0.5)
        await settle(pilot)
        assert app.screen is modal
        assert modal.query_one("#name", Input).value == "during-outage"

        await relay.start()  # the same URL answers again
        await wait_for(pilot, lambda: app.status.state is ConnectionState.CONNECTED,
                       timeout=15)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, SecretDialog))
        await copy_secret_and_continue(pilot, screen)
        assert sorted(k.name for k in screen.all_keys) == ["before-the-outage", "during-outage"]
    await relay.stop()


async def test_embedded_start_failure_is_reported(tmp_path: Any, monkeypatch: Any) -> None:
    """A backend that cannot open: the app paints, says why, and does not crash."""
    from tui_app.ui.backend import Target

    monkeypatch.setenv("AGENTKEYS_HOME", str(tmp_path))
    # A config pointing at a profile that does not exist: resolve_connection refuses.
    app = AgentKeysApp(Target(profile="no-such-profile"))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.status.state is ConnectionState.UNREACHABLE)
        assert any("Could not open the server" in n.message for n in app._notifications)
        assert isinstance(app.screen, MyKeysScreen)
