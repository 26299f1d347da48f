"""The Admin table's paging (client/paging.py) against a listing in memory: which page it
asks for next, where rows land, the tail fetched in reverse, and eviction."""

from __future__ import annotations

from typing import Any

from tui_app.client.paging import FIRST_PAGE, PAGE, WALK_PAGE, ListingPages, ListingRows
from tui_app.domain.models import Page

ROWS = [f"key-{n:05d}" for n in range(3000)]


def listing(cursor: str | None, limit: int, reverse: bool) -> Page[Any]:
    """A keyset listing: the cursor is the index of the next row; reverse lists from the end."""
    rows = ROWS[::-1] if reverse else ROWS
    start = int(cursor or 0)
    items = tuple(rows[start : start + limit])
    end = start + len(items)
    return Page(items=items, next_cursor=str(end) if end < len(rows) else None)


def fill(rows: ListingRows | ListingPages, first: int, last: int) -> int:
    """Fetch until rows first..last are covered, as the table's loader does; the requests."""
    requests = 0
    while (request := rows.next_request(first, last)) is not None:
        requests += 1
        if isinstance(rows, ListingRows):
            part, slot, cursor, limit = request
            rows.store(part, slot, cursor, limit, listing(cursor, limit, part == "tail"))
        else:
            slot, cursor, limit = request
            rows.store(slot, cursor, limit, listing(cursor, limit, False))
    return requests


def test_the_first_request_is_a_screenful_from_the_top() -> None:
    assert ListingPages().next_request(0, 30) == (0, None, FIRST_PAGE)


def test_rows_land_where_the_listing_puts_them() -> None:
    pages = ListingPages()
    fill(pages, 0, 250)
    assert [pages.get(row) for row in (0, 59, 60, 250)] == [ROWS[0], ROWS[59], ROWS[60],
                                                          ROWS[250]]
    assert pages.get(pages.loaded_end) is None
    assert pages.row_count == pages.loaded_end + 1  # more below, count unknown


def test_walking_far_down_uses_the_largest_page() -> None:
    pages = ListingPages()
    fill(pages, 0, 10)
    slot, _, limit = pages.next_request(2000, 2030) or (None, None, None)
    assert slot == 1 and limit == WALK_PAGE
    near = ListingPages()
    fill(near, 0, 10)
    assert (near.next_request(70, 100) or ())[2] == PAGE


def test_the_end_of_the_listing_makes_the_count_exact() -> None:
    pages = ListingPages(max_rows=10_000)
    fill(pages, 0, len(ROWS) + 10)
    assert pages.exhausted and pages.row_count == len(ROWS)


def test_far_pages_are_evicted_and_fetched_again_with_their_cursor() -> None:
    pages = ListingPages(max_rows=600)
    for top in range(0, 2000, 100):  # scrolling down, a screenful at a time
        fill(pages, top, top + 30)
    assert pages.cached_rows <= 600 + WALK_PAGE
    assert pages.get(0) is None  # evicted, its cursor kept
    assert pages.next_request(0, 10) == (0, None, FIRST_PAGE)
    fill(pages, 0, 10)
    assert pages.get(0) == ROWS[0]


def test_a_known_total_sends_far_rows_to_the_tail() -> None:
    rows = ListingRows()
    fill(rows, 0, 30)
    rows.total = len(ROWS)
    part, *_ = rows.next_request(2980, 2999) or ("none",)
    assert part == "tail"
    requests = fill(rows, 2980, 2999)
    assert requests == 1  # the end is one request, not a walk
    assert [rows.get(row) for row in (2980, 2999)] == [ROWS[2980], ROWS[2999]]
    assert rows.row_count == len(ROWS)


def test_without_a_total_the_head_walks_down() -> None:
    rows = ListingRows()
    fill(rows, 0, 30)
    part, *_ = rows.next_request(2980, 2999) or ("none",)
    assert part == "head"


def test_a_page_that_moved_drops_what_follows_it() -> None:
    pages = ListingPages()
    fill(pages, 0, 300)
    assert len(pages.pages) > 2
    shorter = Page(items=tuple(ROWS[:10]), next_cursor="10")
    pages.store(0, None, FIRST_PAGE, shorter)
    assert len(pages.pages) == 1 and pages.loaded_end == 10
