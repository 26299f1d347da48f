"""The line above a form's buttons that sums up its fields' errors: its words are true
wherever the fields are, and it goes once every field is fixed."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from test_modal_small_terminal import (
    NOW,
    POLICY,
    a_key,
    never_create,
    never_edit,
    settle,
)
from test_modal_support import ModalHost
from textual.widgets import Input, Static

from tui_app.domain.clock import fixed_clock
from tui_app.domain.roles import Role
from tui_app.ui.my_keys.create_key import CreateKeyModal
from tui_app.ui.my_keys.edit_key import EditKeyModal

SIZE = (80, 24)


def banner(app: ModalHost) -> str:
    widget = app.screen.query_one("#form-error", Static)
    return str(widget.render()) if widget.display else ""


def create_modal() -> CreateKeyModal:
    return CreateKeyModal(POLICY, Role.MEMBER, never_create, fixed_clock(NOW), zone=UTC)


async def set_value(pilot: Any, widget_id: str, value: str) -> None:
    pilot.app.screen.query_one(f"#{widget_id}", Input).value = value
    await settle(pilot)


async def test_banner_names_no_direction() -> None:
    app = ModalHost()
    async with app.run_test(size=SIZE) as pilot:
        app.open(create_modal())
        await settle(pilot)
        await pilot.press("ctrl+s")  # the name is missing
        await settle(pilot)
        text = banner(app)
        assert "need fixing" in text and "ctrl+s" in text
        assert "below" not in text and "above" not in text


async def test_banner_stays_while_a_field_is_wrong_and_goes_when_all_are_fixed() -> None:
    app = ModalHost()
    async with app.run_test(size=SIZE) as pilot:
        app.open(create_modal())
        await settle(pilot)
        await set_value(pilot, "allowed-tools", "rm -rf!")
        await set_value(pilot, "rate-limit-rpm", "0")
        await pilot.press("ctrl+s")  # three fields wrong: name, tools, RPM
        await settle(pilot)
        assert "need fixing" in banner(app)
        await set_value(pilot, "allowed-tools", "search")
        await set_value(pilot, "rate-limit-rpm", "60")
        assert "need fixing" in banner(app)  # the name still is
        await set_value(pilot, "name", "agent")
        assert banner(app) == ""


async def test_fixing_the_expiry_clears_the_banner() -> None:
    app = ModalHost()
    async with app.run_test(size=SIZE) as pilot:
        app.open(EditKeyModal(a_key(), POLICY, never_edit, fixed_clock(NOW), zone=UTC))
        await settle(pilot)
        await pilot.press("tab", "tab", "6", "ctrl+s")  # a custom date, no day picked
        await settle(pilot)
        assert "need fixing" in banner(app)
        await pilot.press("2")  # 30 days instead
        await settle(pilot)
        assert banner(app) == ""
