"""Snapshots of My keys: seeded demo data, fixed clock, workers awaited."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shell_snapshot_data import demo_app, loaded, settle


class TestMyKeys:
    def test_both_panes(self, snap_compare: Any, tmp_path: Path) -> None:
        """Active pane (focused, heavy border) with the '! in N days' flag and the count in
        its title, the Inactive pane below with statuses, the highlighted key's details and
        recent activity on the right, the status bar (connected, URL, Ada Admin (admin))."""
        assert snap_compare(demo_app(tmp_path), terminal_size=(120, 34), run_before=loaded)

    def test_inactive_pane_focused(self, snap_compare: Any, tmp_path: Path) -> None:
        """tab moved focus to the Inactive pane: its border is heavy, the details show the
        highlighted inactive key with its status and reason."""

        async def run_before(pilot: Any) -> None:
            await loaded(pilot)
            await pilot.press("tab", "down")
            await pilot.pause(0.3)
            await settle(pilot)

        assert snap_compare(demo_app(tmp_path), terminal_size=(120, 34), run_before=run_before)

    def test_80x24(self, snap_compare: Any, tmp_path: Path) -> None:
        """Everything fits an 80x24 terminal: both panes, details, status bar, footer."""
        assert snap_compare(demo_app(tmp_path), terminal_size=(80, 24), run_before=loaded)

    def test_filter(self, snap_compare: Any, tmp_path: Path) -> None:
        """'/' then 'ci': the filter line at the top, both pane titles say 'N of M'."""

        async def run_before(pilot: Any) -> None:
            await loaded(pilot)
            await pilot.press("slash")
            pilot.app.screen.query_one("#key-filter").cursor_blink = False
            await pilot.press("c", "i")
            await settle(pilot)

        assert snap_compare(demo_app(tmp_path), terminal_size=(100, 30), run_before=run_before)

    def test_hostile_names(self, snap_compare: Any, tmp_path: Path) -> None:
        """Names like [@click=app.quit]x[/] and [/bad] show literally; escape, bidi and
        zero-width characters show as � — nothing is interpreted."""
        assert snap_compare(demo_app(tmp_path, hostile=True), terminal_size=(120, 34),
                            run_before=loaded)

    def test_revoke_confirmation(self, snap_compare: Any, tmp_path: Path) -> None:
        """R: the confirmation names the key, says requests are rejected immediately and
        that it cannot be undone; Cancel has the focus."""

        async def run_before(pilot: Any) -> None:
            await loaded(pilot)
            await pilot.press("R")
            await pilot.pause(0.2)
            await settle(pilot)

        assert snap_compare(demo_app(tmp_path), terminal_size=(100, 30), run_before=run_before)
