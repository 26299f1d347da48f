"""A cursor move repaints what changed and nothing else: the row the cursor left, the row
it landed on, and the details lines that differ. Everything repainted is sent to the
terminal, and over a slow link that is what a key press costs; so these tests record
what each widget asks Textual to repaint, in the real app over the embedded server."""

from __future__ import annotations

from typing import Any

from shell_helpers import create_key, make_app, settle, wait_for
from textual.geometry import Region
from textual.widget import Widget

from tui_app.ui.activity.key_panel import KeyActivityPanel
from tui_app.ui.admin.screen import AdminScreen
from tui_app.ui.my_keys.key_list import KeyList
from tui_app.ui.my_keys.screen import MyKeysScreen
from tui_app.ui.widgets.line_panel import LinePanel

SIZE = (120, 40)


class Repaints:
    """What a widget asked to repaint: regions, or None for the whole widget."""

    def __init__(self, widget: Widget) -> None:
        self.asked: list[Region | None] = []
        self.layouts = 0
        original = widget.refresh

        def refresh(*regions: Region, **flags: Any) -> Widget:
            self.asked.extend(regions or [None])
            self.layouts += bool(flags.get("layout"))
            return original(*regions, **flags)

        widget.refresh = refresh  # type: ignore[method-assign]


def row_line(table: Any, row: int) -> Region:
    """The region of `row`'s line on screen (line 0 is the header)."""
    y = row - round(table.scroll_y) + 1
    return Region(0, y, table.scrollable_content_region.width, 1)


def seed(server: Any, clock: Any, count: int) -> None:
    for n in range(count):
        create_key(server, f"agent-{n:02d}", description="same for every key", clock=clock)


async def test_my_keys_cursor_move_repaints_two_rows_and_the_changed_details(
        ui_server: Any, ui_clock: Any) -> None:
    seed(ui_server, ui_clock, 6)
    app = make_app(ui_server, ui_clock)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, MyKeysScreen) and app.screen.loaded)
        await settle(pilot)
        pane = app.screen.query_one("#active-keys", KeyList)
        fields = app.screen.query_one("#key-fields", LinePanel)
        pane.focus()
        await settle(pilot)
        assert pane.cursor_row == 0
        before = pane.highlighted
        table_repaints, field_repaints = Repaints(pane), Repaints(fields)

        await pilot.press("down")
        await settle(pilot)

        assert pane.cursor_row == 1 and pane.highlighted is not before
        assert sorted(table_repaints.asked, key=lambda r: r.y if r else -1) == [
            row_line(pane, 0), row_line(pane, 1)]
        # Only the lines of the details that differ: never the whole panel, no layout.
        assert None not in field_repaints.asked and field_repaints.layouts == 0
        assert 0 < len(field_repaints.asked) < fields.size.height
        assert all(r is not None and r.height == 1 for r in field_repaints.asked)
        text = "\n".join(fields.render_line(y).text for y in range(fields.size.height))
        assert pane.highlighted is not None and pane.highlighted.id in text


async def test_a_one_row_move_finds_the_next_keys_activity_and_events_ready(
        ui_server: Any, ui_clock: Any) -> None:
    """Resting on a key also loads its neighbours' details, so the next move shows them
    at once: no placeholder first and the data after it (two repaints for one key)."""
    seed(ui_server, ui_clock, 6)
    app = make_app(ui_server, ui_clock)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, MyKeysScreen) and app.screen.loaded)
        pane = app.screen.query_one("#active-keys", KeyList)
        pane.focus()
        await settle(pilot)
        activity = app.screen.query_one("#key-activity", KeyActivityPanel)
        events = app.screen.query_one("#key-events", LinePanel)
        for _ in range(2):
            await pilot.press("down")
            await pilot.pause()
            assert not activity.waiting
            shown = "\n".join(events.render_line(y).text for y in range(events.size.height))
            assert "key.created" in shown and "loading" not in shown
            await settle(pilot)  # the cursor rests: the next neighbours load


async def test_admin_cursor_move_repaints_two_rows(ui_server: Any, ui_clock: Any) -> None:
    seed(ui_server, ui_clock, 6)
    app = make_app(ui_server, ui_clock)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.me is not None)
        await pilot.press("2")
        await wait_for(pilot, lambda: isinstance(app.screen, AdminScreen)
                       and len(app.screen.table.visible_keys()) == 6)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AdminScreen)
        table = screen.table
        table.focus()
        await settle(pilot)
        start = table.cursor_row
        repaints = Repaints(table)

        await pilot.press("down")
        await settle(pilot)

        assert table.cursor_row == start + 1
        assert sorted(repaints.asked, key=lambda r: r.y if r else -1) == [
            row_line(table, start), row_line(table, start + 1)]


async def test_a_move_that_scrolls_shows_the_new_rows(ui_server: Any, ui_clock: Any) -> None:
    """The rows shift under the header, so every line is new: the scroll repaints them
    (the cursor itself asks for no more than its two rows)."""
    seed(ui_server, ui_clock, 45)
    app = make_app(ui_server, ui_clock)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, MyKeysScreen) and app.screen.loaded)
        await settle(pilot)
        pane = app.screen.query_one("#active-keys", KeyList)
        pane.focus()
        await pilot.press("end")
        await settle(pilot)
        assert round(pane.scroll_y) > 0
        assert pane.highlighted is not None and pane.highlighted is pane.keys[-1]
        lines = [pane.render_line(y).text for y in range(pane.size.height)]
        assert any(pane.keys[-1].name in line for line in lines)
