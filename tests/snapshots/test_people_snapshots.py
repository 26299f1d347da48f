"""Snapshots of the People screen: the real backend seeded deterministically (60 people,
400 keys, a fixed seed and `now`), a fixed clock, 80x24 and 120x40.

Each test's docstring says what you should see.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

sys.path.insert(0, str(Path(__file__).parents[1] / "ui"))
from people_support import host, people_backend, settle


class TestPeopleScreen:
    def test_people_120x40(self, snap_compare: Any, tmp_path: Path) -> None:
        """People by email: Name, Email, Role (admins magenta, managers cyan), Teams,
        Active, Keys ("working/all"), Last used; the title lists the admin's keys (n, e,
        d, t); the first person highlighted and described in full under the table."""
        app = host(people_backend(tmp_path))
        assert snap_compare(app, terminal_size=(120, 40), run_before=settle)

    def test_people_80x24(self, snap_compare: Any, tmp_path: Path) -> None:
        """The same at 80x24: a shorter email and teams, "On" for active, compact times;
        the footer with Add, Edit, Deactivate, Login token, Filter, Preset, Refresh."""
        app = host(people_backend(tmp_path))
        assert snap_compare(app, terminal_size=(80, 24), run_before=settle)


class TestPersonForm:
    def test_add_person_80x24(self, snap_compare: Any, tmp_path: Path) -> None:
        """'n': the Add a person form at 80x24 with Email, Name, Role (member picked),
        Teams; a bad email's message under its field after ctrl+s, the form still open."""
        app = host(people_backend(tmp_path))

        async def run_before(pilot: Pilot[None]) -> None:
            await settle(pilot)
            await pilot.press("n")
            await settle(pilot)
            await pilot.press(*"ada@", "tab", *"Ada", "ctrl+s")
            await settle(pilot)
            pilot.app.screen.query_one("#person-name").cursor_blink = False

        assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
