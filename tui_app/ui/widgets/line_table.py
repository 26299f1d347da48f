"""The base of our tables: a header line and rows, rendered line by line, with a row cursor.

Textual's DataTable builds every row and cell up front and lays the table out before its
first paint; that is the price of its generality (any renderable in any cell, column
sizing from content). Our tables know their columns and render plain, already cleaned
strings, so a `ScrollView` whose `render_line(y)` draws only the visible lines is enough:
it is what keeps the Admin screen fast at 100,000 keys (KeyTable) and My keys' first
frame light (KeyList). Subclasses say how many rows there are, which key the
cursor is on and how a line looks; this class moves the cursor (keys, clicks), keeps it
in view and says when it lands on another key (`Highlighted`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

if TYPE_CHECKING:
    from tui_app.domain.models import AgentKey

Cell = tuple[str, Style | None]  # plain text, and its style on top of the line's


class LineTable(ScrollView, can_focus=True):
    """Line 0 is the header; line y > 0 shows row scroll_y + y - 1."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Up", show=False),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "cursor_home", "First", show=False),
        Binding("end", "cursor_end", "Last", show=False),
    ]

    cursor_row: reactive[int] = reactive(0, always_update=True, repaint=False)
    _announced: str | None = "?"  # the key (id:version) last announced; "?": none yet

    class Highlighted(Message):
        """The cursor is on another key, or the key under it changed (None: no rows, or
        the row is not loaded yet)."""

        def __init__(self, table: LineTable, key: AgentKey | None) -> None:
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> LineTable:
            return self.table

    @property
    def row_count(self) -> int:
        raise NotImplementedError

    def key_at(self, row: int) -> AgentKey | None:
        """The key on `row`: None past the rows, on a row not loaded yet, or always in a
        table whose rows are not keys."""
        raise NotImplementedError

    @property
    def highlighted(self) -> AgentKey | None:
        """The key under the cursor."""
        return self.key_at(self.cursor_row)

    @property
    def neighbours(self) -> list[str]:
        """The keys one row below and above the cursor: where it most likely goes next
        (the details load theirs ahead)."""
        keys = (self.key_at(row) for row in (self.cursor_row + 1, self.cursor_row - 1))
        return [key.id for key in keys if key is not None]

    def _cursor_moved(self) -> None:
        """The cursor is on another row (or the rows changed under it)."""
        self._announce_highlight()

    def _announce_highlight(self) -> None:
        """Post Highlighted when the key under the cursor is not the one last announced."""
        key = self.highlighted
        marker = None if key is None else f"{key.id}:{key.version}"
        if marker != self._announced:
            self._announced = marker
            self.post_message(self.Highlighted(self, key))

    def _header_clicked(self, x: int) -> None:
        """A click on the header line, `x` cells from the left."""

    def _body_height(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    # -- cursor ----------------------------------------------------------------

    def watch_cursor_row(self, old_row: int, new_row: int) -> None:
        top = round(self.scroll_y)
        self.scroll_to_cursor()
        if round(self.scroll_y) == top:
            # Only the row the cursor left and the row it landed on look different, and
            # over a slow link every repainted line is bytes the person waits for. (A
            # scroll has repainted the whole view already.)
            self.refresh_rows(old_row, new_row)
        self._cursor_moved()

    def refresh_rows(self, *rows: int) -> None:
        """Repaint these rows, where they are on screen now (rows off screen are skipped)."""
        top = round(self.scroll_y)
        body = self._body_height()
        width = self.scrollable_content_region.width
        for row in set(rows):
            if top <= row < top + body:
                self.refresh(Region(0, row - top + 1, width, 1))  # + 1: the header line

    def scroll_to_cursor(self) -> None:
        body = self._body_height()
        top = round(self.scroll_y)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + body:
            self.scroll_to(y=self.cursor_row - body + 1, animate=False, immediate=True)

    def _move(self, row: int) -> None:
        self.cursor_row = max(0, min(row, self.row_count - 1))

    def action_cursor_up(self) -> None:
        self._move(self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        self._move(self.cursor_row + 1)

    def action_page_up(self) -> None:
        body = self._body_height()
        self.scroll_to(y=max(0, round(self.scroll_y) - body), animate=False, immediate=True)
        self._move(self.cursor_row - body)

    def action_page_down(self) -> None:
        # The view moves a whole page and the cursor keeps its place on screen (less).
        body = self._body_height()
        self.scroll_to(y=round(self.scroll_y) + body, animate=False, immediate=True)
        self._move(self.cursor_row + body)

    def action_cursor_home(self) -> None:
        self._move(0)

    def action_cursor_end(self) -> None:
        self._move(self.row_count - 1)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.y == 0:
            self._header_clicked(offset.x)
        else:
            self._move(round(self.scroll_y) + offset.y - 1)

    # -- rendering -------------------------------------------------------------

    def to_strip(self, cells: list[Cell], widths: list[int], base: Style) -> Strip:
        """Cells of plain, already cleaned strings straight into segments, one space
        apart: no markup is ever parsed, and no rich Text is built per cell (a row
        renders in well under a millisecond). Neighbours of one style are joined, so the
        terminal gets one style change per change of colour rather than one per cell."""
        segments: list[Segment] = []
        for index, ((text, style), width) in enumerate(zip(cells, widths, strict=True)):
            if index:
                segments.append(Segment(" ", base))
            segments.append(Segment(fit(text, width), base + style if style else base))
        strip = Strip(segments).simplify()
        return strip.adjust_cell_length(self.scrollable_content_region.width, base)


def fit(text: str, width: int) -> str:
    """Exactly `width` cells: padded, or cut with an ellipsis."""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + "…"
