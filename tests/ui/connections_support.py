"""Helpers for the Connections tests: an agent asks for access over HTTP, as the CLI or
an MCP client would, against the TUI's own server (no tests in here)."""

from __future__ import annotations

from typing import Any

import httpx
from shell_helpers import settle, wait_for

from tui_app.ui.connections.screen import ConnectionsScreen
from tui_app.ui.my_keys.screen import MyKeysScreen

DEVICE = "urn:ietf:params:oauth:grant-type:device_code"


def ask_for_access(server: Any, client_name: str = "Claude Code",
                   scope: str = "read_write") -> dict[str, Any]:
    """Register a client and start the device flow: its answer (user_code, device_code)
    and the client's id."""
    with httpx.Client(base_url=server.url, timeout=10) as http:
        registered = http.post("/v1/oauth/register", json={
            "client_name": client_name, "redirect_uris": [],
            "grant_types": [DEVICE, "refresh_token"]})
        assert registered.status_code == 201, registered.text
        client_id = registered.json()["client_id"]
        started = http.post("/v1/oauth/device/code",
                            data={"client_id": client_id, "scope": scope})
        assert started.status_code == 200, started.text
        data: dict[str, Any] = started.json()
        return data | {"client_id": client_id}


def poll_token(server: Any, asked: dict[str, Any]) -> httpx.Response:
    with httpx.Client(base_url=server.url, timeout=10) as http:
        return http.post("/v1/oauth/token", data={
            "grant_type": DEVICE, "device_code": asked["device_code"],
            "client_id": asked["client_id"]})


async def open_connections(pilot: Any) -> ConnectionsScreen:
    app = pilot.app
    await settle(pilot)
    await wait_for(pilot, lambda: isinstance(app.screen, MyKeysScreen) and app.screen.loaded)
    await pilot.press("6")
    await wait_for(pilot, lambda: isinstance(app.screen, ConnectionsScreen)
                   and app.screen.keys_loaded)
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, ConnectionsScreen)
    return screen


async def type_code(pilot: Any, screen: ConnectionsScreen, text: str) -> None:
    """Type it as a person would, letter by letter, then wait for the lookup."""
    screen.code_box.focus()
    await pilot.press(*[ch if ch != "-" else "minus" for ch in text])
    await settle(pilot)
