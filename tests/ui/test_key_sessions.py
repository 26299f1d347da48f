"""A key's sessions on My keys (`S`): the agents connected with the highlighted key,
ended ones marked, and ending one behind a confirmation; the agent is refused after."""

from __future__ import annotations

from typing import Any

import httpx
from connections_support import ask_for_access, poll_token
from shell_helpers import api_client, create_key, make_app, screen_text, settle, wait_for

from tui_app.ui.modals.confirm import ConfirmModal
from tui_app.ui.my_keys.screen import MyKeysScreen
from tui_app.ui.my_keys.sessions import KeySessionsModal


def connect(server: Any, key_id: str, client_name: str) -> str:
    """An agent asks, the owner approves (through the API), the agent takes its session."""
    asked = ask_for_access(server, client_name=client_name)
    with api_client(server) as client:
        reply = client.post("/v1/connections/approve",
                            json={"user_code": asked["user_code"], "key_id": key_id})
        assert reply.status_code == 200, reply.text
    token = poll_token(server, asked)
    assert token.status_code == 200, token.text
    access: str = token.json()["access_token"]
    return access


def whoami(server: Any, token: str) -> int:
    return httpx.get(f"{server.url}/v1/agent/whoami",
                     headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code


async def test_sessions_listed_and_one_ended(ui_server: Any, ui_clock: Any) -> None:
    key = create_key(ui_server, "deploy-bot", clock=ui_clock)["key"]
    first = connect(ui_server, key["id"], "Claude Code")
    ui_clock.advance(minutes=5)
    second = connect(ui_server, key["id"], "nightly CLI")
    assert whoami(ui_server, first) == 200
    app = make_app(ui_server, ui_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await wait_for(pilot, lambda: isinstance(app.screen, MyKeysScreen)
                       and app.screen.loaded)
        await pilot.press("S")
        await wait_for(pilot, lambda: isinstance(app.screen, KeySessionsModal)
                       and app.screen.loaded)
        modal = app.screen
        assert isinstance(modal, KeySessionsModal)
        # Newest first, as the server lists them.
        assert [s.client_name for s in modal.items] == ["nightly CLI", "Claude Code"]
        shown = screen_text(app)
        assert "Sessions of deploy-bot" in shown and "2 active of 2" in shown
        assert "Claude Code" in shown and "ends in 30 days" in shown
        assert "Connected 2026-11-20 12:05 UTC" in shown  # the highlighted one, absolute

        await pilot.press("down", "R")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        assert "End the session of Claude Code on deploy-bot?" in screen_text(app)
        await pilot.press("tab", "enter")
        await wait_for(pilot, lambda: app.screen is modal)
        await wait_for(pilot, lambda: modal.items and modal.items[1].revoked_at is not None)
        await settle(pilot)
        shown = screen_text(app)
        assert "1 active of 2" in shown and "ended just now" in shown

        await pilot.press("R")  # an ended session: nothing to ask
        await pilot.pause()
        assert app.screen is modal
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, MyKeysScreen))

    assert whoami(ui_server, first) == 401
    assert whoami(ui_server, second) == 200
