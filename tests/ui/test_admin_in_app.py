"""The Admin screen inside the real shell (AgentKeysApp) over a real embedded server:
key `2` opens it, and it shows what the API returns."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tui_app.client.api import ApiClient
from tui_app.ui.admin.screen import AdminScreen
from tui_app.ui.app import AgentKeysApp


async def test_key_2_opens_the_admin_screen(ui_server: Any, ui_clock: Any) -> None:
    async with ApiClient(ui_server.url, ui_server.token) as api:
        for n in range(25):
            await api.create_key(name=f"agent-{n:02d}", expires_at=ui_clock() + timedelta(days=30))
        expected = [k.id for k in (await api.admin_list_keys(limit=100)).items]
    app = AgentKeysApp(server_url=ui_server.url, token=ui_server.token, clock=ui_clock)
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(100):  # connected and signed in
            await pilot.pause(0.02)
            if app.me is not None:
                break
        await pilot.press("2")
        for _ in range(50):
            await pilot.pause(0.02)
            screen = app.screen
            if isinstance(screen, AdminScreen) and screen.table.visible_keys():
                break
        screen = app.screen
        assert isinstance(screen, AdminScreen)
        await pilot.pause(0.2)
        shown = [k.id for k in screen.table.visible_keys()]
        assert shown and shown == expected[: len(shown)]
        assert screen.table.row_count == 25
