"""The edit/extend modal against the real backend, and the keyboard calendar."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from test_modal_support import (
    Backend,
    ModalHost,
    backend_fixture,  # noqa: F401 - provides the `backend` fixture
)
from textual.app import App, ComposeResult
from textual.widgets import Button, Input, Static

from tui_app.client.api import ApiClient
from tui_app.domain.models import AgentKey
from tui_app.domain.status import KeyStatus
from tui_app.ui.my_keys.edit_key import EditKeyModal
from tui_app.ui.my_keys.forms import KeyEdit
from tui_app.ui.widgets.calendar import Calendar, add_months

SIZE = (100, 40)


def updater(api: ApiClient, key_id: str, seen: list[KeyEdit]) -> Any:
    async def submit(edit: KeyEdit) -> AgentKey:
        seen.append(edit)
        return await api.update_key(key_id, **edit.as_update_kwargs())

    return submit


def shown(app: App[Any], widget_id: str) -> str:
    widget = app.screen.query_one(f"#{widget_id}", Static)
    return str(widget.render()) if widget.display else ""


async def test_extend_an_expired_key_reactivates_it(backend: Backend) -> None:
    api = backend.client()
    me = await api.me()
    created = await api.create_key(
        name="old", expires_at=backend.clock() + timedelta(days=7), scope="read",
        allowed_tools=["search"],
    )
    backend.clock.advance(days=10)  # expired 3 days ago
    key = await api.get_key(created.key.id)
    assert key.status is KeyStatus.EXPIRED
    seen: list[KeyEdit] = []
    app = ModalHost(api)
    async with app.run_test(size=SIZE) as pilot:
        app.open(EditKeyModal(key, me.policy, updater(api, key.id, seen), backend.clock))
        await pilot.pause()
        assert "Expired 3 days ago — pick a new date to reactivate" in shown(app, "edit-expired")
        locked = shown(app, "edit-locked")
        assert "Scope: read" in locked and "search" in locked
        assert "revoke and create a new key" in locked
        assert not app.screen.query("#scope") and not app.screen.query(Input).filter("#scope")
        assert app.screen.focused is app.screen.query_one("#expiry")  # opened to extend
        await pilot.press("2")  # 30 days from now
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
    [updated] = app.results
    assert updated.status is KeyStatus.ACTIVE
    assert seen[0].if_match == key.version
    assert updated.expires_at is not None
    assert abs((updated.expires_at - backend.clock()).days - 30) <= 1
    await api.aclose()


async def test_an_active_key_opens_on_the_expiry_so_a_digit_never_replaces_the_name(
        backend: Backend) -> None:
    api = backend.client()
    me = await api.me()
    created = await api.create_key(name="keep-me", expires_at=backend.clock() + timedelta(days=7))
    app = ModalHost(api)
    seen: list[KeyEdit] = []
    async with app.run_test(size=SIZE) as pilot:
        app.open(EditKeyModal(created.key, me.policy, updater(api, created.key.id, seen),
                              backend.clock))
        await pilot.pause()
        assert app.screen.focused is app.screen.query_one("#expiry")
        await pilot.press("2")  # 30 days from now
        name = app.screen.query_one("#name", Input)
        for _ in range(4):  # the name is a few shift+tabs back
            if app.screen.focused is name:
                break
            await pilot.press("shift+tab")
        assert app.screen.focused is name and name.value == "keep-me"
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
    [updated] = app.results
    assert updated.name == "keep-me"
    assert updated.expires_at is not None
    assert abs((updated.expires_at - backend.clock()).days - 30) <= 1
    await api.aclose()


async def test_rename_keeps_expiry(backend: Backend) -> None:
    api = backend.client()
    me = await api.me()
    created = await api.create_key(name="before", expires_at=backend.clock() + timedelta(days=7))
    app = ModalHost(api)
    seen: list[KeyEdit] = []
    async with app.run_test(size=SIZE) as pilot:
        app.open(EditKeyModal(created.key, me.policy, updater(api, created.key.id, seen),
                              backend.clock))
        await pilot.pause()
        assert app.screen.query_one("#name", Input).value == "before"
        app.screen.query_one("#name", Input).value = "after"
        app.screen.query_one("#description", Input).value = "renamed"
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
    [updated] = app.results
    assert (updated.name, updated.description) == ("after", "renamed")
    assert updated.expires_at == created.key.expires_at
    assert not seen[0].expiry_changed
    assert updated.version == created.key.version + 1
    await api.aclose()


async def test_conflict_offers_reload_and_keeps_input(backend: Backend) -> None:
    api = backend.client()
    me = await api.me()
    created = await api.create_key(name="shared", expires_at=backend.clock() + timedelta(days=7))
    app = ModalHost(api)
    seen: list[KeyEdit] = []
    async with app.run_test(size=SIZE) as pilot:
        app.open(EditKeyModal(created.key, me.policy, updater(api, created.key.id, seen),
                              backend.clock))
        await pilot.pause()
        # Someone else renames the key while the form is open.
        await api.update_key(created.key.id, name="renamed-elsewhere")
        app.screen.query_one("#description", Input).value = "my note"
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "changed elsewhere" in shown(app, "form-error")
        assert app.screen.query_one("#form-reload", Button).has_class("-visible")
        assert app.screen.query_one("#description", Input).value == "my note"
        assert app.results == []

        await pilot.press("ctrl+r")  # reload: uses app.api.get_key
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "renamed-elsewhere" in shown(app, "form-error")
        assert app.screen.query_one("#description", Input).value == "my note"
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
    [updated] = app.results
    assert updated.description == "my note" and updated.name == "shared"
    assert [e.if_match for e in seen] == [1, 2]
    await api.aclose()


async def test_edit_validation_and_escape(backend: Backend) -> None:
    api = backend.client()
    me = await api.me()
    created = await api.create_key(name="valid", expires_at=backend.clock() + timedelta(days=7))
    app = ModalHost(api)
    seen: list[KeyEdit] = []
    async with app.run_test(size=SIZE) as pilot:
        app.open(EditKeyModal(created.key, me.policy, updater(api, created.key.id, seen),
                              backend.clock))
        await pilot.pause()
        app.screen.query_one("#name", Input).value = "   "
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Give the key a name" in shown(app, "name-error")
        await pilot.press("escape")
        await pilot.pause()
    assert app.results == [None] and seen == []
    assert (await api.get_key(created.key.id)).name == "valid"
    await api.aclose()


# -- calendar --------------------------------------------------------------------------------


class CalendarHost(App[None]):
    def __init__(self, calendar: Calendar) -> None:
        super().__init__()
        self.calendar = calendar
        self.picked: list[date] = []

    def compose(self) -> ComposeResult:
        yield self.calendar

    def on_calendar_picked(self, event: Calendar.Picked) -> None:
        self.picked.append(event.day)


async def test_calendar_keyboard_navigation() -> None:
    calendar = Calendar(date(2026, 1, 31), today=date(2026, 1, 15))
    app = CalendarHost(calendar)
    async with app.run_test(size=(40, 12)) as pilot:
        calendar.focus()
        await pilot.press("right")
        assert calendar.cursor == date(2026, 2, 1)
        await pilot.press("left", "left")
        assert calendar.cursor == date(2026, 1, 30)
        await pilot.press("down")
        assert calendar.cursor == date(2026, 2, 6)
        await pilot.press("up", "up")
        assert calendar.cursor == date(2026, 1, 23)
        await pilot.press("pagedown")
        assert calendar.cursor == date(2026, 2, 23)
        await pilot.press("pageup", "pageup")
        assert calendar.cursor == date(2025, 12, 23)
        await pilot.press("enter")
        await pilot.pause()
        assert app.picked == [date(2025, 12, 23)]
        assert calendar.selected == date(2025, 12, 23)
        assert "December 2025" in calendar.render().plain


async def test_calendar_bounds_clamp_and_refuse() -> None:
    calendar = Calendar(
        date(2026, 1, 10), min_date=date(2026, 1, 5), max_date=date(2026, 2, 10)
    )
    app = CalendarHost(calendar)
    async with app.run_test(size=(40, 12)) as pilot:
        calendar.focus()
        await pilot.press("up")
        assert calendar.cursor == date(2026, 1, 5)
        await pilot.press("pagedown", "pagedown")
        assert calendar.cursor == date(2026, 2, 10)
        await pilot.press("home")
        assert calendar.cursor == date(2026, 1, 5)
        await pilot.press("end", "enter")
        await pilot.pause()
        assert app.picked == [date(2026, 2, 10)]


def test_add_months_clamps_to_the_month_end() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 3, 31), -13) == date(2025, 2, 28)
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)


HOSTILE = "[@click=app.quit]x[/] [/bad] \x1b]52;c;ZXZpbA==\x07 \u202eevil"


async def test_hostile_names_render_literally(backend: Backend) -> None:
    """Names from older data or other clients: shown as text, never markup or escapes."""
    api = backend.client()
    me = await api.me()
    created = await api.create_key(name="plain", expires_at=backend.clock() + timedelta(days=7))
    key = replace(created.key, name=HOSTILE, description=HOSTILE,
                  allowed_tools=("[b]x[/b]",))
    app = ModalHost(api)
    seen: list[KeyEdit] = []
    async with app.run_test(size=SIZE) as pilot:
        app.open(EditKeyModal(key, me.policy, updater(api, key.id, seen), backend.clock))
        await pilot.pause()
        title = shown(app, "edit-title")
        assert "[@click=app.quit]x[/]" in title and "[/bad]" in title
        assert "\x1b" not in title and "\u202e" not in title
        assert "\x1b" not in app.screen.query_one("#name", Input).value
        assert "[b]x[/b]" in shown(app, "edit-locked")
        assert "\x1b" not in app.export_screenshot()
        # Saving without touching the name checks the original, which has control
        # characters: the user is told to remove them, nothing is sent.
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "control, bidi or zero-width" in shown(app, "name-error")
        assert seen == [] and app.results == []
    await api.aclose()


async def test_digit_from_the_calendar_picks_a_preset_and_keeps_focus_visible(
    backend: Backend,
) -> None:
    api = backend.client()
    me = await api.me()
    created = await api.create_key(name="cal", expires_at=backend.clock() + timedelta(days=7))
    app = ModalHost(api)
    async with app.run_test(size=SIZE) as pilot:
        app.open(EditKeyModal(created.key, me.policy, updater(api, created.key.id, []),
                              backend.clock))
        await pilot.pause()
        app.screen.query_one("#expiry").focus()
        await pilot.press("6")
        await pilot.pause()
        calendar = app.screen.query_one("#expiry-calendar", Calendar)
        assert calendar.has_focus and calendar.display
        await pilot.press("right", "enter")
        await pilot.pause()
        assert "Expires" in shown(app, "expiry-summary")
        await pilot.press("3")  # 60 days, from inside the calendar
        await pilot.pause()
        assert not calendar.display
        assert app.screen.focused is app.screen.query_one("#expiry")
        assert "in 60 days" in shown(app, "expiry-summary")
    await api.aclose()
