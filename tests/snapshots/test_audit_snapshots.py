"""Snapshots of the Audit log screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shell_snapshot_data import demo_app, loaded, settle


async def open_audit(pilot: Any) -> None:
    await loaded(pilot)
    await pilot.press("3")
    for _ in range(100):
        if getattr(pilot.app.screen, "loaded", False):
            break
        await pilot.pause(0.05)
    await settle(pilot)


class TestAudit:
    def test_newest_first(self, snap_compare: Any, tmp_path: Path) -> None:
        """'3': the admin's view of the organisation's events, newest first, with the key
        and action filters above, 'more below (end)' in the table's subtitle, and the
        highlighted event in full under the table."""
        assert snap_compare(demo_app(tmp_path), terminal_size=(100, 30), run_before=open_audit)

    def test_80x24(self, snap_compare: Any, tmp_path: Path) -> None:
        """The audit log fits 80x24; under the table the highlighted event (key.revoked,
        the key's name and id, who, via which front door, when) over two lines."""
        assert snap_compare(demo_app(tmp_path), terminal_size=(80, 24), run_before=open_audit)
