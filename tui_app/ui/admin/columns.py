"""The Admin key table's columns, wide and at 80 columns, and how a row's times read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tui_app.domain.models import AgentKey
from tui_app.domain.timefmt import compact, relative
from tui_app.ui.safe import safe_message


def last_used(key: AgentKey, now: datetime, *, with_tool: bool) -> str:
    """'3 h ago · search_docs': when, and with which tool (cleaned: agents name tools)."""
    when = compact(relative(key.last_used_at, now))
    if with_tool and key.last_used_at is not None and key.last_used_tool:
        return f"{when} · {safe_message(key.last_used_tool)}"
    return when


@dataclass(frozen=True)
class Column:
    key: str  # the server's sort name, or "" when the column cannot sort
    title: str
    width: int  # 0 = takes the remaining width
    sort_key: str = ""  # Shift+letter; created is A (k9s: age), as C connects an agent


WIDE = (
    Column("", " ", 1),
    Column("name", "Name", 0, "N"),
    Column("owner", "Owner", 18, "O"),
    Column("status", "Status", 9, "S"),
    Column("created_at", "Created", 10, "A"),
    Column("expires_at", "Expires", 10, "E"),
    Column("", "Scope", 14),  # "read and write"
    Column("last_used_at", "Last used", 22, "L"),  # "3 h ago · search_docs"
)
# At 80 columns: shorter owner, times and scope so the name keeps room.
NARROW = (
    Column("", " ", 1),
    Column("name", "Name", 0, "N"),
    Column("owner", "Owner", 11, "O"),
    Column("status", "Status", 9, "S"),
    Column("created_at", "Created", 10, "A"),  # "59 min ago"
    Column("expires_at", "Expires", 9, "E"),  # "in 59 min"
    Column("", "Scope", 5),
    Column("last_used_at", "Last used", 10, "L"),
)
SORT_KEYS = {c.sort_key: c.key for c in WIDE if c.sort_key}
STATUS_STYLE = {"active": "green", "inactive": "yellow", "expired": "magenta", "revoked": "red"}
