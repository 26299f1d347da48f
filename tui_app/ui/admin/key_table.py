"""A virtual key table for 100,000+ keys that never loads the whole set.

Textual's DataTable needs every row up front (≈22 s to first paint at 100,000 rows).
This table follows toolong's `LogLines`: a `LineTable` (line_table.py: a `ScrollView`)
whose `virtual_size` is the row count and whose `render_line(y)` renders only the
visible rows, through an LRU cache of rendered strips. Its paging is `PagedTable`'s
(paged_table.py, shared with the People table) over `ListingRows` (client/paging.py):
server pages fetched as the view moves, bounded in memory, the bottom fetched in the
opposite order. Rows not fetched yet render as "loading…"; the total from
`include_totals` sizes the scrollbar before they arrive.

Sorting is k9s style — Shift+letter sorts by a column, the same key again flips the
order — and a click on a header does the same; the table only announces the request
(`SortChanged`) and the screen reloads with the new order.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from typing import ClassVar

from rich.style import Style
from textual.message import Message
from textual.strip import Strip

from tui_app.client.paging import Fetch
from tui_app.domain.clock import Clock, system_clock
from tui_app.domain.models import AgentKey, Page
from tui_app.domain.timefmt import compact, relative
from tui_app.domain.validation import scope_words
from tui_app.ui.admin.columns import NARROW, STATUS_STYLE, WIDE, Column, last_used
from tui_app.ui.safe import safe_message
from tui_app.ui.widgets.line_table import Cell
from tui_app.ui.widgets.paged_table import PagedTable

_STATUS_STYLES = {name: Style.parse(style) for name, style in STATUS_STYLE.items()}


class KeyTable(PagedTable[AgentKey, Fetch]):
    """Rows of keys, paged from the server as the user scrolls.

    Marks and sorting are bound by the screen that holds the table (so they show in its
    footer and help); the actions are here: toggle_mark, clear_marks, sort.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "key-table--header", "key-table--cursor", "key-table--marked", "key-table--loading",
    }

    STYLE_PREFIX = "key-table"
    LOADING_COLUMN = 1  # the first column is the marks'

    DEFAULT_CSS = """
    KeyTable { overflow-x: hidden; overflow-y: scroll; height: 1fr; }
    KeyTable > .key-table--header { text-style: bold; background: $panel; }
    KeyTable > .key-table--cursor { background: $accent 40%; }
    KeyTable:focus > .key-table--cursor { background: $accent; color: $text; }
    KeyTable > .key-table--marked { text-style: bold; color: $warning; }
    KeyTable > .key-table--loading { color: $text-muted; text-style: italic; }
    """

    class MarksChanged(Message):
        def __init__(self, count: int) -> None:
            super().__init__()
            self.count = count

    class SortChanged(Message):
        def __init__(self, sort: str, order: str) -> None:
            super().__init__()
            self.sort = sort
            self.order = order

    class PageLoaded(PagedTable.PageLoaded):
        """A page of keys arrived (the first of a new query has first_page=True)."""

    class LoadFailed(PagedTable.LoadFailed):
        """A page of keys could not be fetched."""

    def __init__(
        self,
        *,
        clock: Clock = system_clock,
        sort: str = "created_at",
        order: str = "desc",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.clock = clock
        self.sort = sort
        self.order = order
        # Marks are key ids with the key as marked (its name and status, for the
        # confirmation of a bulk action): they outlive any page.
        self.marks: dict[str, AgentKey] = {}

    # -- data ------------------------------------------------------------------

    def _fetch_page(self, fetch: Fetch, cursor: str | None, limit: int,
                    tail: bool) -> Awaitable[Page[AgentKey]]:
        return fetch(cursor, limit, tail)

    def key_at(self, row: int) -> AgentKey | None:
        return self._row(row)

    def visible_keys(self) -> list[AgentKey]:
        """The keys on screen now (tests and the bench read this)."""
        return self.visible_rows()

    # -- marks -----------------------------------------------------------------

    def set_marks(self, marks: dict[str, AgentKey]) -> None:
        self.marks = dict(marks)
        self.refresh()
        self.post_message(self.MarksChanged(len(self.marks)))

    def action_toggle_mark(self) -> None:
        key = self.highlighted
        if key is None:
            return
        if key.id in self.marks:
            del self.marks[key.id]
        else:
            self.marks[key.id] = key
        self.post_message(self.MarksChanged(len(self.marks)))
        self.refresh_rows(self.cursor_row)
        self.action_cursor_down()

    def action_clear_marks(self) -> None:
        self.set_marks({})

    # -- sort ------------------------------------------------------------------

    def action_sort(self, column: str) -> None:
        if column == self.sort:
            self.order = "asc" if self.order == "desc" else "desc"
        else:
            # Names and owners read best A→Z; times newest first.
            self.sort, self.order = column, ("asc" if column in ("name", "owner", "status")
                                             else "desc")
        self._lines.clear()
        self.refresh()
        self.post_message(self.SortChanged(self.sort, self.order))

    # -- mouse -----------------------------------------------------------------

    def _header_clicked(self, x: int) -> None:
        left = 0
        for column, width in zip(self.columns, self._widths(), strict=True):
            if left <= x < left + width + 1:
                if column.key:
                    self.action_sort(column.key)
                return
            left += width + 1

    # -- rendering -------------------------------------------------------------

    @property
    def columns(self) -> tuple[Column, ...]:
        return WIDE if self.scrollable_content_region.width >= 110 else NARROW

    def _header_state(self) -> tuple[object, ...]:
        return (self.sort, self.order)

    def _row_line(self, row: int, item: AgentKey, cursor: bool) -> Strip:
        now = self.clock()
        marked = item.id in self.marks
        cache_key = (row, item.id, item.version, self.scrollable_content_region.width,
                     cursor, marked, int(now.timestamp() // 60))
        return self._cached(cache_key, lambda: self._render_row(item, now, cursor, marked))

    def _render_header(self) -> Strip:
        cells: list[Cell] = []
        for column, width in zip(self.columns, self._widths(), strict=True):
            title = column.title
            if column.key and column.key == self.sort:
                # The arrow always shows: the title gives way first.
                arrow = "▲" if self.order == "asc" else "▼"
                title = f"{title[: max(1, width - 2)]} {arrow}"
            cells.append((title, None))
        return self._cells_strip(cells, self._style("header"))

    def _render_row(self, key: AgentKey, now: datetime, cursor: bool, marked: bool) -> Strip:
        base = self.rich_style
        if marked:
            base += self._style("marked")
        if cursor:
            base += self._style("cursor")
        narrow = self.columns is NARROW
        # At 80 columns "read and write" gives way to "rw" so the name keeps room.
        scope = "rw" if narrow and key.scope == "read_write" else scope_words(key.scope)
        status = str(key.status)
        status_style = None if cursor else _STATUS_STYLES.get(status)
        if key.status_reason == "owner_deactivated":
            status = "owner off"  # a deactivated owner shows so everywhere
        # Untrusted text (names, people) goes through safe.py's cleaner; the rest is ours.
        cells: list[Cell] = [
            ("●" if marked else " ", None),
            (safe_message(key.name), None),
            (safe_message(key.owner.name or key.owner.email), None),
            (status, status_style),
            (compact(relative(key.created_at, now)), None),
            (compact(relative(key.expires_at, now)) if key.expires_at else "never", None),
            (scope, None),
            (last_used(key, now, with_tool=not narrow), None),
        ]
        return self._cells_strip(cells, base)

