"""What the Admin screen says about its keys: the details of the highlighted key in five
lines and its activity under them (calls per day, the last client and address; the
latest calls too when the terminal is tall), and the title (whose keys, which preset).

Each details line is cut with an ellipsis rather than wrapped, so the panel never grows; names,
people and tools are untrusted text and go through the sanitiser.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical

from tui_app.domain.models import AgentKey, Me
from tui_app.domain.roles import Role
from tui_app.domain.timefmt import absolute
from tui_app.domain.validation import scope_words
from tui_app.ui.activity.key_panel import KeyActivityPanel
from tui_app.ui.my_keys.key_details import disabled_by
from tui_app.ui.safe import safe_text
from tui_app.ui.widgets.line_panel import LinePanel

TALL = 36  # from this many lines, the latest calls show under the details
TALL_ENTRIES = 3


def key_details(key: AgentKey | None, *, table_empty: bool) -> Text:
    if key is None:
        return Text("No key highlighted." if table_empty else "loading…", style="dim")
    text = Text(no_wrap=True, overflow="ellipsis")

    def field(label: str, value: Text | str, end: str = "   ") -> None:
        text.append(f"{label}: ", style="bold")
        text.append_text(value if isinstance(value, Text) else Text(value))
        text.append(end)

    reason = (key.status_reason or "").replace("_", " ")
    status = Text(str(key.status))
    if key.status_reason == "disabled":
        status += Text(" — ") + disabled_by(key)
    elif reason and reason != str(key.status):
        status += Text(f" ({reason})")
    field("Name", safe_text(key.name))
    field("Status", status)
    field("Id", key.id, "\n")
    field("Owner", safe_text(f"{key.owner.name} <{key.owner.email}>"))
    created_by = (key.created_by.name or key.created_by.email) if key.created_by else "—"
    field("Created by", safe_text(created_by), "\n")
    field("Created", absolute(key.created_at))
    field("Expires", absolute(key.expires_at))
    last = absolute(key.last_used_at)
    field("Last used", safe_text(last + (f" ({key.last_used_tool})"
                                         if key.last_used_tool else "")), "\n")
    field("Scope", scope_words(key.scope))
    field("Rate limit", f"{key.rate_limit_rpm}/min" if key.rate_limit_rpm else "none")
    field("Tools", safe_text(" ".join(key.allowed_tools) or "all"))
    field("Blocked", safe_text(" ".join(key.blocked_tools) or "none"), "\n")
    field("Description", safe_text(key.description or "—"), "")
    return text


def scope_title(me: Me | None, preset: str, *, changed: bool) -> Text:
    """Whose keys the screen lists (the server decides), and the preset in use."""
    if me is None:
        scope = "Connecting…"
    elif me.user.role is Role.ADMIN:
        scope = "All keys in the organisation"
    else:
        teams = ", ".join(me.user.teams)
        scope = "Your teams' keys" + (f" ({teams})" if teams else "")
    title = Text(scope, style="bold")
    title.append(f"  ·  preset: {preset}", style="dim")
    if changed:
        title.append(" (changed)", style="dim")
    return title


class AdminDetails(Vertical):
    """The highlighted key: its fields, then its activity (loaded when the cursor rests).

    The fields are a LinePanel: moving the cursor repaints only the lines that differ
    from the key before (labels and many values stay), not the whole panel."""

    def compose(self) -> ComposeResult:
        yield LinePanel(id="admin-key-text")
        yield KeyActivityPanel(compact=True, entries=0, id="admin-key-activity")

    def show(self, key: AgentKey | None, *, table_empty: bool,
             neighbours: Sequence[str] = ()) -> None:
        """Show `key`; `neighbours` are the keys the cursor may go to next."""
        self.query_one("#admin-key-text", LinePanel).show(
            key_details(key, table_empty=table_empty))
        panel = self.query_one("#admin-key-activity", KeyActivityPanel)
        panel.entries = TALL_ENTRIES if self.screen.size.height >= TALL else 0
        panel.follow(key.id if key else None, neighbours)
