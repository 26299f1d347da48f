"""A virtual key table for 100,000+ keys that never loads the whole set (SPEC §4 Admin).

Textual's DataTable needs every row up front (≈22 s to first paint at 100,000 rows).
This table follows toolong's `LogLines`: a `LineTable` (line_table.py: a `ScrollView`)
whose `virtual_size` is the row count and whose `render_line(y)` renders only the
visible rows, through an LRU cache of rendered strips. Rows come from `KeyRows`, caches
of server pages: the server offers keyset cursors only (no offsets), so pages are
fetched in order as the viewport moves down, each page remembering the cursor that
fetches it again, and far pages are evicted so memory stays bounded however far the
user scrolls. The bottom of the table comes from the same query in the opposite order,
so End is one request, not a walk. Rows not fetched yet render as "loading…"; the total
from `include_totals` sizes the scrollbar before they arrive.

Sorting is k9s style — Shift+letter sorts by a column, the same key again flips the
order — and a click on a header does the same; the table only announces the request
(`SortChanged`) and the screen reloads with the new order.
"""

from __future__ import annotations

import asyncio
import bisect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from rich.style import Style
from textual import events, work
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip

from tui_app.domain.clock import Clock, system_clock
from tui_app.domain.models import AgentKey, Page
from tui_app.domain.timefmt import relative
from tui_app.ui.safe import safe_message
from tui_app.ui.widgets.line_table import Cell, LineTable


def compact(text: str) -> str:
    """'198 days ago' → '198d ago': relative times that fit a 9-cell column."""
    for long, short in ((" days", "d"), (" day", "d"), (" years", "y"), (" year", "y"),
                        (" min", "min"), (" h", "h")):
        text = text.replace(long, short)
    return text


# fetch(cursor, limit, reverse): one page of the query; reverse=True lists it in the
# opposite order (the tail of the table, last row first).
Fetch = Callable[[str | None, int, bool], Awaitable[Page[AgentKey]]]

FIRST_PAGE = 60  # a screenful (40-line terminal): first rows on screen sooner
PAGE = 100  # pages near the viewport: small, so parsing one never stalls a frame long
WALK_PAGE = 500  # the server's maximum, when walking far down (End, scrollbar drag)
MAX_CACHED_ROWS = 10_000  # pages beyond this are evicted (cursor kept, rows dropped)


@dataclass
class _Page:
    start: int
    cursor: str | None  # fetches this page again after eviction
    limit: int
    count: int
    items: tuple[AgentKey, ...] | None  # None once evicted
    next_cursor: str | None
    used: int = 0  # LRU tick


class KeyPages:
    """Rows of a keyset-paginated listing, fetched on demand, bounded in memory."""

    def __init__(self, max_rows: int = MAX_CACHED_ROWS) -> None:
        self.pages: list[_Page] = []
        self._starts: list[int] = []
        self.total: int | None = None  # from include_totals, if the screen knows it
        self.max_rows = max_rows
        self._tick = 0

    @property
    def loaded_end(self) -> int:
        """Rows 0..loaded_end-1 have a known page (maybe evicted)."""
        return self.pages[-1].start + self.pages[-1].count if self.pages else 0

    @property
    def exhausted(self) -> bool:
        return bool(self.pages) and self.pages[-1].next_cursor is None

    @property
    def row_count(self) -> int:
        if self.exhausted:
            return self.loaded_end  # exact: we have seen the end
        if self.total is not None:
            return max(self.total, self.loaded_end)
        return self.loaded_end + (0 if self.exhausted else 1)

    def _page_index(self, row: int) -> int | None:
        if row < 0 or row >= self.loaded_end:
            return None
        return bisect.bisect_right(self._starts, row) - 1

    def get(self, row: int) -> AgentKey | None:
        index = self._page_index(row)
        if index is None:
            return None
        page = self.pages[index]
        if page.items is None:
            return None
        self._tick += 1
        page.used = self._tick
        offset = row - page.start
        return page.items[offset] if offset < len(page.items) else None

    def next_request(self, first: int, last: int) -> tuple[int, str | None, int] | None:
        """The next fetch needed to cover rows first..last: (page slot, cursor, limit).

        A slot equal to len(pages) means a new page at the end.
        """
        if not self.pages:
            return 0, None, FIRST_PAGE
        start_index = self._page_index(min(first, self.loaded_end - 1)) or 0
        for index in range(start_index, len(self.pages)):
            page = self.pages[index]
            if page.start > last:
                return None
            if page.items is None:
                return index, page.cursor, page.limit
        if last >= self.loaded_end and not self.exhausted:
            walking = first - self.loaded_end > WALK_PAGE
            return len(self.pages), self.pages[-1].next_cursor, WALK_PAGE if walking else PAGE
        return None

    def store(self, slot: int, cursor: str | None, limit: int, page: Page[AgentKey]) -> None:
        self._tick += 1
        items = tuple(page.items)
        if slot < len(self.pages):
            old = self.pages[slot]
            old.items, old.used = items, self._tick
            if len(items) != old.count or page.next_cursor != old.next_cursor:
                # The data moved under us: what follows is no longer aligned; refetch it.
                old.count, old.next_cursor = len(items), page.next_cursor
                del self.pages[slot + 1 :]
                self._starts = [p.start for p in self.pages]
        else:
            start = self.loaded_end
            self.pages.append(_Page(start, cursor, limit, len(items), items,
                                    page.next_cursor if items else None, self._tick))
            self._starts.append(start)
        self._evict()

    def _evict(self) -> None:
        cached = [p for p in self.pages if p.items is not None]
        rows = sum(p.count for p in cached)
        for page in sorted(cached, key=lambda p: p.used):
            if rows <= self.max_rows:
                break
            page.items = None
            rows -= page.count

    @property
    def cached_rows(self) -> int:
        return sum(p.count for p in self.pages if p.items is not None)


