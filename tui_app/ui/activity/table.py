"""The Activity screen's table: entries newest first, rendered line by line.

A `LineTable` (widgets/line_table.py) like the key tables: only visible lines are
rendered, from plain cleaned strings. Entries arrive in pages from the server; the table
asks for the next one (`NeedMore`) when the view nears the end of what it holds, and
takes newer entries at the top (`prepend`) for the live tail, keeping the cursor on the
entry it was on, so a person reading further down is not moved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.style import Style
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip

from tui_app.domain.clock import Clock, system_clock
from tui_app.ui.activity.render import result_word, short_time
from tui_app.ui.safe import safe_message
from tui_app.ui.widgets.line_table import Cell, LineTable

if TYPE_CHECKING:
    from tui_app.domain.models import ActivityEntry

NEAR_END = 20  # rows from the end of what is loaded: ask for the next page


@dataclass(frozen=True)
class Column:
    title: str
    width: int  # 0: takes the remaining width


WIDE = (Column("When", 10), Column("Key", 0), Column("Owner", 16), Column("Via", 6),
        Column("Tool", 16), Column("Result", 15), Column("Client", 18), Column("IP", 15))
# At 80 columns the address gives way (the line under the table shows it in full).
NARROW = (Column("When", 10), Column("Key", 0), Column("Owner", 10), Column("Via", 6),
          Column("Tool", 12), Column("Result", 14), Column("Client", 10))
_OK = Style.parse("green")
_REFUSED = Style.parse("bold red")


class ActivityTable(LineTable):
    COMPONENT_CLASSES: ClassVar[set[str]] = {"activity-table--header", "activity-table--cursor"}

    DEFAULT_CSS = """
    ActivityTable { overflow-x: hidden; overflow-y: scroll; height: 1fr; }
    ActivityTable > .activity-table--header { text-style: bold; background: $panel; }
    ActivityTable > .activity-table--cursor { background: $accent 40%; }
    ActivityTable:focus > .activity-table--cursor { background: $accent; color: $text; }
    """

    class NeedMore(Message):
        """The view is near the end of the loaded entries."""

    class Moved(Message):
        """The cursor or the view moved: the live tail may pause or resume."""

    def __init__(self, *, clock: Clock = system_clock, id: str | None = None) -> None:
        super().__init__(id=id)
        self.clock = clock
        self.entries: list[ActivityEntry] = []
        self.more = False  # the server has older entries than the last one here
        self.show_owner = True

    # -- data ------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self.entries)

    def key_at(self, row: int) -> None:
        return None  # rows are calls, not keys: see `entry`

    @property
    def entry(self) -> ActivityEntry | None:
        if 0 <= self.cursor_row < len(self.entries):
            return self.entries[self.cursor_row]
        return None

    @property
    def at_top(self) -> bool:
        """The newest entries are in view: the live tail runs."""
        return round(self.scroll_y) == 0

    def replace(self, entries: Sequence[ActivityEntry], more: bool) -> None:
        self.entries = list(entries)
        self.more = more
        self.cursor_row = 0
        self.scroll_to(y=0, animate=False, immediate=True)
        self._resized()

    def append(self, entries: Sequence[ActivityEntry], more: bool) -> None:
        self.entries.extend(entries)
        self.more = more
        self._resized()

    def prepend(self, entries: Sequence[ActivityEntry]) -> None:
        """Newer entries on top. The cursor stays on its entry, except on the first row,
        where it follows the newest."""
        if not entries:
            return
        self.entries[:0] = entries
        if self.cursor_row:
            self.set_reactive(ActivityTable.cursor_row, self.cursor_row + len(entries))
            self.scroll_to(y=round(self.scroll_y) + len(entries), animate=False,
                           immediate=True)
        self._resized()

    def _resized(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, len(self.entries) + 1)
        self.refresh()
        self._cursor_moved()

    def _cursor_moved(self) -> None:
        self.post_message(self.Moved())
        last_visible = round(self.scroll_y) + self._body_height()
        if self.more and max(last_visible, self.cursor_row) >= len(self.entries) - NEAR_END:
            self.post_message(self.NeedMore())

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._cursor_moved()

    def on_resize(self, event: events.Resize) -> None:
        self._resized()

    # -- rendering -------------------------------------------------------------

    @property
    def columns(self) -> tuple[Column, ...]:
        wide = self.scrollable_content_region.width >= 110
        columns = WIDE if wide else NARROW
        return tuple(c for c in columns if c.title != "Owner" or self.show_owner)

    def _widths(self) -> list[int]:
        columns = self.columns
        fixed = sum(c.width for c in columns) + len(columns) - 1
        flex = max(6, self.scrollable_content_region.width - fixed)
        return [c.width or flex for c in columns]

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y == 0:
            header: list[Cell] = [(c.title, None) for c in self.columns]
            return self.to_strip(header, self._widths(),
                                 self.get_component_rich_style("activity-table--header"))
        row = round(self.scroll_y) + y - 1
        if row >= len(self.entries):
            return Strip.blank(width, self.rich_style)
        base = self.rich_style
        cursor = row == self.cursor_row
        if cursor:
            base += self.get_component_rich_style("activity-table--cursor")
        return self.to_strip(self._cells(self.entries[row], self.clock(), cursor),
                             self._widths(), base)

    def _cells(self, entry: ActivityEntry, now: datetime, cursor: bool) -> list[Cell]:
        owner = entry.owner
        values = {
            "When": (short_time(entry.at, now), None),
            "Key": (safe_message(entry.key_name or entry.key_id), None),
            "Owner": (safe_message(owner.name or owner.email) if owner else "—", None),
            "Via": (entry.channel, None),
            "Tool": (safe_message(entry.tool) if entry.tool else "—", None),
            "Result": (result_word(entry), None if cursor else _OK if entry.ok else _REFUSED),
            "Client": (safe_message(entry.client) if entry.client else "—", None),
            "IP": (safe_message(entry.ip) if entry.ip else "—", None),
        }
        return [values[c.title] for c in self.columns]
