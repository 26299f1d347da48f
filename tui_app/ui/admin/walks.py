"""The Admin screen's calls over many keys: the table's pages in both directions, every
id a filter matches, and bulk actions in chunks.

Both walk the server in a worker of the screen, report progress as they go, and stop at
the first failed call (the session has told the user why).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from tui_app.client.paging import Fetch
from tui_app.domain.models import AgentKey, BulkResult, Page
from tui_app.ui.session import Session

if TYPE_CHECKING:
    from tui_app.client.api import ApiClient

ID_PAGE = 500  # the server's largest page
BULK_CHUNK = 1000  # the server's limit per bulk request

Progress = Callable[[str], None]


def both_ways(api: ApiClient, params: dict[str, Any]) -> Fetch:
    """The table's fetch for a query: `tail` lists it in the opposite order (its end)."""
    reverse = {**params, "order": "asc" if params["order"] == "desc" else "desc"}

    async def fetch(cursor: str | None, limit: int, tail: bool) -> Page[AgentKey]:
        return await api.admin_list_keys(**(reverse if tail else params), cursor=cursor,
                                         limit=limit)

    return fetch


async def first_id_page(session: Session, params: dict[str, Any]) -> Page[AgentKey] | None:
    """The first page of ids, with the filter's totals (to confirm a large marking)."""
    return await session.call(
        lambda api: api.admin_list_keys(**params, limit=ID_PAGE, include_totals=True),
        what="Marking keys")


async def every_id(session: Session, params: dict[str, Any], first: Page[AgentKey],
                   total: int | None, progress: Progress) -> dict[str, AgentKey]:
    """{id: key} of every key of the filter, from `first` on (all of them unless a
    call fails)."""
    found: dict[str, AgentKey] = {}
    page: Page[AgentKey] | None = first
    try:
        while page is not None:
            found.update((key.id, key) for key in page.items)
            progress(f"marking… {len(found):,}" + (f" / {total:,}" if total is not None else ""))
            cursor = page.next_cursor
            if not cursor or not page.items:
                break
            api_call = partial(_id_page, params=params, cursor=cursor)
            page = await session.call(api_call, what="Marking keys")
    finally:
        progress("")
    return found


async def _id_page(api: ApiClient, *, params: dict[str, Any], cursor: str) -> Page[AgentKey]:
    page: Page[AgentKey] = await api.admin_list_keys(**params, limit=ID_PAGE, cursor=cursor)
    return page


async def bulk_in_chunks(session: Session, action: str, ids: list[str], days: int | None,
                         progress: Progress) -> list[BulkResult]:
    """The results of every chunk that went through."""
    results: list[BulkResult] = []
    try:
        for start in range(0, len(ids), BULK_CHUNK):
            chunk = ids[start : start + BULK_CHUNK]
            progress(f"{action}… {start:,} / {len(ids):,}")
            answer = await session.call(
                partial(_bulk, action=action, ids=chunk, days=days), what=action.capitalize())
            if answer is None:
                break
            results.extend(answer)
    finally:
        progress("")
    return results


async def _bulk(api: ApiClient, *, action: str, ids: list[str],
                days: int | None) -> list[BulkResult]:
    return await api.bulk(action, ids, days=days)
