"""My keys against the real embedded server: create → secret works → revoke → rejected,
extend an expired key, disable/enable, delete rules, filter and panes."""

from __future__ import annotations

import re
from typing import Any

from shell_helpers import (
    SECRET,
    copy_secret_and_continue,
    create_key,
    make_app,
    screen_text,
    settle,
    wait_for,
    whoami,
)
from textual.widgets import Input

from tui_app.domain.status import KeyStatus
from tui_app.ui.my_keys.confirmations import REVOKE_WARNING
from tui_app.ui.my_keys.key_list import KeyList
from tui_app.ui.my_keys.screen import MyKeysScreen
from tui_app.ui.session import ConnectionState


def screen_of(app: Any) -> MyKeysScreen:
    screen = app.get_screen("my-keys") if False else app.screen
    assert isinstance(screen, MyKeysScreen), screen
    return screen


def names(app: Any, pane: str) -> list[str]:
    return [k.name for k in app.screen.query_one(f"#{pane}", KeyList).keys]


async def open_app(pilot: Any) -> MyKeysScreen:
    await settle(pilot)
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, MyKeysScreen)
                   and pilot.app.screen.loaded)
    await settle(pilot)
    return pilot.app.screen


async def test_starts_connected_and_shows_the_status(ui_server: Any, ui_clock: Any) -> None:
    app = make_app(ui_server, ui_clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_app(pilot)
        assert app.status.state is ConnectionState.CONNECTED
        assert app.me is not None and app.me.user.role.value == "admin"
        text = screen_text(app)
        assert ui_server.url.replace("http://", "") in text
        assert "connected" in text


async def test_create_through_the_modal_then_revoke(ui_server: Any, ui_clock: Any) -> None:
    """The secret shown works against whoami; after the revoke confirmation it is rejected."""
    from tui_app.ui.modals.confirm import ConfirmModal
    from tui_app.ui.my_keys.create_key import CreateKeyModal
    from tui_app.ui.my_keys.secret import SecretDialog

    app = make_app(ui_server, ui_clock)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_app(pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, CreateKeyModal))
        await pilot.press(*"nightly-report")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, SecretDialog))
        await settle(pilot)
        shown = SECRET.findall(app.export_screenshot())
        assert shown, "the secret dialog shows the full key"
        secret = shown[0]
        assert whoami(ui_server, secret) == 200

        await copy_secret_and_continue(pilot, screen)
        assert names(app, "active-keys") == ["nightly-report"]
        assert screen.selected_key is not None and screen.selected_key.name == "nightly-report"

        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        confirm = app.screen
        assert REVOKE_WARNING in confirm.body.plain
        assert "nightly-report" in confirm.body.plain
        assert app.focused is not None and app.focused.id == "confirm-cancel"
        await pilot.press("tab", "enter")
        await wait_for(pilot, lambda: app.screen is screen)
        await settle(pilot)
        assert names(app, "active-keys") == []
        assert names(app, "inactive-keys") == ["nightly-report"]
        assert whoami(ui_server, secret) == 401


async def test_revoke_cancelled_by_reflex_enter(ui_server: Any, ui_clock: Any) -> None:
    """Enter on the confirmation presses Cancel: nothing happens to the key."""
    create_key(ui_server, "keep-me", clock=ui_clock)
    app = make_app(ui_server, ui_clock)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_app(pilot)
        await pilot.press("R")
        await wait_for(pilot, lambda: app.screen is not screen)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen)
        await settle(pilot)
        assert names(app, "active-keys") == ["keep-me"]


async def test_extend_an_expired_key(ui_server: Any, ui_clock: Any) -> None:
    from tui_app.ui.my_keys.edit_key import EditKeyModal

    create_key(ui_server, "short-lived", days=1, clock=ui_clock)
    ui_clock.advance(days=3)
    app = make_app(ui_server, ui_clock)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_app(pilot)
        assert names(app, "inactive-keys") == ["short-lived"]
        assert screen.all_keys[0].status is KeyStatus.EXPIRED
        await pilot.press("tab")
        assert screen.selected_key is not None and screen.selected_key.name == "short-lived"
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, EditKeyModal))
        app.screen.query_one("#expiry-field").row.focus()  # the quick-select row
        await pilot.press("2")  # 30 days
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen)
        await settle(pilot)
        assert names(app, "active-keys") == ["short-lived"]
        assert names(app, "inactive-keys") == []


async def test_disable_then_enable(ui_server: Any, ui_clock: Any) -> None:
    secret = create_key(ui_server, "toggle-me", clock=ui_clock)["secret"]
    app = make_app(ui_server, ui_clock)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_app(pilot)
        await pilot.press("d")
        await wait_for(pilot, lambda: app.screen is not screen)
        await pilot.press("tab", "enter")
        await wait_for(pilot, lambda: app.screen is screen)
        await settle(pilot)
        assert names(app, "inactive-keys") == ["toggle-me"]
        assert whoami(ui_server, secret) == 401
        # The cursor followed the key into the Inactive pane: d enables it again.
        assert screen.selected_key is not None and screen.selected_key.name == "toggle-me"
        await pilot.press("d")
        await settle(pilot)
        assert names(app, "active-keys") == ["toggle-me"]
        assert whoami(ui_server, secret) == 200


