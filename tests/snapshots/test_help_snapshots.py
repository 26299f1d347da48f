"""Snapshots of the Help screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shell_snapshot_data import demo_app, loaded, settle


class TestHelp:
    def test_every_binding(self, snap_compare: Any, tmp_path: Path) -> None:
        """'?': every key binding grouped (Everywhere, My keys, Admin, Audit log, Forms,
        Secret dialog, Confirmations), with what it does."""

        async def run_before(pilot: Any) -> None:
            await loaded(pilot)
            await pilot.press("question_mark")
            await settle(pilot)

        assert snap_compare(demo_app(tmp_path), terminal_size=(100, 30), run_before=run_before)

    def test_search(self, snap_compare: Any, tmp_path: Path) -> None:
        """'/' then 'revoke': only the matching bindings, title says 'N of M'."""

        async def run_before(pilot: Any) -> None:
            await loaded(pilot)
            await pilot.press("question_mark")
            await settle(pilot)
            await pilot.press("slash")
            pilot.app.screen.query_one("#help-search").cursor_blink = False
            await pilot.press(*"revoke")
            await settle(pilot)

        assert snap_compare(demo_app(tmp_path), terminal_size=(100, 30), run_before=run_before)
