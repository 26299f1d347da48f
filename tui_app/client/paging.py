"""Rows of a keyset-paginated listing, fetched on demand and bounded in memory.

The Admin table shows 100,000 keys (People as many people) without ever holding them:
the server offers keyset cursors only (no offsets), so pages are fetched in order as the
view moves down, each page remembering the cursor that fetches it again, and far pages
are evicted so memory stays bounded however far the user scrolls. The bottom of a
listing comes from the same query in the opposite order, so the last row is one
request, not a walk over every page. No Textual here: the table asks `next_request`
what to fetch, fetches it and hands the page to `store`.
"""

from __future__ import annotations

import bisect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from tui_app.domain.models import AgentKey, Page

RowT = TypeVar("RowT")  # what the listing lists: keys, people

# The Admin table's fetch(cursor, limit, reverse): one page of the query; reverse=True
# lists it in the opposite order (the tail of the table, last row first).
Fetch = Callable[[str | None, int, bool], Awaitable[Page[AgentKey]]]

FIRST_PAGE = 60  # a screenful (40-line terminal): first rows on screen sooner
PAGE = 100  # pages near the viewport: small, so parsing one never stalls a frame long
WALK_PAGE = 500  # the server's maximum, when walking far down (End, scrollbar drag)
MAX_CACHED_ROWS = 10_000  # pages beyond this are evicted (cursor kept, rows dropped)


@dataclass
class _Page(Generic[RowT]):
    start: int
    cursor: str | None  # fetches this page again after eviction
    limit: int
    count: int
    items: tuple[RowT, ...] | None  # None once evicted
    next_cursor: str | None
    used: int = 0  # LRU tick


class ListingPages(Generic[RowT]):
    """Rows of a keyset-paginated listing, fetched on demand, bounded in memory."""

    def __init__(self, max_rows: int = MAX_CACHED_ROWS) -> None:
        self.pages: list[_Page[RowT]] = []
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

    def get(self, row: int) -> RowT | None:
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

    def store(self, slot: int, cursor: str | None, limit: int, page: Page[RowT]) -> None:
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


class ListingRows(Generic[RowT]):
    """The table's rows: pages from the top, and — once the total is known — pages from
    the bottom, fetched in the opposite order. The server sorts by (column, id) in both
    directions, so the reversed listing is exactly the tail: End costs one request
    instead of a walk over every page, and rows near either end are always close."""

    # Farther than this from the loaded head, a row is fetched from the tail if nearer.
    NEAR = 2 * WALK_PAGE

    def __init__(self, max_rows: int = MAX_CACHED_ROWS) -> None:
        self.head: ListingPages[RowT] = ListingPages(max_rows // 2)
        # Tail row j is table row total - 1 - j.
        self.tail: ListingPages[RowT] = ListingPages(max_rows // 2)
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

    def get(self, row: int) -> RowT | None:
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
              page: Page[RowT]) -> None:
        (self.tail if part == "tail" else self.head).store(slot, cursor, limit, page)
