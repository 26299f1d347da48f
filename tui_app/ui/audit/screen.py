"""Audit log (`3`): what happened to the keys you may see, newest first.

A member sees events of their own keys, a manager their team's, an admin the whole
organisation's: the server decides. Pages come from the server (cursor); the next page
loads when the cursor reaches the last row, or with `end`.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Select
from textual.worker import Worker

from tui_app.domain.models import AuditEvent, Me
from tui_app.domain.timefmt import absolute
from tui_app.ui.audit.details import event_details
from tui_app.ui.safe import safe_text
from tui_app.ui.session import Session, SessionApp
from tui_app.ui.widgets.line_panel import LinePanel
from tui_app.ui.widgets.status_bar import StatusBar
from tui_app.ui.widgets.title_bar import TitleBar

PAGE_SIZE = 50
KNOWN_ACTIONS = (
    "key.created", "key.updated", "key.extended", "key.disabled", "key.enabled",
    "key.revoked", "key.deleted", "key.secret_reissued",
)


def _action_label(action: str) -> Text:
    return safe_text(action.removeprefix("key."))


class AuditScreen(Screen[None]):
    """Events of the keys you may see; filter by key and by action."""

    CSS_PATH = "audit.tcss"  # loaded when first shown, not before the first frame
    TITLE = "Audit log"
    BINDINGS = [
        Binding("r", "refresh_events", "Refresh", id="refresh-audit",
                tooltip="Load the newest events again"),
        # priority: the table's own `end` (scroll to bottom) would take it otherwise.
        Binding("end", "load_more", "More", id="audit-more", key_display="end", priority=True,
                tooltip="Load the next page of older events"),
        Binding("k", "focus_key_filter", "Key filter", id="audit-filter-key",
                tooltip="Show the events of one key"),
        Binding("a", "focus_action_filter", "Action filter", id="audit-filter-action",
                tooltip="Show one kind of event"),
    ]

    app = getters.app(SessionApp)
    table = getters.query_one("#audit-table", DataTable)
    key_select = getters.query_one("#audit-key", Select)
    action_select = getters.query_one("#audit-action", Select)

    def __init__(self) -> None:
        super().__init__(id="audit")
        self.events: list[AuditEvent] = []
        self.next_cursor: str | None = None
        self.loaded = False
        self._key_names: dict[str, str] = {}
        self._actions: set[str] = set(KNOWN_ACTIONS)
        self._listed_actions = len(self._actions)

    def compose(self) -> ComposeResult:
        yield TitleBar()
        with Horizontal(id="audit-filters"):
            yield Select([], prompt="All keys", id="audit-key", compact=True)
            yield Select(self._action_options(), prompt="All actions", id="audit-action",
                         compact=True)
        yield DataTable(id="audit-table", cursor_type="row", zebra_stripes=False)
        yield LinePanel(id="audit-details")
        yield StatusBar(id="status-bar")
        yield Footer(compact=True, show_command_palette=False)

    @property
    def session(self) -> Session:
        return self.app.session

    def on_mount(self) -> None:
        table = self.table
        table.add_column("When", width=16, key="when")
        table.add_column("Action", width=16, key="action")
        table.add_column("Key", width=22, key="key")
        table.add_column("By", width=14, key="actor")
        table.add_column("Via", width=4, key="source")
        table.border_title = "Events (loading…)"
        table.focus()
        self.session.ready.subscribe(self, self._on_backend_ready)
        if self.session.connected:
            self.load_events()
            self.load_key_names()

    def _on_backend_ready(self, _me: Me) -> None:
        self.load_events()
        self.load_key_names()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.session.report_worker_failure(event)  # worker events do not bubble

    def on_screen_resume(self) -> None:
        if self.loaded and self.session.connected:
            self.load_events()

    # -- filters -------------------------------------------------------------------------

    def _action_options(self) -> list[tuple[Text, str]]:
        return [(_action_label(a), a) for a in sorted(self._actions)]

    def _key_options(self) -> list[tuple[Text, str]]:
        items = sorted(self._key_names.items(), key=lambda kv: kv[1].casefold())
        return [(safe_text(name or key_id), key_id) for key_id, name in items]

    @work(exclusive=True, group="audit-keys", exit_on_error=False)
    async def load_key_names(self) -> None:
        keys = await self.session.call(lambda api: api.list_all_keys("all"),
                                       what="Loading your keys")
        if keys is None:
            return
        for key in keys:
            self._key_names.setdefault(key.id, key.name)
        self._refresh_key_options()

    def _refresh_key_options(self) -> None:
        select: Select[str] = self.key_select
        current = select.value
        with self.prevent(Select.Changed):
            select.set_options(self._key_options())
            if isinstance(current, str) and current in self._key_names:
                select.value = current

    def _filter(self, widget_id: str) -> str | None:
        value = self.query_one(widget_id, Select).value
        return value if isinstance(value, str) else None

    @on(Select.Changed)
    def _filter_changed(self) -> None:
        self.load_events()

    def action_focus_key_filter(self) -> None:
        self.key_select.focus()

    def action_focus_action_filter(self) -> None:
        self.action_select.focus()

    # -- loading -------------------------------------------------------------------------

    def action_refresh_events(self) -> None:
        self.load_events()

    def action_load_more(self) -> None:
        table = self.table
        if table.row_count:
            table.move_cursor(row=table.row_count - 1)
        if self.next_cursor:
            self.load_events(more=True)

    @work(exclusive=True, group="audit-load", exit_on_error=False)
    async def load_events(self, more: bool = False) -> None:
        key_id, action = self._filter("#audit-key"), self._filter("#audit-action")
        cursor = self.next_cursor if more else None
        page = await self.session.call(
            lambda api: api.audit(key_id=key_id, action=action, limit=PAGE_SIZE, cursor=cursor),
            what="Loading the audit log",
        )
        if page is None:
            return
        if not more:
            self.events = []
        self.events.extend(page.items)
        self.next_cursor = page.next_cursor
        self.loaded = True
        self._show(append=more, new=page.items)

    def _show(self, *, append: bool, new: tuple[AuditEvent, ...]) -> None:
        table = self.table
        now = self.session.clock()
        if not append:
            table.clear()
            if not new:
                self.query_one("#audit-details", LinePanel).show(event_details(None))
        for event in new:
            table.add_row(*self._cells(event, now), key=event.id)
            if event.key_id and event.key_name:
                self._key_names.setdefault(event.key_id, event.key_name)
            self._actions.add(event.action)
        more = " · more below (end)" if self.next_cursor else ""
        table.border_title = f"Events ({len(self.events)}{'+' if self.next_cursor else ''})"
        table.border_subtitle = (
            ("newest first, times in UTC" + more) if self.events else "no events match"
        )
        self._refresh_key_options()
        action_select: Select[str] = self.action_select
        if self._listed_actions != len(self._actions):  # a new kind of event showed up
            self._listed_actions = len(self._actions)
            current = action_select.value
            with self.prevent(Select.Changed):
                action_select.set_options(self._action_options())
                if isinstance(current, str):
                    action_select.value = current

    @staticmethod
    def _cells(event: AuditEvent, now: datetime) -> tuple[Text, Text, Text, Text, Text]:
        when = Text(absolute(event.at).removesuffix(" UTC"))
        actor = safe_text(event.actor.name or event.actor.email) if event.actor else Text("—")
        key = safe_text(event.key_name or event.key_id or "—")
        key.truncate(22, overflow="ellipsis")
        actor.truncate(14, overflow="ellipsis")
        return when, _action_label(event.action), key, actor, Text(event.source, style="dim")

    @on(DataTable.RowHighlighted, "#audit-table")
    def _show_details(self, event: DataTable.RowHighlighted) -> None:
        row = event.cursor_row
        shown = self.events[row] if 0 <= row < len(self.events) else None
        self.query_one("#audit-details", LinePanel).show(event_details(shown))

    @on(DataTable.RowHighlighted, "#audit-table")
    def _near_end(self, event: DataTable.RowHighlighted) -> None:
        if self.next_cursor and event.cursor_row >= event.data_table.row_count - 1:
            self.load_events(more=True)
