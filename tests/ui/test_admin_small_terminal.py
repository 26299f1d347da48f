"""The Admin screen at 80x24, in the real app: the title bar names the screen, and every
filter is on screen and readable (the filter line takes two rows)."""

from __future__ import annotations

from typing import Any

from shell_helpers import make_app, screen_text, settle, wait_for
from test_modal_small_terminal import on_screen
from textual.widgets import Input, Select

from tui_app.ui.admin.screen import AdminScreen
from tui_app.ui.my_keys.screen import MyKeysScreen
from tui_app.ui.widgets.title_bar import TitleBar


async def test_admin_fits_80x24(ui_server: Any, ui_clock: Any) -> None:
    app = make_app(ui_server, ui_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await wait_for(pilot, lambda: isinstance(app.screen, MyKeysScreen))
        await pilot.press("2")
        await wait_for(pilot, lambda: isinstance(app.screen, AdminScreen))
        await settle(pilot)
        screen = app.screen
        assert str(screen.query_one(TitleBar).render()).strip().startswith("Admin")
        for widget_id in ("admin-status", "admin-stale", "admin-expiring"):
            assert on_screen(screen.query_one(f"#{widget_id}", Select)), widget_id
        for widget_id in ("admin-owner", "admin-team", "admin-search"):
            assert on_screen(screen.query_one(f"#{widget_id}", Input)), widget_id

        status = screen.query_one("#admin-status", Select)
        status.value = "active,inactive"
        await settle(pilot)
        assert "Active+inactive" in screen_text(app)  # whole, not cut
