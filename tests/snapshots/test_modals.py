"""Snapshots of the modals: fixed clock, UTC, fake data, no cursor blink.

The secret dialog shows a fixed fake secret: no real key ever appears in a snapshot.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input

import tui_app.ui
from tui_app.domain.clock import fixed_clock
from tui_app.domain.models import AgentKey, CreatedKey, Policy, UserRef
from tui_app.domain.roles import Role
from tui_app.domain.status import KeyStatus
from tui_app.ui.admin.modals import ExportModal, ExtendDaysModal
from tui_app.ui.modals.confirm import ConfirmModal
from tui_app.ui.my_keys.create_key import CreateKeyModal
from tui_app.ui.my_keys.edit_key import EditKeyModal
from tui_app.ui.my_keys.forms import KeyEdit, NewKeyRequest
from tui_app.ui.my_keys.secret import SecretDialog
from tui_app.ui.safe import safe_text

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
CLOCK = fixed_clock(NOW)
POLICY = Policy(max_lifetime_days=365, require_terms=False, key_env="live")
FAKE_SECRET = "ak_live_" + "FAKEfake0123456789" * 2 + "FAKE" + "Zq81xP"
OWNER = UserRef("usr_01", "Ada Lovelace", "ada@example.test")


def fake_key(**changes: Any) -> AgentKey:
    values: dict[str, Any] = {
        "id": "key_01JDEMO0000000000000000000",
        "name": "nightly-report",
        "description": "Summarises yesterday's tickets",
        "owner": OWNER,
        "created_by": OWNER,
        "created_at": NOW - timedelta(days=40),
        "expires_at": NOW + timedelta(days=30),
        "scope": "read",
        "allowed_tools": ("search", "read_file"),
        "blocked_tools": ("delete_repo",),
        "rate_limit_rpm": 600,
        "hint": "ak_live_…xP",
        "last_used_at": None,
        "last_used_tool": None,
        "revoked_at": None,
        "revoked_by": None,
        "disabled_at": None,
        "disabled_by": None,
        "status": KeyStatus.ACTIVE,
        "status_reason": None,
        "version": 4,
    }
    values.update(changes)
    return AgentKey(**values)


async def never_create(request: NewKeyRequest) -> CreatedKey:
    raise AssertionError("snapshots do not submit")


async def never_edit(edit: KeyEdit) -> AgentKey:
    raise AssertionError("snapshots do not submit")


class ModalHost(App[None]):
    CSS_PATH = Path(tui_app.ui.__file__).parent / "app.tcss"

    def __init__(self, modal: Screen[Any]) -> None:
        super().__init__()
        self.modal = modal

    def on_mount(self) -> None:
        self.push_screen(self.modal)


class AdminModalHost(ModalHost):
    """The Admin screen's modals are styled by its stylesheet, always loaded before them."""

    CSS_PATH = [ModalHost.CSS_PATH, Path(tui_app.ui.__file__).parent / "admin" / "admin.tcss"]


def create_modal(role: Role = Role.MEMBER) -> ModalHost:
    return ModalHost(CreateKeyModal(POLICY, role, never_create, CLOCK, zone=UTC))


async def settle(pilot: Pilot[Any]) -> None:
    for widget in pilot.app.screen.query(Input):
        widget.cursor_blink = False
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


class TestCreateKeyModal:
    def test_empty(self, snap_compare: Any) -> None:
        """The empty form: name focused, 30 days picked with its date, read scope."""
        assert snap_compare(create_modal(), terminal_size=(100, 34), run_before=settle)

    def test_validation_errors(self, snap_compare: Any) -> None:
        """Red messages under name, allowed tools and RPM, and a summary line at the bottom."""

        async def run_before(pilot: Pilot[Any]) -> None:
            screen = pilot.app.screen
            screen.query_one("#allowed-tools", Input).value = "search, rm -rf!"
            screen.query_one("#rate-limit-rpm", Input).value = "0"
            await pilot.press("ctrl+s")
            await settle(pilot)

        assert snap_compare(create_modal(), terminal_size=(100, 34), run_before=run_before)

    def test_fits_80x24(self, snap_compare: Any) -> None:
        """At 80x24 every field is on screen and the buttons stay visible at the bottom."""
        assert snap_compare(create_modal(), terminal_size=(80, 24), run_before=settle)

    def test_80x24_last_field_with_errors(self, snap_compare: Any) -> None:
        """80x24 after ctrl+s with bad tools and RPM, then tab to Requests/min: the body
        scrolled so the RPM row and its message show under the tools' messages, the
        summary line and buttons at the bottom, '^s Create  esc Cancel' in the footer."""

        async def run_before(pilot: Pilot[Any]) -> None:
            await pilot.press("x", "tab", "tab", "tab", "tab", *"rm -rf!", "tab", "y", "$",
                              "tab", "0", "ctrl+s", "tab", "tab")
            await settle(pilot)

        assert snap_compare(create_modal(), terminal_size=(80, 24), run_before=run_before)

    def test_calendar_open(self, snap_compare: Any) -> None:
        """Custom date: the calendar shows December 2026, cursor on the 22nd (30 days on)."""

        async def run_before(pilot: Pilot[Any]) -> None:
            await pilot.press("tab", "tab", "6")
            await settle(pilot)

        assert snap_compare(create_modal(), terminal_size=(100, 34), run_before=run_before)


