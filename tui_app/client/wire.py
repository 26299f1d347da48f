"""What every request carries and how a page of keys reads: shared by ApiClient (httpx)
and the start-up prefetch (standard library), so both speak the API the same way."""

from __future__ import annotations

from typing import Any

from tui_app import __version__
from tui_app.domain.models import AgentKey, Page

OWN_KEYS_PAGE = 500  # a person's keys are few: usually one page


def request_headers(token: str | None, source: str) -> dict[str, str]:
    headers = {"User-Agent": f"agentkeys/{__version__}", "X-Agentkeys-Source": source}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


def key_page(data: dict[str, Any]) -> Page[AgentKey]:
    return Page(
        items=tuple(AgentKey.from_json(item) for item in data["items"]),
        next_cursor=data.get("next_cursor"),
        totals=data.get("totals"),
    )
