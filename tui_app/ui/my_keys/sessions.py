"""A key's sessions (`S` on My keys): the agents connected with it, and a way to end one.

A session is what an approved connection holds: it acts as its key until it ends on its
own. Ended sessions (ended by a person, or expired) stay listed, dimmed and marked, so
the list also says who was connected. Ending one asks first (focus on Cancel); the key
itself keeps working. A modal rather than a panel in the details: the details pane is
full at 80x24, and sessions are looked at far less often than keys.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Static
from textual.worker import Worker

from tui_app.domain.timefmt import absolute, relative
from tui_app.domain.validation import scope_words
from tui_app.ui.safe import safe_message, safe_text

if TYPE_CHECKING:
    from tui_app.domain.connections import KeySession
    from tui_app.domain.models import AgentKey
    from tui_app.ui.session import Session

CLIENT_WIDTH = 20


def ends_words(item: KeySession, now: datetime) -> str:
    """When it ends, or how it ended."""
    if item.revoked_at is not None:
        return f"ended {relative(item.revoked_at, now)}"
    if item.expires_at <= now:
        return f"expired {relative(item.expires_at, now)}"
    return f"ends {relative(item.expires_at, now)}"


def session_row(item: KeySession, now: datetime) -> tuple[Text, ...]:
    style = "" if item.active(now) else "dim"
    client = safe_text(item.client_name, style)
    client.truncate(CLIENT_WIDTH, overflow="ellipsis")
    return (client, Text(scope_words(item.scope), style),
            Text(relative(item.created_at, now), style),
            Text(relative(item.last_used_at, now), style),
            Text(ends_words(item, now), style if item.active(now) else "dim italic"))


def session_detail(item: KeySession | None, now: datetime) -> Text:
    if item is None:
        return Text("No agent has connected with this key yet. Approve one on the "
                    "Connections screen (6).", style="dim")
    text = safe_text(item.client_name, "bold")
    text.append(f" · {scope_words(item.scope)} · "
                f"{'active' if item.active(now) else 'ended'}\n")
    text.append(f"Connected {absolute(item.created_at)} · last used "
                f"{absolute(item.last_used_at)}\n", style="dim")
    if item.revoked_at is not None:
        text.append(f"Ended {absolute(item.revoked_at)} by a person", style="dim")
    else:
        verb = "Ends" if item.active(now) else "Expired"
        text.append(f"{verb} {absolute(item.expires_at)} unless renewed", style="dim")
    return text


class KeySessionsModal(ModalScreen[None]):
    CSS_PATH = "sessions.tcss"  # loaded when first shown, not before the first frame
    BINDINGS = [
        Binding("R", "end_session", "End session", key_display="R", id="end-session",
                tooltip="End the highlighted session: its agent must connect again"),
        Binding("escape", "close", "Close", id="sessions-close", tooltip="Close"),
    ]

    table = getters.query_one("#sessions-table", DataTable)
    detail = getters.query_one("#session-detail", Static)

    def __init__(self, key: AgentKey, session: Session) -> None:
        super().__init__()
        self.key = key
        self.session = session
        self.items: tuple[KeySession, ...] = ()
        self.loaded = False

    def compose(self) -> ComposeResult:
        with Vertical(id="sessions-dialog"):
            title = Text("Sessions of ", style="bold")
            title.append_text(safe_text(self.key.name, "bold"))
            yield Static(title, id="sessions-title")
            yield DataTable(id="sessions-table", cursor_type="row", zebra_stripes=False)
            yield Static("", id="session-detail")
        yield Footer(compact=True)  # the modal's own keys, not the screen's below

    def on_mount(self) -> None:
        table = self.table
        for label in ("Client", "Scope", "Connected", "Last used", "Ends"):
            table.add_column(label)
        table.focus()
        self.load()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.session.report_worker_failure(event)  # worker events do not bubble

    @work(exclusive=True, group="sessions-load", exit_on_error=False)
    async def load(self) -> None:
        key_id = self.key.id
        items = await self.session.call(lambda api: api.key_sessions(key_id),
                                        what="Loading the key's sessions")
        if items is None:
            return
        now = self.session.clock()
        table, row = self.table, self.table.cursor_row
        self.items = items
        table.clear()
        for item in items:
            table.add_row(*session_row(item, now), key=item.id)
        if items:
            table.move_cursor(row=min(row, len(items) - 1))
        active = sum(item.active(now) for item in items)
        table.border_title = f"{active} active of {len(items)}"
        self.loaded = True
        self._show_detail()

    @on(DataTable.RowHighlighted, "#sessions-table")
    def _show_detail(self) -> None:
        self.detail.update(session_detail(self.highlighted, self.session.clock()))

    @property
    def highlighted(self) -> KeySession | None:
        row = self.table.cursor_row
        return self.items[row] if self.items and 0 <= row < len(self.items) else None

    @work(exclusive=True, group="key-action", exit_on_error=False)
    async def action_end_session(self) -> None:
        item = self.highlighted
        now = self.session.clock()
        if item is None:
            self.notify("No session is highlighted.", markup=False)
            return
        if not item.active(now):
            self.notify("This session has ended already.", markup=False)
            return
        from tui_app.ui.modals.confirm import ConfirmModal

        body = Text("End the session of ") + safe_text(item.client_name, "bold") + Text(
            " on ") + safe_text(self.key.name, "bold") + Text(
            "?\n\nIts agent is refused from its next request and must connect again. "
            "The key itself keeps working.")
        if not await self.app.push_screen_wait(ConfirmModal("End session", body,
                                                            "End session")):
            return
        ended = await self.session.call(lambda api: api.revoke_session(item.id),
                                        what="Ending the session")
        if ended is not None:
            self.notify(f"Ended the session of {safe_message(item.client_name)}.",
                        markup=False)
            self.load()

    def action_close(self) -> None:
        self.dismiss(None)
