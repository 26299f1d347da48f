"""The modals at 80x24: wherever the focus goes, the field and the message under it are
on screen (the form's body scrolls; its title and buttons stay put)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from test_modal_support import ModalHost
from textual.errors import NoWidget
from textual.pilot import Pilot
from textual.widget import Widget

from tui_app.domain.clock import fixed_clock
from tui_app.domain.models import AgentKey, CreatedKey, Policy, UserRef
from tui_app.domain.roles import Role
from tui_app.domain.status import KeyStatus
from tui_app.ui.admin.modals import ExtendDaysModal
from tui_app.ui.my_keys.create_key import CreateKeyModal
from tui_app.ui.my_keys.edit_key import EditKeyModal
from tui_app.ui.my_keys.forms import KeyEdit, NewKeyRequest

SIZE = (80, 24)
NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
POLICY = Policy(max_lifetime_days=365, require_terms=False, key_env="live")
OWNER = UserRef("usr_01", "Ada Lovelace", "ada@example.test")


async def never_create(request: NewKeyRequest) -> CreatedKey:
    raise AssertionError("these tests never send the form")


async def never_edit(edit: KeyEdit) -> AgentKey:
    raise AssertionError("these tests never send the form")


def a_key() -> AgentKey:
    return AgentKey(
        id="key_01JDEMO0000000000000000000", name="nightly-report", description="",
        owner=OWNER, created_by=OWNER, created_at=NOW - timedelta(days=40),
        expires_at=NOW + timedelta(days=30), scope="read", allowed_tools=("search",),
        blocked_tools=(), rate_limit_rpm=None, hint="ak_live_…xP", last_used_at=None,
        last_used_tool=None, revoked_at=None, revoked_by=None, disabled_at=None,
        disabled_by=None, status=KeyStatus.ACTIVE, status_reason=None, version=1,
    )


def on_screen(widget: Widget) -> bool:
    """Every line of the widget is on screen, its own (not scrolled away, not under the
    form's docked buttons)."""
    region = widget.region
    if not region or region not in widget.screen.region:
        return False
    for y in range(region.y, region.bottom):
        for x in (region.x, region.right - 1):
            try:
                found, _ = widget.screen.get_widget_at(x, y)
            except NoWidget:  # nothing there: off screen
                return False
            if found is not widget and widget not in found.ancestors:
                return False
    return True


def focused_and_message_visible(app: ModalHost, message_id: str) -> bool:
    focused = app.screen.focused
    assert focused is not None
    return on_screen(focused) and on_screen(app.screen.query_one(f"#{message_id}"))


async def settle(pilot: Pilot[Any]) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


async def test_create_form_follows_the_focus_through_its_errors() -> None:
    app = ModalHost()
    async with app.run_test(size=SIZE) as pilot:
        app.open(CreateKeyModal(POLICY, Role.MEMBER, never_create, fixed_clock(NOW), zone=UTC))
        await settle(pilot)
        await pilot.press("x", "tab", "tab", "tab", "tab", *"rm -rf!", "tab", "y", "$",
                          "tab", "0", "ctrl+s")
        await settle(pilot)
        # The first field in error takes the focus.
        assert app.screen.focused is app.screen.query_one("#allowed-tools")
        assert focused_and_message_visible(app, "allowed-tools-error")
        await pilot.press("tab")
        await settle(pilot)
        assert app.screen.focused is app.screen.query_one("#blocked-tools")
        assert focused_and_message_visible(app, "blocked-tools-error")
        await pilot.press("tab")
        await settle(pilot)
        assert app.screen.focused is app.screen.query_one("#rate-limit-rpm")
        assert focused_and_message_visible(app, "rate-limit-rpm-error")
        # Back up to the top: the name is shown again.
        await pilot.press(*["shift+tab"] * 6)
        await settle(pilot)
        assert app.screen.focused is app.screen.query_one("#name")
        assert on_screen(app.screen.query_one("#name"))


async def test_create_form_shows_a_message_that_appears_under_the_focus() -> None:
    app = ModalHost()
    async with app.run_test(size=SIZE) as pilot:
        app.open(CreateKeyModal(POLICY, Role.MEMBER, never_create, fixed_clock(NOW), zone=UTC))
        await settle(pilot)
        await pilot.press("x", "tab", "tab", "tab", "tab", "tab", "tab")
        await settle(pilot)
        assert app.screen.focused is app.screen.query_one("#rate-limit-rpm")
        await pilot.press("0", "ctrl+s")
        await settle(pilot)
        assert app.screen.focused is app.screen.query_one("#rate-limit-rpm")
        assert focused_and_message_visible(app, "rate-limit-rpm-error")


async def test_edit_form_shows_the_calendar_and_its_message() -> None:
    app = ModalHost()
    async with app.run_test(size=SIZE) as pilot:
        app.open(EditKeyModal(a_key(), POLICY, never_edit, fixed_clock(NOW), zone=UTC))
        await settle(pilot)
        await pilot.press("tab", "tab", "6")  # a custom date: the calendar takes the focus
        await settle(pilot)
        assert app.screen.focused is app.screen.query_one("#expiry-calendar")
        assert on_screen(app.screen.query_one("#expiry-calendar"))
        await pilot.press("ctrl+s")  # no day picked yet
        await settle(pilot)
        assert app.screen.focused is app.screen.query_one("#expiry")
        assert focused_and_message_visible(app, "expires-at-error")


async def test_extend_days_shows_its_field_and_message() -> None:
    app = ModalHost()
    async with app.run_test(size=SIZE) as pilot:
        app.open(ExtendDaysModal())
        await settle(pilot)
        await pilot.press("backspace", "backspace", "0", "enter")
        await settle(pilot)
        assert app.screen.focused is app.screen.query_one("#extend-days")
        assert focused_and_message_visible(app, "extend-error")
