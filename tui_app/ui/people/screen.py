"""The People screen: everyone in the organisation (admins) or in your teams (managers).

Admins add people (their first login token in a copy-once dialog), edit their name, role
and teams, deactivate and reactivate them (a confirmation says how many working keys stop)
and give them a new login token. Managers read; members are refused politely, as on Admin.
The table pages people from the server (`GET /v1/users`), so the first rows cost one
page however many people there are.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.timer import Timer
from textual.widgets import Input, Static

from tui_app.domain.models import Page, User
from tui_app.domain.roles import Role
from tui_app.ui.admin_view import AdminViewScreen
from tui_app.ui.people.confirmations import (
    activation_confirm,
    activation_done,
    token_confirm,
)
from tui_app.ui.people.details import PRESETS, details_text, title_text
from tui_app.ui.people.person_form import PersonFormModal, PersonSaved
from tui_app.ui.people.table import PeopleTable
from tui_app.ui.people.teams_modal import TeamsModal
from tui_app.ui.people.token_dialog import LoginTokenDialog
from tui_app.ui.safe import safe_message

PAGE_LIMIT = 100
ADMINS_ONLY = "Only admins may change people; managers read their teams."
CHANGES = frozenset({"add_person", "edit_person", "toggle_active", "new_login_token"})
SEARCH_DELAY = 0.3  # seconds of quiet typing before the filter reloads


class PeopleScreen(AdminViewScreen):
    """People, their roles, teams and keys."""

    CSS_PATH = "people.tcss"  # loaded when first shown, not before the first frame
    TITLE = "People"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "add_person", "Add", id="people-add",
                tooltip="Add a person; shows their login token once (admins)"),
        Binding("e", "edit_person", "Edit", id="people-edit",
                tooltip="Change the highlighted person's name, role or teams (admins)"),
        Binding("d", "toggle_active", "Deactivate", id="people-deactivate",
                tooltip="Deactivate the highlighted person (their keys stop), or "
                        "reactivate them (admins)"),
        Binding("t", "new_login_token", "Login token", id="people-login-token",
                tooltip="Give the highlighted person a new login token (admins)"),
        Binding("T", "show_teams", "Teams", id="people-teams",
                tooltip="The teams and their sizes; admins add and rename them"),
        Binding("slash", "focus_search", "Filter", key_display="/", id="people-filter",
                tooltip="Filter by name or email"),
        Binding("p", "next_preset", "Preset", id="people-preset",
                tooltip="Cycle: everyone, active, deactivated, admins, managers, services"),
        Binding("r", "refresh", "Refresh", id="people-refresh", tooltip="Reload from the server"),
        Binding("escape", "focus_table", "Back to the table", show=False,
                id="people-focus-table"),
    ]

    AUTO_FOCUS = "#people-table"

    table = getters.query_one("#people-table", PeopleTable)
    title_line = getters.query_one("#people-title", Static)
    details_widget = getters.query_one("#people-details", Static)
    search = getters.query_one("#people-search", Input)

    def __init__(self) -> None:
        super().__init__(id="people")
        self.preset_index = 0
        self.q = ""
        self._search_timer: Timer | None = None

    @property
    def may_change(self) -> bool:
        me = self.session.me
        return me is not None and me.user.role is Role.ADMIN

    # -- layout ----------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        yield Static("", id="people-title")
        yield Input(placeholder="/ filter by name or email", id="people-search",
                    compact=True)
        yield PeopleTable(clock=self.session.clock, id="people-table")
        yield Static("", id="people-details")

    def _connected(self, first: bool) -> None:
        self.reload()

    def _show_title(self) -> None:
        self.title_line.update(title_text(self.session.me, PRESETS[self.preset_index][0]),
                               layout=False)

    # -- querying --------------------------------------------------------------

    def query_params(self) -> dict[str, Any]:
        return {**PRESETS[self.preset_index][1], "q": self.q or None}

    def reload(self, *, keep_position: bool = False) -> None:
        if not self._usable:
            return
        api = self.session.api
        assert api is not None  # usable only once connected
        params = self.query_params()

        async def fetch(cursor: str | None, limit: int) -> Page[User]:
            return await api.list_users(**params, cursor=cursor, limit=limit)

        row = self.table.cursor_row
        self.table.reset(fetch)
        if keep_position and row:
            self.table.cursor_row = row
        self._show_title()

    @on(PeopleTable.PersonHighlighted)
    def _highlighted(self, event: PeopleTable.PersonHighlighted) -> None:
        empty = self.table.row_count == 0 or (not self.table.is_loading
                                             and self.table.pages.head.exhausted
                                             and self.table.pages.head.loaded_end == 0)
        text = details_text(event.user, self.session.clock(), empty=empty)
        self.details_widget.update(text, layout=False)

    @on(PeopleTable.PageLoaded)
    def _page_loaded(self) -> None:
        if self.table.person is None:
            self._highlighted(PeopleTable.PersonHighlighted(None))

    @on(PeopleTable.LoadFailed)
    def _load_failed(self, event: PeopleTable.LoadFailed) -> None:
        self.session.report(event.error, "Loading people")

    # -- filters ---------------------------------------------------------------

    @on(Input.Changed, "#people-search")
    def _search_changed(self, event: Input.Changed) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(SEARCH_DELAY, self._apply_search)

    @on(Input.Submitted, "#people-search")
    def _search_submitted(self) -> None:
        self._apply_search()
        self.table.focus()

    def _apply_search(self) -> None:
        q = self.search.value.strip()
        if q != self.q:
            self.q = q
            self.reload()

    def action_focus_search(self) -> None:
        self.search.focus()

    def action_focus_table(self) -> None:
        self.table.focus()

    def action_next_preset(self) -> None:
        self.preset_index = (self.preset_index + 1) % len(PRESETS)
        self.reload()
        self.notify(f"Showing: {PRESETS[self.preset_index][0]}", markup=False, timeout=2)

    def action_refresh(self) -> None:
        self.reload(keep_position=True)

    def action_show_teams(self) -> None:
        if self._usable:
            self.app.push_screen(TeamsModal(self.session, may_change=self.may_change),
                                 lambda changed: self.reload(keep_position=True)
                                 if changed else None)

    # -- changes (admins) ------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # A manager's footer shows the admins' keys dimmed: there, but not theirs to use.
        if action in CHANGES and self.session.me is not None and not self.may_change:
            return None
        return True

    def _may_act(self) -> bool:
        """Whether the caller may change people now (says why not)."""
        if not self._usable:
            return False
        if not self.may_change:
            self.notify(ADMINS_ONLY, markup=False, timeout=4)
            return False
        return True

    def _target(self) -> User | None:
        """The highlighted person, if an admin may act on them now."""
        if not self._may_act():
            return None
        person = self.table.person
        if person is None:
            self.notify("No person highlighted.", markup=False, timeout=3)
        return person

    def action_add_person(self) -> None:
        if self._may_act():
            self._add_person()

    @work(exclusive=True, group="people-change", exit_on_error=False)
    async def _add_person(self) -> None:
        saved = await self.app.push_screen_wait(PersonFormModal(self.session))
        if saved is None:
            return
        await self._show_token(saved)
        self.reload(keep_position=True)

    async def _show_token(self, saved: PersonSaved) -> None:
        if saved.login_token is None:
            return
        await self.app.push_screen_wait(
            LoginTokenDialog(saved.user, saved.login_token, self.session.server_url))

    def action_edit_person(self) -> None:
        person = self._target()
        if person is not None:
            self._edit_person(person)

    @work(exclusive=True, group="people-change", exit_on_error=False)
    async def _edit_person(self, person: User) -> None:
        saved = await self.app.push_screen_wait(PersonFormModal(self.session, person))
        if saved is not None:
            self.notify(f"Saved {safe_message(saved.user.name)}.", markup=False, timeout=3)
            self.reload(keep_position=True)

    def action_toggle_active(self) -> None:
        person = self._target()
        if person is not None:
            self._toggle_active(person)

    @work(exclusive=True, group="people-change", exit_on_error=False)
    async def _toggle_active(self, person: User) -> None:
        if not await self.app.push_screen_wait(activation_confirm(person)):
            return
        result = await self.session.call(
            lambda api: (api.deactivate_user if person.active else api.reactivate_user)(
                person.id),
            what="Deactivating" if person.active else "Reactivating")
        if result is not None:
            self.notify(activation_done(*result), markup=False, timeout=5)
            self.reload(keep_position=True)

    def action_new_login_token(self) -> None:
        person = self._target()
        if person is not None:
            self._new_login_token(person)

    @work(exclusive=True, group="people-change", exit_on_error=False)
    async def _new_login_token(self, person: User) -> None:
        if not await self.app.push_screen_wait(token_confirm(person)):
            return
        result = await self.session.call(lambda api: api.new_login_token(person.id),
                                         what="Making a login token")
        if result is not None:
            user, token = result
            await self._show_token(PersonSaved(user, token))
