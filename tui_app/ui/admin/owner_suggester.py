"""Completes the Admin owner filter as you type: the first person whose name or email
starts with what was typed, from the server's people listing (`GET /v1/users?q=`,
which shows a manager their teams' people). Right arrow takes the suggestion.

The filter itself matches names and email prefixes on the server; the suggestion shows
whom it will find before the table reloads. A failed look-up suggests nothing: the
table's own load reports a lost server.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.suggester import Suggester

from tui_app.client.errors import ApiError, ServerUnreachable
from tui_app.domain.sanitize import clean

if TYPE_CHECKING:
    from tui_app.client.api import ApiClient

MIN_LETTERS = 2  # one letter matches half the organisation
LOOKED_AT = 10


class OwnerSuggester(Suggester):
    def __init__(self, api: Callable[[], ApiClient | None]) -> None:
        super().__init__(use_cache=True, case_sensitive=False)
        self._api = api

    async def get_suggestion(self, value: str) -> str | None:
        needle = value.strip()  # casefolded by Suggester
        api = self._api()
        if len(needle) < MIN_LETTERS or api is None:
            return None
        try:
            page = await api.list_users(q=needle, limit=LOOKED_AT)
        except (ApiError, ServerUnreachable):
            return None
        for user in page.items:
            for candidate in (clean(user.name), user.email):
                if candidate.casefold().startswith(value):
                    return candidate
        return None
