"""The Admin screen's totals line: how many keys the filter matches, per status, stale
and expiring, with the marks and any progress — counted by the server, never by
walking the rows.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text

from tui_app.client.export import count_from_totals

if TYPE_CHECKING:
    from tui_app.client.api import ApiClient

STALE_FOR_TOTALS = 90
EXPIRING_FOR_TOTALS = 7
STATUSES = ("active", "inactive", "expired", "revoked")


@dataclass(frozen=True, slots=True)
class Counts:
    """The server's counts for one filter."""

    totals: dict[str, int] | None  # None: the server sent no counts
    matching: int | None  # keys the filter's own statuses match
    stale: int | None
    expiring: int | None


async def count_keys(api: ApiClient, params: dict[str, Any]) -> Counts:
    """Three COUNT queries at once: the filter, and the filter narrowed to stale and to
    expiring keys. Raises what the client raises."""

    async def count(extra: dict[str, Any]) -> dict[str, int] | None:
        page = await api.admin_list_keys(**{**params, **extra}, limit=1, include_totals=True)
        return page.totals

    main, stale, expiring = await asyncio.gather(
        count({}), count({"stale_days": STALE_FOR_TOTALS}),
        count({"expiring_within_days": EXPIRING_FOR_TOTALS}))
    status = params.get("status")
    return Counts(totals=main, matching=count_from_totals(main, status),
                  stale=count_from_totals(stale, status),
                  expiring=count_from_totals(expiring, status))


def totals_line(counts: Counts | None, status_filter: str | None, *, marks: int,
                progress: str) -> Text:
    """Count, marks and progress first (they must show at 80 columns), then detail."""
    line = Text(no_wrap=True, overflow="ellipsis")
    totals = counts.totals if counts is not None else None
    if totals is None:
        line.append("counting…", style="dim")
    else:
        count = count_from_totals(totals, status_filter)
        line.append(f"{count or 0:,} keys", style="bold")
    line.append(" ")
    line.append(f"({marks:,} marked)", style="bold reverse" if marks else "dim")
    if progress:
        line.append(f"  {progress}", style="bold italic")
    if counts is not None and totals is not None:
        chosen = (status_filter or "all").split(",")
        for status in STATUSES:
            if status in chosen or "all" in chosen:
                line.append(f" · {totals.get(status, 0):,} {status}")
        if counts.stale is not None:
            line.append(f" · {counts.stale:,} stale {STALE_FOR_TOTALS} d")
        if counts.expiring is not None:
            line.append(f" · {counts.expiring:,} expiring {EXPIRING_FOR_TOTALS} d")
    return line