class TestSecretDialog:
    def test_shows_key_once(self, snap_compare: Any) -> None:
        """The fake key in a box, the one-time warning, curl to /v1/agent/whoami, the
        backend-only reminder, then "Connect an agent" and Claude Code's lines with the
        fake key (the rest scrolls), Copy and "I copied it, continue"."""
        dialog = SecretDialog(
            CreatedKey(fake_key(), FAKE_SECRET), "http://127.0.0.1:8765", env={}
        )
        assert snap_compare(ModalHost(dialog), terminal_size=(100, 30), run_before=settle)

    def test_80x24(self, snap_compare: Any) -> None:
        """The same dialog at 80x24: the key whole, both buttons and the footer visible."""
        dialog = SecretDialog(
            CreatedKey(fake_key(), FAKE_SECRET), "http://127.0.0.1:8765", env={}
        )
        assert snap_compare(ModalHost(dialog), terminal_size=(80, 24), run_before=settle)


class TestEditKeyModal:
    def test_expired_key(self, snap_compare: Any) -> None:
        """An expired key: "Expired 3 days ago — pick a new date to reactivate", name and
        description filled in, Keep selected, scope/tools/RPM locked in a box."""
        key = fake_key(expires_at=NOW - timedelta(days=3), status=KeyStatus.EXPIRED)
        modal = EditKeyModal(key, POLICY, never_edit, CLOCK, zone=UTC)
        assert snap_compare(ModalHost(modal), terminal_size=(100, 34), run_before=settle)


    def test_80x24_last_field_with_errors(self, snap_compare: Any) -> None:
        """80x24, name emptied and a custom date without a day, ctrl+s, then tab to the
        expiry choices: they are focused, the calendar and "Pick a date in the calendar"
        under it in view, the summary line and Save at the bottom."""

        async def run_before(pilot: Pilot[Any]) -> None:
            pilot.app.screen.query_one("#name", Input).value = ""
            await pilot.press("tab", "tab", "6", "ctrl+s", "tab", "tab")
            await settle(pilot)

        modal = EditKeyModal(fake_key(), POLICY, never_edit, CLOCK, zone=UTC)
        assert snap_compare(ModalHost(modal), terminal_size=(80, 24), run_before=run_before)


class TestExtendDaysModal:
    def test_80x24_with_error(self, snap_compare: Any) -> None:
        """80x24, 0 days then enter: the field focused with "Enter a number of days, 1 to
        36500." under it, Cancel and Continue, 'esc Cancel' in the footer."""

        async def run_before(pilot: Pilot[Any]) -> None:
            await pilot.press("backspace", "backspace", "0", "enter")
            await settle(pilot)

        assert snap_compare(AdminModalHost(ExtendDaysModal()), terminal_size=(80, 24),
                            run_before=run_before)


class TestExportModal:
    def test_80x24_with_error(self, snap_compare: Any) -> None:
        """80x24, a path in a folder that does not exist: the path field focused with "No
        such folder: /nonexistent-agentkeys" under it, Cancel and Export."""

        async def run_before(pilot: Pilot[Any]) -> None:
            pilot.app.screen.query_one("#export-path", Input).value = (
                "/nonexistent-agentkeys/keys.csv")
            await pilot.press("enter")
            await settle(pilot)

        modal = ExportModal(Path("~/agentkeys-export-2026-11-22.csv"), 1234)
        assert snap_compare(AdminModalHost(modal), terminal_size=(80, 24), run_before=run_before)


class TestConfirmModal:
    def test_revoke(self, snap_compare: Any) -> None:
        """Revoke confirmation with a red border; focus (highlight) on Cancel."""
        body = safe_text("Revoke “nightly-report”? ")
        body.append(
            "All requests using this key will be rejected immediately. This cannot be undone."
        )
        modal = ConfirmModal("Revoke key?", body, "Revoke")
        assert snap_compare(ModalHost(modal), terminal_size=(80, 24), run_before=settle)
