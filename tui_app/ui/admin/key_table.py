"""A virtual key table for 100,000+ keys that never loads the whole set.

Textual's DataTable needs every row up front (≈22 s to first paint at 100,000 rows).
This table follows toolong's `LogLines`: a `LineTable` (line_table.py: a `ScrollView`)
whose `virtual_size` is the row count and whose `render_line(y)` renders only the
visible rows, through an LRU cache of rendered strips. Rows come from `KeyRows`
(client/paging.py): server pages fetched as the view moves, bounded in memory, the
bottom fetched in the opposite order. Rows not fetched yet render as "loading…"; the
total from `include_totals` sizes the scrollbar before they arrive.

Sorting is k9s style — Shift+letter sorts by a column, the same key again flips the
order — and a click on a header does the same; the table only announces the request
(`SortChanged`) and the screen reloads with the new order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import ClassVar

from rich.style import Style
from textual import events, work
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip

from tui_app.client.paging import PAGE, Fetch, KeyRows
from tui_app.domain.clock import Clock, system_clock
from tui_app.domain.models import AgentKey
from tui_app.domain.timefmt import compact, relative
from tui_app.domain.validation import scope_words
from tui_app.ui.admin.columns import NARROW, STATUS_STYLE, WIDE, Column, last_used
from tui_app.ui.safe import safe_message
from tui_app.ui.widgets.line_table import Cell, LineTable

_STATUS_STYLES = {name: Style.parse(style) for name, style in STATUS_STYLE.items()}


class KeyTable(LineTable):
    """Rows of keys, paged from the server as the user scrolls.

    Marks and sorting are bound by the screen that holds the table (so they show in its
    footer and help); the actions are here: toggle_mark, clear_marks, sort.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "key-table--header", "key-table--cursor", "key-table--marked", "key-table--loading",
    }

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

    class PageLoaded(Message):
        """A page arrived (the first of a new query has first_page=True)."""

        def __init__(self, first_page: bool) -> None:
            super().__init__()
            self.first_page = first_page

    class LoadFailed(Message):
        def __init__(self, error: Exception) -> None:
            super().__init__()
            self.error = error

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
        self.pages = KeyRows()
        self._fetch: Fetch | None = None
        self._generation = 0
        self._loading = False
        self._wanted = (0, 0)
        self._lines: LRUCache[tuple[object, ...], Strip] = LRUCache(1024)

    # -- data ------------------------------------------------------------------

    def reset(self, fetch: Fetch, *, total: int | None = None) -> None:
        """Show a new query (filters or sort changed): drop every page, cancel loads."""
        self._fetch = fetch
        self._generation += 1
        self.pages = KeyRows()
        self.pages.total = total
        self._lines.clear()
        self.cursor_row = 0
        self.scroll_to(y=0, animate=False, immediate=True)
        self._loading = False
        self._update_size()
        self._ensure_visible_loaded()
        self.refresh()

    def set_total(self, total: int | None) -> None:
        self.pages.total = total
        self._update_size()
        self.refresh()

    @property
    def row_count(self) -> int:
        return 0 if self._fetch is None else self.pages.row_count

    @property
    def is_loading(self) -> bool:
        return self._loading

    @property
    def highlighted(self) -> AgentKey | None:
        return self.pages.get(self.cursor_row)

    @property
    def neighbours(self) -> list[str]:
        """The loaded keys one row above and below the cursor: where it most likely
        goes next."""
        keys = (self.pages.get(row) for row in (self.cursor_row + 1, self.cursor_row - 1))
        return [key.id for key in keys if key is not None]

    def visible_keys(self) -> list[AgentKey]:
        """The keys on screen now (tests and the bench read this)."""
        first = round(self.scroll_y)
        keys = (self.pages.get(r) for r in range(first, first + self._body_height()))
        return [k for k in keys if k is not None]

    def _update_size(self) -> None:
        size = Size(self.scrollable_content_region.width, self.row_count + 1)
        if size == self.virtual_size:
            return
        if size.width != self.virtual_size.width or not self.show_vertical_scrollbar:
            self.virtual_size = size  # first sizing or a resize: a full layout
            return
        # More rows (a page arrived, the count landed): only the scroll range and the
        # scrollbar change, so skip the screen-wide layout that the reactive would do.
        self.set_reactive(KeyTable.virtual_size, size)
        self.vertical_scrollbar.window_virtual_size = size.height
        self.refresh()

    def _ensure_visible_loaded(self) -> None:
        if self._fetch is None:
            return
        first = round(self.scroll_y)
        # Prefetch a page beyond the screen so paging down finds its rows already here.
        last = max(first + self._body_height() + PAGE, self.cursor_row)
        self._wanted = (min(first, self.cursor_row), last)
        if not self._loading:
            self._loading = True
            self._load(self._generation)

    @work(exclusive=True, group="key-table-load", exit_on_error=False)
    async def _load(self, generation: int) -> None:
        try:
            while generation == self._generation and self._fetch is not None:
                request = self.pages.next_request(*self._wanted)
                if request is None:
                    return
                part, slot, cursor, limit = request
                first_page = self.pages.empty
                try:
                    page = await self._fetch(cursor, limit, part == "tail")
                except Exception as error:  # shown by the screen; the table stays usable
                    if generation == self._generation:
                        self.post_message(self.LoadFailed(error))
                    return
                if generation != self._generation:
                    return
                self.pages.store(part, slot, cursor, limit, page)
                self._update_size()
                self.refresh()
                self._announce_highlight()
                self.post_message(self.PageLoaded(first_page))
                if first_page:
                    # Paint these rows before prefetching more: parsing the next page
                    # would otherwise delay the frame the user is waiting for.
                    await self._next_frame()
        finally:
            if generation == self._generation:
                self._loading = False

    async def _next_frame(self) -> None:
        painted = asyncio.Event()
        self.call_after_refresh(painted.set)
        await painted.wait()

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

    # -- cursor ----------------------------------------------------------------

    def _cursor_moved(self) -> None:
        self._ensure_visible_loaded()
        self._announce_highlight()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._ensure_visible_loaded()

    def on_resize(self, event: events.Resize) -> None:
        self._lines.clear()
        self._update_size()
        self._ensure_visible_loaded()

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

    def _widths(self) -> list[int]:
        columns = self.columns
        fixed = sum(c.width for c in columns) + len(columns) - 1
        flex = max(6, self.scrollable_content_region.width - fixed)
        return [c.width or flex for c in columns]

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y == 0:
            key: tuple[object, ...] = ("header", width, self.sort, self.order)
            return self._cached(key, self._render_header)
        row = round(self.scroll_y) + y - 1
        if row >= self.row_count:
            return Strip.blank(width, self.rich_style)
        agent_key = self.pages.get(row)
        now = self.clock()
        cursor = row == self.cursor_row
        if agent_key is None:
            return self._cached(("loading", width, cursor),
                                lambda: self._render_loading(cursor))
        marked = agent_key.id in self.marks
        cache_key = (row, agent_key.id, agent_key.version, width, cursor, marked,
                     int(now.timestamp() // 60))
        return self._cached(cache_key, lambda: self._render_row(agent_key, now, cursor, marked))

    def _cached(self, key: tuple[object, ...], render: Callable[[], Strip]) -> Strip:
        strip = self._lines.get(key)
        if strip is None:
            strip = render()
            self._lines[key] = strip
        return strip

    def _to_strip(self, cells: list[Cell], base: Style) -> Strip:
        return self.to_strip(cells, self._widths(), base)

    def _render_header(self) -> Strip:
        cells: list[Cell] = []
        for column, width in zip(self.columns, self._widths(), strict=True):
            title = column.title
            if column.key and column.key == self.sort:
                # The arrow always shows: the title gives way first.
                arrow = "▲" if self.order == "asc" else "▼"
                title = f"{title[: max(1, width - 2)]} {arrow}"
            cells.append((title, None))
        return self._to_strip(cells, self.get_component_rich_style("key-table--header"))

    def _render_loading(self, cursor: bool) -> Strip:
        style = self.get_component_rich_style("key-table--loading")
        if cursor:
            style += self.get_component_rich_style("key-table--cursor")
        cells: list[Cell] = [(" ", None), ("loading…", None)]
        cells += [("", None) for _ in self.columns[2:]]
        return self._to_strip(cells, style)

    def _render_row(self, key: AgentKey, now: datetime, cursor: bool, marked: bool) -> Strip:
        base = self.rich_style
        if marked:
            base += self.get_component_rich_style("key-table--marked")
        if cursor:
            base += self.get_component_rich_style("key-table--cursor")
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
        return self._to_strip(cells, base)

