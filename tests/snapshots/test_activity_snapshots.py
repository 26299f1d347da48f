"""Snapshots of the Activity screen and of the activity in My keys' details."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shell_snapshot_data import demo_app, loaded, settle


async def open_activity(pilot: Any) -> None:
    await loaded(pilot)
    await pilot.press("4")
    for _ in range(100):
        if getattr(pilot.app.screen, "loaded", False):
            break
        await pilot.pause(0.05)
    await settle(pilot)


class TestActivity:
    def test_120x40(self, snap_compare: Any, tmp_path: Path) -> None:
        """'4': the admin's view of every agent call, newest first: when, key, owner,
        channel, tool, result ('ok' in green, refusal codes in red), client and IP; the
        filters above; 'live · newest first' in the table's subtitle; the highlighted
        call in full under the table."""
        assert snap_compare(demo_app(tmp_path), terminal_size=(120, 40),
                            run_before=open_activity)

    def test_80x24(self, snap_compare: Any, tmp_path: Path) -> None:
        """The Activity screen fits 80x24: the IP column gives way, the line under the
        table still shows it."""
        assert snap_compare(demo_app(tmp_path), terminal_size=(80, 24),
                            run_before=open_activity)


class TestKeyDetailsActivity:
    def test_sparkline_and_latest_calls(self, snap_compare: Any, tmp_path: Path) -> None:
        """My keys at 120x40: the highlighted key's details, then 'Agent activity' with
        'Calls, 30 days: N (M refused)', a bar a day (dots for days without calls) and its
        latest calls, then 'Recent changes' (audit events); the Active pane's Last used
        names the tool. The cursor is on claude-code-laptop, which an agent used 2 h ago."""

        async def run_before(pilot: Any) -> None:
            await loaded(pilot)
            await pilot.press("end")
            await pilot.pause(0.4)  # the activity loads once the cursor rests
            await settle(pilot)

        assert snap_compare(demo_app(tmp_path), terminal_size=(120, 40), run_before=run_before)
