"""The shell: command palette, help, 80x24 with NO_COLOR and only the keyboard."""

from __future__ import annotations

from typing import Any

from shell_helpers import (
    copy_secret_and_continue,
    create_key,
    make_app,
    screen_text,
    settle,
    wait_for,
)

from tui_app.domain.timefmt import absolute, relative
from tui_app.ui.commands import palette_commands
from tui_app.ui.my_keys.screen import MyKeysScreen


def test_relative_and_absolute_times() -> None:
    from datetime import UTC, datetime, timedelta

    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    assert relative(None, now) == "never"
    assert relative(now + timedelta(days=12, hours=3), now) == "in 12 days"
    assert relative(now - timedelta(hours=3, minutes=5), now) == "3 h ago"
    assert relative(now - timedelta(seconds=20), now) == "just now"
    assert relative(now + timedelta(minutes=5), now) == "in 5 min"
    assert relative(now - timedelta(days=800), now) == "2 years ago"
    assert absolute(now) == "2026-11-20 12:00 UTC"


async def test_palette_lists_every_action(ui_server: Any, ui_clock: Any) -> None:
    app = make_app(ui_server, ui_clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await wait_for(pilot, lambda: isinstance(app.screen, MyKeysScreen))
        names = {name for name, *_ in palette_commands(app.screen)}
        for expected in ("New", "Edit", "Disable/enable", "Revoke", "Delete", "Filter",
                         "Refresh", "Switch pane", "My keys", "Admin", "Audit", "Help", "Quit"):
            assert expected in names, expected
        # Every binding has an id and a tooltip, so keymaps and the palette can use them.
        for binding in [*MyKeysScreen.BINDINGS, *app.BINDINGS]:
            assert binding.id and binding.tooltip, binding  # type: ignore[union-attr]
        # The palette runs the action it lists.
        await pilot.press("ctrl+p")
        await pilot.pause(0.2)
        await pilot.press(*"Help", "enter")
        await pilot.pause(0.3)
        from tui_app.ui.help.screen import HelpScreen

        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))


async def test_keyboard_only_at_80x24_with_no_color(ui_server: Any, ui_clock: Any,
                                                    monkeypatch: Any) -> None:
    from tui_app.ui.my_keys.create_key import CreateKeyModal
    from tui_app.ui.my_keys.secret import SecretDialog

    monkeypatch.setenv("NO_COLOR", "1")
    create_key(ui_server, "soon-gone", days=2, clock=ui_clock)
    app = make_app(ui_server, ui_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await wait_for(pilot, lambda: isinstance(app.screen, MyKeysScreen) and app.screen.loaded)
        await settle(pilot)
        assert app.no_color
        text = screen_text(app)
        for expected in ("Active (1)", "Inactive (0)", "! in 2 days", "connected", "New"):
            assert expected in text, expected
        screen = app.screen
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, CreateKeyModal))
        await pilot.press(*"small-screen", "ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, SecretDialog))
        await copy_secret_and_continue(pilot, screen)
        assert sorted(k.name for k in screen.all_keys) == ["small-screen", "soon-gone"]
