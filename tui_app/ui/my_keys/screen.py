"""My keys: the Active and Inactive panes, the details of the highlighted key, actions.

Every network call runs in a worker through the session (session.py), whose one error
policy turns failures into messages: the screen keeps working. The modals (create,
edit, secret, confirm) are imported when first used, which keeps the first paint light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.lazy import Lazy
from textual.screen import Screen
from textual.widgets import Footer, Input
from textual.worker import Worker

from tui_app.domain.status import KeyStatus
from tui_app.ui.connect.binding import CONNECT_BINDING_UNSHOWN
from tui_app.ui.my_keys.key_details import KeyDetails
from tui_app.ui.my_keys.key_list import KeyList
from tui_app.ui.my_keys.panes import panes
from tui_app.ui.session import Session, SessionApp
from tui_app.ui.widgets.status_bar import StatusBar
from tui_app.ui.widgets.title_bar import TitleBar

if TYPE_CHECKING:
    # Annotations only: the models (and their parsing) load with the client, after
    # the first frame.
    from tui_app.domain.models import AgentKey, Me



class MyKeysScreen(Screen[None]):
    """Your own keys: Active pane, Inactive pane, details of the highlighted key."""

    TITLE = "My keys"
    BINDINGS = [
        Binding("n", "new_key", "New", id="new-key", tooltip="Create a key"),
        Binding("e", "edit_key", "Edit", id="edit-key",
                tooltip="Rename, describe or extend the highlighted key (also when expired)"),
        Binding("d", "toggle_key", "Disable/enable", id="toggle-key",
                tooltip="Disable the highlighted key, or enable it again"),
        Binding("R", "revoke_key", "Revoke", id="revoke-key", key_display="R",
                tooltip="Revoke the highlighted key for good"),
        Binding("delete", "delete_key", "Delete", id="delete-key", key_display="del",
                tooltip="Delete an inactive, expired or revoked key"),
        CONNECT_BINDING_UNSHOWN,  # the footer is full at 80 columns
        Binding("S", "key_sessions", "Sessions", id="key-sessions", key_display="S",
                show=False,  # the footer is full at 80 columns: help and palette list it
                tooltip="The agents connected with the highlighted key; end a session"),
        Binding("slash", "filter_keys", "Filter", id="filter-keys", key_display="/",
                tooltip="Show only keys whose name, description, id or tools match"),
        # Not in the footer, which is full at 80 columns: the list reloads after every change.
        Binding("r", "refresh_keys", "Refresh", id="refresh-keys", show=False,
                tooltip="Load your keys again"),
        Binding("tab", "switch_pane", "Switch pane", id="switch-pane", show=False,
                tooltip="Move between the Active and Inactive panes"),
        Binding("escape", "clear_filter", "Clear filter", id="clear-filter", show=False,
                tooltip="Clear the filter"),
    ]

    app = getters.app(SessionApp)
    filter_box = getters.query_one("#key-filter", Input)
    active_list = getters.query_one("#active-keys", KeyList)
    inactive_list = getters.query_one("#inactive-keys", KeyList)
    details = getters.query_one("#key-details", KeyDetails)

    def __init__(self) -> None:
        super().__init__(id="my-keys")
        self.all_keys: list[AgentKey] = []
        self.filter_text = ""
        self.loaded = False
        self._pane = "active-keys"

    def compose(self) -> ComposeResult:
        yield TitleBar()
        with Horizontal(id="my-keys-body"):
            with Vertical(id="key-lists"):
                # Hidden until `/`: mounted just after the first frame (Lazy), which
                # does not need it.
                yield Lazy(Input(placeholder="filter: name, description, id or tool — esc clears",
                                 id="key-filter", classes="-hidden"))
                yield KeyList("active", id="active-keys")
                yield KeyList("inactive", id="inactive-keys")
            yield KeyDetails(id="key-details")
        yield StatusBar(id="status-bar")
        yield Footer(compact=True, show_command_palette=False)

    @property
    def session(self) -> Session:
        return self.app.session

    def on_mount(self) -> None:
        self.active_list.border_title = "Active (loading…)"
        self.inactive_list.border_title = "Inactive"
        self.details.border_title = "Details"
        self.active_list.focus()
        session = self.session
        session.ready.subscribe(self, self._on_backend_ready)
        session.early_view.subscribe(self, self._show_first_view)
        self.set_interval(60, self._render_lists)  # relative times stay true
        if session.connected:
            self.load_keys()
        elif session.early is not None:
            self._show_first_view(session.early[1])

    def _on_backend_ready(self, _me: Me) -> None:
        key = self.selected_key if self.loaded else None
        self.load_keys(keep_id=key.id if key else None)

    def _show_first_view(self, keys: list[AgentKey]) -> None:
        """The keys fetched at start-up, before the client is ready (Session.show_early);
        load_keys replaces them as soon as it is."""
        if self.loaded:
            return
        self._show_loaded(keys, None, first=True)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.session.report_worker_failure(event)  # worker events do not bubble

    def on_screen_resume(self) -> None:
        if self.loaded and self.session.connected:
            self.load_keys()

    # -- loading and showing -------------------------------------------------------------

    @work(exclusive=True, group="keys-load", exit_on_error=False)
    async def load_keys(self, keep_id: str | None = None) -> None:
        keys = await self.session.own_keys()
        if keys is None:
            return
        self._show_loaded(keys, keep_id, first=not self.loaded)

    def _show_loaded(self, keys: list[AgentKey], keep_id: str | None, *, first: bool) -> None:
        self.all_keys = list(keys)
        self.details.forget_events()  # a change made them: ask again
        self.loaded = True
        self._render_lists(keep_id, details=not first)
        if first:
            # The rows first, then the details pane and its events (the rows are what
            # the start-up waits for), then the start-up is over.
            self.call_after_refresh(self._show_details)
            self.call_after_refresh(self.session.startup_done)

    def _render_lists(self, keep_id: str | None = None, *, details: bool = True) -> None:
        if not self.loaded:
            return
        now = self.session.clock()
        shown = panes(self.all_keys, self.filter_text, now)
        active_list, inactive_list = self.active_list, self.inactive_list
        active_list.show(shown.active, now, keep_id=keep_id)
        inactive_list.show(shown.inactive, now, keep_id=keep_id)
        active_list.border_title = shown.active_title
        inactive_list.border_title = shown.inactive_title
        active_list.border_subtitle = shown.active_subtitle
        inactive_list.border_subtitle = shown.inactive_subtitle
        self.sub_title = shown.sub_title
        if keep_id is not None:
            target = ("inactive-keys" if keep_id in {k.id for k in shown.inactive}
                      else "active-keys")
            if self._pane != target:
                self.query_one(f"#{target}", KeyList).focus()
        if details:
            self._show_details()

    @property
    def current_list(self) -> KeyList:
        return self.query_one(f"#{self._pane}", KeyList)

    @property
    def selected_key(self) -> AgentKey | None:
        return self.current_list.highlighted

    def _show_details(self) -> None:
        key = self.selected_key
        # The rows above and below load too, so a one-row move finds its key's activity
        # and events ready and repaints once.
        neighbours = self.current_list.neighbours if key is not None else []
        self.details.show(key, self.session.clock(), neighbours)

    @on(KeyList.Highlighted)
    def _key_highlighted(self, event: KeyList.Highlighted) -> None:
        if event.table.id == self._pane:
            self._show_details()

    def on_descendant_focus(self, event: Any) -> None:
        widget = event.widget
        if isinstance(widget, KeyList) and widget.id != self._pane:
            self._pane = widget.id or "active-keys"
            self._show_details()

    # -- filter, panes, refresh ----------------------------------------------------------

    def action_filter_keys(self) -> None:
        box = self.filter_box
        box.remove_class("-hidden")
        box.focus()

    def action_clear_filter(self) -> None:
        box = self.filter_box
        if box.has_class("-hidden"):
            return
        box.value = ""
        box.add_class("-hidden")
        self.current_list.focus()

    @on(Input.Changed, "#key-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value
        self._render_lists()

    @on(Input.Submitted, "#key-filter")
    def _filter_done(self) -> None:
        if not self.filter_text:
            self.filter_box.add_class("-hidden")
        self.current_list.focus()

    def action_switch_pane(self) -> None:
        other = "inactive-keys" if self._pane == "active-keys" else "active-keys"
        if self.focused is not None and not isinstance(self.focused, KeyList):
            other = self._pane  # from the filter box: back to the pane you were in
        self.query_one(f"#{other}", KeyList).focus()

    def action_refresh_keys(self) -> None:
        self.load_keys()

    # -- actions -------------------------------------------------------------------------

    def _ready(self) -> bool:
        if self.session.me is None or self.session.api is None:
            self.notify("Still connecting to the server…", markup=False)
            return False
        return True

    def _key_or_say(self) -> AgentKey | None:
        key = self.selected_key
        if key is None:
            self.notify("No key is highlighted.", markup=False)
        return key

    @work(exclusive=True, group="key-action", exit_on_error=False)
    async def action_new_key(self) -> None:
        if not self._ready():
            return
        from tui_app.ui.my_keys.create_key import CreateKeyModal
        from tui_app.ui.my_keys.secret import SecretDialog

        session = self.session
        me = session.me
        assert me is not None
        created = await self.app.push_screen_wait(CreateKeyModal(
            me.policy, me.user.role,
            lambda req: session.watching(lambda api: api.create_key(**req.as_create_kwargs())),
            session.clock,
        ))
        if created is None:
            return
        self.load_keys(keep_id=created.key.id)
        await self.app.push_screen_wait(SecretDialog(created, session.server_url,
                                                     public_url=me.public_url))

    def action_connect_agent(self) -> None:
        if not self._ready():
            return
        from tui_app.ui.connect.screen import open_connect

        open_connect(self, self.session, self.selected_key)

    def action_key_sessions(self) -> None:
        if not self._ready() or (key := self._key_or_say()) is None:
            return
        from tui_app.ui.my_keys.sessions import KeySessionsModal

        self.app.push_screen(KeySessionsModal(key, self.session))

    @work(exclusive=True, group="key-action", exit_on_error=False)
    async def action_edit_key(self) -> None:
        if not self._ready() or (key := self._key_or_say()) is None:
            return
        if key.status is KeyStatus.REVOKED:
            self.notify("A revoked key cannot be edited or extended; create a new one.",
                        markup=False, severity="warning")
            return
        from tui_app.ui.my_keys.edit_key import EditKeyModal

        session = self.session
        me = session.me
        assert me is not None
        saved = await self.app.push_screen_wait(EditKeyModal(
            key, me.policy,
            lambda edit: session.watching(
                lambda api: api.update_key(key.id, **edit.as_update_kwargs())),
            session.clock,
            reload=lambda key_id: session.watching(lambda api: api.get_key(key_id)),
        ))
        if saved is not None:
            from tui_app.ui.my_keys.key_changes import say_done

            say_done(self, "Saved", saved)
            self.load_keys(keep_id=saved.id)

    # The flows live in key_changes.py, imported when first used (it brings the
    # confirmation modal, which the first paint does not need).
    @work(exclusive=True, group="key-action", exit_on_error=False)
    async def action_toggle_key(self) -> None:
        from tui_app.ui.my_keys import key_changes

        if self._ready() and (key := self._key_or_say()) is not None:
            self._after(await key_changes.toggle(self, self.session, key))

    @work(exclusive=True, group="key-action", exit_on_error=False)
    async def action_revoke_key(self) -> None:
        from tui_app.ui.my_keys import key_changes

        if self._ready() and (key := self._key_or_say()) is not None:
            self._after(await key_changes.revoke(self, self.session, key))

    @work(exclusive=True, group="key-action", exit_on_error=False)
    async def action_delete_key(self) -> None:
        from tui_app.ui.my_keys import key_changes

        key = self._key_or_say() if self._ready() else None
        if key is not None and await key_changes.delete(self, self.session, key):
            self.load_keys()

    def _after(self, changed: AgentKey | None) -> None:
        """A key that changed stays highlighted, in whichever pane it now belongs."""
        if changed is not None:
            self.load_keys(keep_id=changed.id)