class KeyRows:
    """The table's rows: pages from the top, and — once the total is known — pages from
    the bottom, fetched in the opposite order. The server sorts by (column, id) in both
    directions, so the reversed listing is exactly the tail: End costs one request
    instead of a walk over every page, and rows near either end are always close."""

    # Farther than this from the loaded head, a row is fetched from the tail if nearer.
    NEAR = 2 * WALK_PAGE

    def __init__(self, max_rows: int = MAX_CACHED_ROWS) -> None:
        self.head = KeyPages(max_rows // 2)
        self.tail = KeyPages(max_rows // 2)  # tail row j = table row total - 1 - j
        self.total: int | None = None
        self.max_rows = max_rows

    @property
    def empty(self) -> bool:
        return not self.head.pages and not self.tail.pages

    @property
    def _use_tail(self) -> bool:
        return self.total is not None and not self.head.exhausted

    @property
    def row_count(self) -> int:
        if self.head.exhausted:
            return self.head.loaded_end
        if self.total is not None:
            return max(self.total, self.head.loaded_end)
        return self.head.loaded_end + 1

    @property
    def cached_rows(self) -> int:
        return self.head.cached_rows + self.tail.cached_rows

    def get(self, row: int) -> AgentKey | None:
        key = self.head.get(row)
        if key is None and self._use_tail:
            assert self.total is not None
            key = self.tail.get(self.total - 1 - row)
        return key

    def next_request(self, first: int, last: int) -> tuple[str, int, str | None, int] | None:
        """(part, slot, cursor, limit) of the next fetch for rows first..last."""
        if self._use_tail and first - self.head.loaded_end > self.NEAR:
            assert self.total is not None
            t_first, t_last = self.total - 1 - last, self.total - 1 - first
            if t_first - self.tail.loaded_end <= first - self.head.loaded_end:
                request = self.tail.next_request(max(0, t_first), max(0, t_last))
                return None if request is None else ("tail", *request)
        request = self.head.next_request(first, last)
        return None if request is None else ("head", *request)

    def store(self, part: str, slot: int, cursor: str | None, limit: int,
              page: Page[AgentKey]) -> None:
        (self.tail if part == "tail" else self.head).store(slot, cursor, limit, page)


@dataclass(frozen=True)
class Column:
    key: str  # the server's sort name, or "" when the column cannot sort
    title: str
    width: int  # 0 = takes the remaining width
    sort_key: str = ""  # Shift+letter


WIDE = (
    Column("", " ", 1),
    Column("name", "Name", 0, "N"),
    Column("owner", "Owner", 18, "O"),
    Column("status", "Status", 9, "S"),
    Column("created_at", "Created", 10, "C"),
    Column("expires_at", "Expires", 10, "E"),
    Column("", "Scope", 10),
    Column("last_used_at", "Last used", 11, "L"),
)
# At 80 columns: shorter owner, times and scope so the name keeps room.
NARROW = (
    Column("", " ", 1),
    Column("name", "Name", 0, "N"),
    Column("owner", "Owner", 11, "O"),
    Column("status", "Status", 9, "S"),
    Column("created_at", "Created", 9, "C"),
    Column("expires_at", "Expires", 9, "E"),
    Column("", "Scope", 5),
    Column("last_used_at", "Last used", 9, "L"),
)
SORT_KEYS = {c.sort_key: c.key for c in WIDE if c.sort_key}
STATUS_STYLE = {"active": "green", "inactive": "yellow", "expired": "magenta", "revoked": "red"}
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
        # Marks are key ids (with the name, for confirmations): they outlive any page.
        self.marks: dict[str, str] = {}
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

    def set_marks(self, marks: dict[str, str]) -> None:
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
            self.marks[key.id] = key.name
        self.post_message(self.MarksChanged(len(self.marks)))
        self.refresh()
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
        scope = key.scope if not narrow else ("rw" if key.scope == "read_write" else "read")
        status = str(key.status)
        status_style = None if cursor else _STATUS_STYLES.get(status)
        if key.status_reason == "owner_deactivated":
            status = "owner off"  # SPEC §1: a deactivated owner shows so everywhere
        # Untrusted text (names, people) goes through safe.py's cleaner; the rest is ours.
        cells: list[Cell] = [
            ("●" if marked else " ", None),
            (safe_message(key.name), None),
            (safe_message(key.owner.name or key.owner.email), None),
            (status, status_style),
            (compact(relative(key.created_at, now)), None),
            (compact(relative(key.expires_at, now)) if key.expires_at else "never", None),
            (scope, None),
            (compact(relative(key.last_used_at, now)), None),
        ]
        return self._to_strip(cells, base)

