"""A line table whose rows are server pages, fetched as the view moves.

The Admin keys and the People table both list more rows than should ever be held or
fetched at once. This class is what they share: it asks `ListingRows` (client/paging.py)
which page the visible rows need next, fetches it in a worker, stores it, repaints and
says so (`PageLoaded`, `LoadFailed`); a new query (`reset`) drops every page and makes
the loads in flight stale. It renders the header, the rows not fetched yet ("loading…")
and caches every rendered line; a subclass says what its columns are, how one row and
the header look, and how a page is asked for (its fetch's own signature).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import ClassVar, Generic, Protocol, TypeVar

from rich.style import Style
from textual import events, work
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip

from tui_app.client.paging import PAGE, ListingRows
from tui_app.domain.models import Page
from tui_app.ui.widgets.line_table import Cell, LineTable

RowT = TypeVar("RowT")  # what one row shows: a key, a person
FetchT = TypeVar("FetchT")  # the screen's way to ask the server for one page


class TableColumn(Protocol):
    @property
    def title(self) -> str: ...

    @property
    def width(self) -> int: ...  # 0 = takes the remaining width


class PagedTable(LineTable, Generic[RowT, FetchT]):
    """Rows paged from the server; line 0 is the header, line y > 0 row scroll_y + y - 1.

    A subclass names its component classes `<STYLE_PREFIX>--header`, `--cursor` and
    `--loading`, and declares its own `PageLoaded` and `LoadFailed` (subclasses of these)
    so that handlers tell one table's messages from another's.
    """

    STYLE_PREFIX: ClassVar[str]
    LOADING_COLUMN: ClassVar[int] = 0  # where "loading…" stands in a row not fetched yet

    class PageLoaded(Message):
        """A page arrived (the first of a new query has first_page=True)."""

        def __init__(self, first_page: bool) -> None:
            super().__init__()
            self.first_page = first_page

    class LoadFailed(Message):
        def __init__(self, error: Exception) -> None:
            super().__init__()
            self.error = error

    def __init__(self, *, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.pages: ListingRows[RowT] = ListingRows()
        self._fetch: FetchT | None = None
        self._generation = 0  # one per query: a page of an older query is dropped
        self._loading = False
        self._wanted = (0, 0)  # the rows the view needs now, first and last
        self._lines: LRUCache[tuple[object, ...], Strip] = LRUCache(1024)

    # -- what a subclass says ----------------------------------------------------

    def _fetch_page(self, fetch: FetchT, cursor: str | None, limit: int,
                    tail: bool) -> Awaitable[Page[RowT]]:
        """One page through the screen's fetch; tail=True: the query in reverse order."""
        raise NotImplementedError

    @property
    def columns(self) -> Sequence[TableColumn]:
        raise NotImplementedError

    def _header_state(self) -> tuple[object, ...]:
        """What the header shows besides the width (a sort arrow): its cache key."""
        return ()

    def _render_header(self) -> Strip:
        raise NotImplementedError

    def _row_line(self, row: int, item: RowT, cursor: bool) -> Strip:
        """Line of a fetched row (through `_cached`, under a key of what it shows)."""
        raise NotImplementedError

    # -- data ------------------------------------------------------------------

    def reset(self, fetch: FetchT, *, total: int | None = None) -> None:
        """Show a new query (filters or sort changed): drop every page, cancel loads."""
        self._fetch = fetch
        self._generation += 1
        self.pages = ListingRows()
        self.pages.total = total
        self._lines.clear()
        self.cursor_row = 0
        self.scroll_to(y=0, animate=False, immediate=True)
        self._loading = False
        self._update_size()
        self._ensure_visible_loaded()
        self.refresh()

    def set_total(self, total: int | None) -> None:
        """The query's row count: sizes the scrollbar and lets the bottom be fetched
        from the end (the query in reverse) instead of walking every page down."""
        self.pages.total = total
        self._update_size()
        self.refresh()

    @property
    def row_count(self) -> int:
        return 0 if self._fetch is None else self.pages.row_count

    @property
    def is_loading(self) -> bool:
        return self._loading

    def _row(self, row: int) -> RowT | None:
        return self.pages.get(row)

    def visible_rows(self) -> list[RowT]:
        """The fetched rows on screen now."""
        first = round(self.scroll_y)
        rows = (self._row(r) for r in range(first, first + self._body_height()))
        return [item for item in rows if item is not None]

    def _update_size(self) -> None:
        size = Size(self.scrollable_content_region.width, self.row_count + 1)
        if size == self.virtual_size:
            return
        if size.width != self.virtual_size.width or not self.show_vertical_scrollbar:
            self.virtual_size = size  # first sizing or a resize: a full layout
            return
        # More rows (a page arrived, the count landed): only the scroll range and the
        # scrollbar change, so skip the screen-wide layout that the reactive would do.
        self.set_reactive(PagedTable.virtual_size, size)
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

    @work(exclusive=True, group="paged-table-load", exit_on_error=False)
    async def _load(self, generation: int) -> None:
        try:
            while generation == self._generation and self._fetch is not None:
                request = self.pages.next_request(*self._wanted)
                if request is None:
                    return
                part, slot, cursor, limit = request
                first_page = self.pages.empty
                try:
                    page = await self._fetch_page(self._fetch, cursor, limit, part == "tail")
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

    # -- cursor and view -------------------------------------------------------

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

    # -- rendering -------------------------------------------------------------

    def _widths(self) -> list[int]:
        columns = self.columns
        fixed = sum(c.width for c in columns) + len(columns) - 1
        flex = max(6, self.scrollable_content_region.width - fixed)
        return [c.width or flex for c in columns]

    def _style(self, part: str) -> Style:
        return self.get_component_rich_style(f"{self.STYLE_PREFIX}--{part}")

    def _cells_strip(self, cells: list[Cell], base: Style) -> Strip:
        return self.to_strip(cells, self._widths(), base)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y == 0:
            return self._cached(("header", width, *self._header_state()), self._render_header)
        row = round(self.scroll_y) + y - 1
        if row >= self.row_count:
            return Strip.blank(width, self.rich_style)
        item = self._row(row)
        cursor = row == self.cursor_row
        if item is None:
            return self._cached(("loading", width, cursor), lambda: self._render_loading(cursor))
        return self._row_line(row, item, cursor)

    def _cached(self, key: tuple[object, ...], render: Callable[[], Strip]) -> Strip:
        strip = self._lines.get(key)
        if strip is None:
            strip = render()
            self._lines[key] = strip
        return strip

    def _render_loading(self, cursor: bool) -> Strip:
        style = self._style("loading")
        if cursor:
            style += self._style("cursor")
        cells: list[Cell] = [("", None) for _ in self.columns]
        cells[self.LOADING_COLUMN] = ("loading…", None)
        return self._cells_strip(cells, style)