async def test_delete_refused_for_an_active_key(ui_server: Any, ui_clock: Any) -> None:
    create_key(ui_server, "still-needed", clock=ui_clock)
    app = make_app(ui_server, ui_clock)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        screen = await open_app(pilot)
        await pilot.press("delete")
        await settle(pilot)
        assert app.screen is screen, "no confirmation for an active key"
        messages = [n.message for n in app._notifications]
        assert any("cannot be deleted" in m for m in messages), messages
        assert names(app, "active-keys") == ["still-needed"]


async def test_delete_a_revoked_key_warns_when_used_recently(ui_server: Any, ui_clock: Any) -> None:
    created = create_key(ui_server, "old-agent", clock=ui_clock)
    assert whoami(ui_server, created["secret"]) == 200  # records a use "now"
    from shell_helpers import api_client

    with api_client(ui_server) as client:
        assert client.post(f"/v1/keys/{created['key']['id']}/revoke").status_code == 200
    ui_clock.advance(hours=2)
    app = make_app(ui_server, ui_clock)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_app(pilot)
        await pilot.press("tab", "delete")
        await wait_for(pilot, lambda: app.screen is not screen)
        body = app.screen.body.plain
        assert "old-agent" in body
        assert "used 2 h ago" in body
        await pilot.press("tab", "enter")
        await wait_for(pilot, lambda: app.screen is screen)
        await settle(pilot)
        assert names(app, "inactive-keys") == []


async def test_filter_tab_and_expiring_flag(ui_server: Any, ui_clock: Any) -> None:
    create_key(ui_server, "alpha-agent", days=3, clock=ui_clock)
    create_key(ui_server, "beta-agent", days=60, clock=ui_clock)
    create_key(ui_server, "gamma-bot", description="nightly alpha job", days=90, clock=ui_clock)
    app = make_app(ui_server, ui_clock)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_app(pilot)
        assert names(app, "active-keys") == ["alpha-agent", "beta-agent", "gamma-bot"]
        active = screen.query_one("#active-keys", KeyList)
        assert "1 expiring soon" in str(active.border_title)
        assert "1 key expires within 7 days" in screen.sub_title
        assert "! in 3 days" in screen_text(app)

        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"alpha")
        assert names(app, "active-keys") == ["alpha-agent", "gamma-bot"]
        assert "2 of 3" in str(active.border_title)
        await pilot.press("escape")
        assert names(app, "active-keys") == ["alpha-agent", "beta-agent", "gamma-bot"]

        await pilot.press("tab")
        assert app.focused is screen.query_one("#inactive-keys")
        await pilot.press("tab")
        assert app.focused is active


async def test_refresh_shows_changes_made_elsewhere(ui_server: Any, ui_clock: Any) -> None:
    app = make_app(ui_server, ui_clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_app(pilot)
        assert names(app, "active-keys") == []
        create_key(ui_server, "from-the-cli", clock=ui_clock)
        await pilot.press("r")
        await settle(pilot)
        assert names(app, "active-keys") == ["from-the-cli"]


async def test_details_show_fields_and_recent_events(ui_server: Any, ui_clock: Any) -> None:
    create_key(ui_server, "detailed", description="used by the nightly job", clock=ui_clock)
    app = make_app(ui_server, ui_clock)
    async with app.run_test(size=(160, 40)) as pilot:
        await open_app(pilot)
        await pilot.pause(0.3)
        await settle(pilot)
        text = screen_text(app)
        assert re.search(r"Scope +read ", text)  # in words, as everywhere
        for expected in ("used by the nightly job", "2026-12-20 12:00 UTC",
                         "all tools", "no limit", "Recent changes", "created", "Agent activity",
                         "Calls, 30 days: 0"):
            assert expected in text, expected


async def test_screens_help_and_palette(ui_server: Any, ui_clock: Any) -> None:
    from tui_app.ui.audit.screen import AuditScreen
    from tui_app.ui.help.screen import HelpScreen

    create_key(ui_server, "k1", clock=ui_clock)
    app = make_app(ui_server, ui_clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_app(pilot)
        await pilot.press("3")
        await wait_for(pilot, lambda: isinstance(app.screen, AuditScreen))
        await settle(pilot)
        assert app.screen.events, "the audit log shows the creation"
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        text = screen_text(app)
        assert "Revoke" in text and "Filter" in text
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, AuditScreen))
        await pilot.press("1")
        await wait_for(pilot, lambda: isinstance(app.screen, MyKeysScreen))
