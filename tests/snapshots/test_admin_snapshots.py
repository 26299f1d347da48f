"""Snapshots of the Admin triage screen: the real backend seeded deterministically
(`seed_bulk` with a fixed seed and `now`), a fixed clock, 80x24 and 120x32.

One class per screen state; each test's docstring says what you should see.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

sys.path.insert(0, str(Path(__file__).parents[1] / "ui"))
from test_admin_screen import settle
from test_admin_support import AdminHost, Backend, make_backend

from tui_app.ui.activity.key_panel import KeyActivityPanel
from tui_app.ui.admin.screen import PRESETS, AdminScreen
from tui_app.ui.widgets.key_panel import REST_SECONDS

WIDE = (120, 32)
SMALL = (80, 24)


def host(tmp_path: Path, role: str = "admin") -> tuple[AdminHost, Backend]:
    backend = make_backend(tmp_path, keys=600, users=50, seed=11)

    async def me() -> Any:
        async with backend.client(role) as api:
            return await api.me()

    app = AdminHost(backend.client(role), asyncio.run(me()))
    app.title = "agentkeys"
    return app, backend


async def loaded(pilot: Pilot[None]) -> None:
    """Rows and counts in. The counts start once the first page is drawn, and under a
    modal that can be later than a quiet moment: wait for them by name."""
    await settle(pilot, pilot.app)  # type: ignore[arg-type]
    admin = next((s for s in pilot.app.screen_stack if isinstance(s, AdminScreen)), None)
    for _ in range(400):
        if admin is None or admin.counts is not None:
            break
        await pilot.pause(0.025)
    # The details' activity loads once the cursor has rested: after a reload (a bulk
    # action's) that rest may begin after the quiet moment above; then wait for the load.
    await pilot.pause(REST_SECONDS + 0.1)
    panels = list(admin.query(KeyActivityPanel)) if admin is not None else []
    for _ in range(400):
        if not any(panel.waiting for panel in panels):
            break
        await pilot.pause(0.025)
    await settle(pilot, pilot.app)  # type: ignore[arg-type]


class TestAdminScreen:
    def test_all_keys_wide(self, snap_compare: Any, tmp_path: Path) -> None:
        """All 600 keys, newest first ("Created ▼" in the header), the totals line with
        counts per status, stale and expiring, the first row highlighted and its details
        (owner, created by, expiry, last use, scope, tools, description) below."""
        app, _ = host(tmp_path)
        assert snap_compare(app, terminal_size=WIDE, run_before=loaded)

    def test_all_keys_80x24(self, snap_compare: Any, tmp_path: Path) -> None:
        """The same at 80x24: narrower owner/time/scope columns ("rw"), compact times
        ("14 h ago", "in 187d"), nothing cut that matters, the footer's keys."""
        app, _ = host(tmp_path)
        assert snap_compare(app, terminal_size=SMALL, run_before=loaded)

    def test_marked_rows_and_sort_by_name(self, snap_compare: Any, tmp_path: Path) -> None:
        """Sorted by name A→Z ("Name ▲"), two rows marked (● and bold), the totals line
        says "(2 marked)", the cursor on the third row."""
        app, _ = host(tmp_path)

        async def run_before(pilot: Pilot[None]) -> None:
            await loaded(pilot)
            await pilot.press("N")
            await loaded(pilot)
            await pilot.press("space", "space")
            await loaded(pilot)

        assert snap_compare(app, terminal_size=WIDE, run_before=run_before)

    def test_a_manager_sees_their_teams_keys(self, snap_compare: Any, tmp_path: Path) -> None:
        """The title says "Your teams' keys (team names)"; only those keys are listed."""
        app, _ = host(tmp_path, "manager")
        assert snap_compare(app, terminal_size=WIDE, run_before=loaded)


class TestAdminFilters:
    def test_stale_preset(self, snap_compare: Any, tmp_path: Path) -> None:
        """Preset "Stale 90 d": the status select on "Active+inactive", the stale select on
        "Unused 90 d"; only keys unused for 90 days or never used; the totals follow."""
        app, _ = host(tmp_path)

        async def run_before(pilot: Pilot[None]) -> None:
            await loaded(pilot)
            screen = pilot.app.screen
            screen.preset_index = 1  # type: ignore[attr-defined]
            screen.apply_filters(PRESETS[1].filters)  # type: ignore[attr-defined]
            await loaded(pilot)

        assert snap_compare(app, terminal_size=WIDE, run_before=run_before)

    def test_search_and_expiring(self, snap_compare: Any, tmp_path: Path) -> None:
        """Typed "ci" into the search box and chose "Expiring 30 d": keys whose name or
        owner holds "ci" and that expire within 30 days; the title says "(changed)"."""
        app, _ = host(tmp_path)

        async def run_before(pilot: Pilot[None]) -> None:
            await loaded(pilot)
            await pilot.press("slash", "c", "i", "enter")
            screen = pilot.app.screen
            screen.query_one("#admin-expiring").value = "30"  # type: ignore[attr-defined]
            await pilot.pause(0.1)
            await loaded(pilot)

        assert snap_compare(app, terminal_size=WIDE, run_before=run_before)


class TestAdminBulkConfirm:
    def test_revoke_confirmation(self, snap_compare: Any, tmp_path: Path) -> None:
        """Twelve marked, one of them already revoked: "Revoke 11 of 12 marked keys?"
        with the first 8 names, "and 3 more", "Skipping 1 key: already revoked.", the
        warning that this cannot be undone, and the focus on Cancel."""
        app, _ = host(tmp_path)

        async def run_before(pilot: Pilot[None]) -> None:
            await loaded(pilot)
            await pilot.press(*["space"] * 12)
            # The screen under a modal is drawn as it was when the modal opened: let the
            # highlighted key's activity arrive first.
            await loaded(pilot)
            await pilot.press("R")
            await loaded(pilot)

        assert snap_compare(app, terminal_size=SMALL, run_before=run_before)


class TestAdminResults:
    def test_partial_failure(self, snap_compare: Any, tmp_path: Path) -> None:
        """After "enable" on revoked and disabled keys: "2 keys enabled, 2 skipped.", each
        revoked key named with why it was skipped, then the successes."""
        app, _ = host(tmp_path)

        async def run_before(pilot: Pilot[None]) -> None:
            await loaded(pilot)
            screen = pilot.app.screen
            screen.apply_filters(PRESETS[0].filters.__class__(  # type: ignore[attr-defined]
                status="inactive,revoked"))
            await loaded(pilot)
            await pilot.press("space", "space", "space", "space")
            # The screen under a modal is drawn as it was when the modal opened: let the
            # highlighted key's activity arrive first.
            await loaded(pilot)
            await pilot.press("a")
            await loaded(pilot)
            await pilot.press("tab", "enter")
            await loaded(pilot)

        assert snap_compare(app, terminal_size=WIDE, run_before=run_before)
