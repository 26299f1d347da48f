"""One pane of My keys (Active or Inactive): a LineTable of the person's keys.

A person's keys are few (they arrive all at once), so the pane holds them as a list and
renders the visible lines from it; untrusted names go through safe.py's cleaner and are
drawn as plain segments, never parsed as markup (a name like "[link=…]" must stay
text). Columns are laid out at render time, when the pane's width is known, so keys
shown before any layout (prefetched at start-up) still get names at their full width. The cursor
stays on the same key by id when the keys are shown again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.style import Style
from textual.geometry import Size
from textual.strip import Strip

from tui_app.domain.expiry import is_expiring_soon
from tui_app.domain.status import KeyStatus
from tui_app.domain.timefmt import relative
from tui_app.ui.safe import safe_message
from tui_app.ui.widgets.line_table import Cell, LineTable

if TYPE_CHECKING:
    # Annotations only: the models (and their parsing) load with the client, after
    # the first frame.
    from tui_app.domain.models import AgentKey

# From this pane width, Last used names the tool too ("3 h ago · search_docs").
WITH_TOOL = 64
LAST_USED_WITH_TOOL = 24
EXPIRING_FLAG = "!"  # a character, not only a colour: it must read the same with NO_COLOR

_REASONS = {
    "disabled": "disabled",
    "owner_deactivated": "owner off",
    "expired": "expired",
    "revoked": "revoked",
}


def status_word(key: AgentKey) -> str:
    """'active', 'revoked', 'expired', 'disabled' or 'owner off' (short, for lists)."""
    if key.status is KeyStatus.INACTIVE:
        return _REASONS.get(key.status_reason or "", "inactive")
    return key.status.value


def status_since(key: AgentKey) -> datetime | None:
    """When the key left the Active pane, as far as we know."""
    if key.status is KeyStatus.REVOKED:
        return key.revoked_at
    if key.status is KeyStatus.EXPIRED:
        return key.expires_at
    return key.disabled_at



_EXPIRING = Style.parse("bold yellow")
_DIM = Style.parse("dim")
_ITALIC = Style.parse("italic")


class KeyList(LineTable):
    """The Active or the Inactive pane."""

    # Title and width of the two fixed columns; the name takes what they leave.
    _COLUMNS: ClassVar[dict[str, tuple[tuple[str, int], tuple[str, int]]]] = {
        "active": (("Expires", 12), ("Last used", 12)),
        "inactive": (("Status", 9), ("Since", 12)),
    }

    COMPONENT_CLASSES: ClassVar[set[str]] = {"key-list--header", "key-list--cursor"}

    # The look of Textual's DataTable, which these panes were until the start-up's
    # budget asked for something lighter (line_table.py).
    DEFAULT_CSS = """
    KeyList {
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        overflow-y: auto;
        & > .key-list--header { text-style: bold; background: $panel; color: $foreground; }
        &:ansi > .key-list--header { background: ansi_bright_blue; color: ansi_default; }
        & > .key-list--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus {
            background-tint: $foreground 5%;
            & > .key-list--header { background-tint: $foreground 5%; }
            & > .key-list--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
        }
    }
    """

    def __init__(self, pane: str, *, id: str) -> None:
        super().__init__(id=id)
        self.pane = pane
        self.keys: list[AgentKey] = []
        self._now: datetime | None = None

    @property
    def row_count(self) -> int:
        return len(self.keys)

    def key_at(self, row: int) -> AgentKey | None:
        return self.keys[row] if 0 <= row < len(self.keys) else None

    def show(self, keys: Sequence[AgentKey], now: datetime, *, keep_id: str | None = None) -> None:
        """Replace the rows, keeping the cursor on `keep_id` (or the current key)."""
        current = keep_id or (self.highlighted.id if self.highlighted else None)
        self.keys = list(keys)
        self._now = now
        self.virtual_size = Size(0, len(self.keys) + 1)  # + the header line
        ids = [key.id for key in self.keys]
        self.refresh()  # every row may have changed (a cursor move repaints only its rows)
        self._move(ids.index(current) if current in ids else self.cursor_row)

    def on_resize(self) -> None:
        self.scroll_to_cursor()  # keys shown before the first layout: now it can

    # -- rendering -------------------------------------------------------------

    def _widths(self) -> list[int]:
        (_, second), (_, third) = self._COLUMNS[self.pane]
        width = self.scrollable_content_region.width
        if self.pane == "active" and width >= WITH_TOOL:
            third = LAST_USED_WITH_TOOL
        name = width - second - third - 3  # 3 spaces
        return [0, max(6, name), second, third]  # the first: the space before the name

    def render_line(self, y: int) -> Strip:
        if y == 0:
            (second, _), (third, _) = self._COLUMNS[self.pane]
            cells: list[Cell] = [("", None), ("Name", None), (second, None), (third, None)]
            return self.to_strip(cells, self._widths(),
                                 self.get_component_rich_style("key-list--header"))
        row = round(self.scroll_y) + y - 1
        if row >= len(self.keys) or self._now is None:
            return Strip.blank(self.scrollable_content_region.width, self.rich_style)
        cells = self._cells(self.keys[row], self._now)
        if row != self.cursor_row:
            return self.to_strip(cells, self._widths(), self.rich_style)
        # The cursor's colours win over the cells' (yellow on the cursor would not read).
        cursor = self.rich_style + self.get_component_rich_style("key-list--cursor")
        return self.to_strip([(text, None) for text, _ in cells], self._widths(), cursor)

    def _cells(self, key: AgentKey, now: datetime) -> list[Cell]:
        name = safe_message(key.name)
        if self.pane == "active":
            expires = relative(key.expires_at, now)
            used = relative(key.last_used_at, now)
            if (key.last_used_at is not None and key.last_used_tool
                    and self.scrollable_content_region.width >= WITH_TOOL):
                used = f"{used} · {safe_message(key.last_used_tool)}"
            if is_expiring_soon(key.status, key.expires_at, now):
                return [("", None), (name, None), (f"{EXPIRING_FLAG} {expires}", _EXPIRING),
                        (used, _DIM)]
            return [("", None), (name, None), (expires, None), (used, _DIM)]
        since = status_since(key)
        return [("", None), (name, None), (status_word(key), _ITALIC),
                (relative(since, now, none="") if since else "", _DIM)]
