"""Details of the highlighted key: every field, absolute times, what agents did with it
(activity: calls per day and the latest calls) and what people changed (audit events).

Built as a Rich grid of `Text` cells from safe_text, never markup from data.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from tui_app.domain.expiry import is_expiring_soon
from tui_app.domain.status import KeyStatus
from tui_app.domain.timefmt import absolute, relative
from tui_app.domain.validation import scope_words
from tui_app.ui.activity.key_panel import KeyActivityPanel
from tui_app.ui.safe import safe_text
from tui_app.ui.widgets.key_panel import KeyPanel
from tui_app.ui.widgets.line_panel import LinePanel

if TYPE_CHECKING:
    # Annotations only: the models (and their parsing) load with the client, after
    # the first frame.
    from tui_app.client.api import ApiClient
    from tui_app.domain.models import AgentKey, AuditEvent, UserRef

RECENT_EVENTS = 5

_REASON_TEXT = {
    "owner_deactivated": "its owner was deactivated",
    "expired": "press e to extend",
    "revoked": "permanent, cannot be undone",
}


def _who(user: UserRef | None) -> Text:
    if user is None:
        return Text("—", style="dim")
    return safe_text(user.name or user.email)


def disabled_by(key: AgentKey) -> Text:
    """'disabled by Ada Admin (admin)': who, and the role that says who may enable it
    again (a key a manager or admin disabled stays so for its owner)."""
    who = key.disabled_by
    if who is None:
        return Text("disabled")
    role = who.role or ("owner" if who.id == key.owner.id else "")
    text = Text("disabled by ") + safe_text(who.name or who.email)
    return text + Text(f" ({role})") if role else text


def _when(when: datetime | None, now: datetime, *, none: str = "never") -> Text:
    if when is None:
        return Text(none, style="dim")
    return Text(f"{absolute(when)} ({relative(when, now)})")


def _tools(tools: Sequence[str], empty: str) -> Text:
    if not tools:
        return Text(empty, style="dim")
    return safe_text(", ".join(tools))


def key_fields(key: AgentKey, now: datetime) -> Table:
    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(ratio=1, overflow="fold")
    status = Text(key.status.value.upper(), style="bold")
    if key.status_reason == "disabled":
        status.append(" — ", style="")
        status.append_text(disabled_by(key))
    elif key.status is not KeyStatus.ACTIVE and key.status_reason:
        status.append(f" — {_REASON_TEXT.get(key.status_reason, key.status_reason)}",
                      style="")
    expires = _when(key.expires_at, now, none="never (no expiration)")
    if is_expiring_soon(key.status, key.expires_at, now):
        expires = Text("! ", style="bold yellow") + expires + Text(" — expires soon",
                                                                     style="bold yellow")
    rows: list[tuple[str, Text]] = [
        ("Name", safe_text(key.name)),
        ("Status", status),
        ("Hint", Text(key.hint)),
        ("ID", Text(key.id)),
        ("About", safe_text(key.description, keep_newlines=True)
         if key.description else Text("—", style="dim")),
        ("Owner", _who(key.owner)),
        ("Created", _when(key.created_at, now)),
        ("By", _who(key.created_by)),
        ("Expires", expires),
        ("Used", _when(key.last_used_at, now)),
        ("Tool", safe_text(key.last_used_tool) if key.last_used_tool
         else Text("—", style="dim")),
        ("Scope", Text(scope_words(key.scope))),
        ("Allowed", _tools(key.allowed_tools, "all tools")),
        ("Blocked", _tools(key.blocked_tools, "none")),
        ("Limit", Text(f"{key.rate_limit_rpm} requests/min" if key.rate_limit_rpm
                            else "no limit")),
    ]
    if key.disabled_at is not None:
        rows.append(("Disabled", _when(key.disabled_at, now) + Text(" by ") +
                     _who(key.disabled_by)))
    if key.revoked_at is not None:
        rows.append(("Revoked", _when(key.revoked_at, now) + Text(" by ") +
                     _who(key.revoked_by)))
    rows.append(("Version", Text(str(key.version), style="dim")))
    for label, value in rows:
        grid.add_row(label, value)
    return grid


def event_lines(events: Sequence[AuditEvent], now: datetime) -> Text:
    if not events:
        return Text("no events yet", style="dim")
    lines = Text()
    for event in events:
        lines.append(f"{relative(event.at, now):>12}  ", style="dim")
        lines.append_text(safe_text(event.action, "bold"))
        lines.append("  ")
        lines.append_text(_who(event.actor))
        lines.append(f" via {event.source}\n", style="dim")
    lines.rstrip()
    return lines


class KeyEventsPanel(KeyPanel[tuple["AuditEvent", ...]]):
    """What people changed on the highlighted key, newest first (the audit log's
    entries for it), following the cursor as the activity panel does."""

    async def fetch(self, api: ApiClient, key_id: str) -> tuple[AuditEvent, ...]:
        return (await api.audit(key_id=key_id, limit=RECENT_EVENTS)).items

    def placeholder(self) -> RenderableType:
        return Text("loading recent events…", style="dim")

    def failure(self, why: str) -> RenderableType:
        return Text(f"Recent changes not available: {why}", style="dim")

    def draw(self, loaded: tuple[AuditEvent, ...]) -> RenderableType:
        return event_lines(loaded, self.app.session.clock())


class KeyDetails(VerticalScroll, can_focus=False):
    """The right-hand side of My keys: it follows the cursor, so its panels repaint only
the lines that differ from the key shown before (line_panel.py)."""

    def compose(self) -> ComposeResult:
        yield LinePanel(id="key-fields")
        yield Static(Text("Agent activity", style="bold underline"), id="key-activity-title")
        yield KeyActivityPanel(id="key-activity")
        yield Static(Text("Recent changes", style="bold underline"), id="key-events-title")
        yield KeyEventsPanel(id="key-events")

    def show(self, key: AgentKey | None, now: datetime,
             neighbours: Sequence[str] = ()) -> None:
        """Show `key`; `neighbours` are the keys the cursor may go to next."""
        key_id = key.id if key else None
        self.query_one("#key-activity", KeyActivityPanel).follow(key_id, neighbours)
        self.query_one("#key-events", KeyEventsPanel).follow(key_id, neighbours)
        fields = self.query_one("#key-fields", LinePanel)
        if key is None:
            fields.show(Text("No key selected. Press n to create one.", style="dim"))
            return
        fields.show(Group(key_fields(key, now)))

    def forget_events(self) -> None:
        """The keys changed: their recent changes are asked for again."""
        self.query_one("#key-events", KeyEventsPanel).forget()
