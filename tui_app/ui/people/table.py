"""The People table: tens of thousands of people, paged from the server as the view moves.

Like the Admin table (admin/key_table.py) it is a `PagedTable` (widgets/paged_table.py)
that renders only the visible lines, through an LRU cache, from `ListingRows`
(client/paging.py): keyset pages fetched as the view moves and evicted far from it, so
the first rows cost one page whatever the size of the organisation. The server orders
people by email.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from rich.style import Style
from textual.message import Message
from textual.strip import Strip

from tui_app.domain.clock import Clock, system_clock
from tui_app.domain.models import Page, User
from tui_app.domain.timefmt import compact, relative
from tui_app.ui.safe import safe_message
from tui_app.ui.widgets.line_table import Cell
from tui_app.ui.widgets.paged_table import PagedTable

# fetch(cursor, limit): one page of people.
PeopleFetch = Callable[[str | None, int], Awaitable[Page[User]]]


@dataclass(frozen=True)
class Column:
    title: str
    width: int  # 0 = takes the remaining width


WIDE = (Column("Name", 0), Column("Email", 30), Column("Role", 8), Column("Teams", 18),
        Column("Active", 6), Column("Keys", 7), Column("Last used", 10))
# At 80 columns: a shorter email and teams, so the name keeps room.
NARROW = (Column("Name", 0), Column("Email", 22), Column("Role", 7), Column("Teams", 10),
          Column("On", 3), Column("Keys", 5), Column("Last use", 9))
_ROLE_STYLES = {"admin": Style(color="magenta"), "manager": Style(color="cyan"),
                "service": Style(color="blue")}
_OFF = Style(color="yellow")


def keys_cell(user: User) -> str:
    """'3/5': keys working now, of all their keys."""
    if user.keys is None:
        return ""
    return f"{user.active_keys or 0}/{user.keys}"


class PeopleTable(PagedTable[User, PeopleFetch]):
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "people-table--header", "people-table--cursor", "people-table--loading",
        "people-table--inactive",
    }
    STYLE_PREFIX = "people-table"

    DEFAULT_CSS = """
    PeopleTable { overflow-x: hidden; overflow-y: scroll; height: 1fr; }
    PeopleTable > .people-table--header { text-style: bold; background: $panel; }
    PeopleTable > .people-table--cursor { background: $accent 40%; }
    PeopleTable:focus > .people-table--cursor { background: $accent; color: $text; }
    PeopleTable > .people-table--loading { color: $text-muted; text-style: italic; }
    PeopleTable > .people-table--inactive { color: $text-muted; }
    """

    class PersonHighlighted(Message):
        """The cursor is on another person (None: no rows, or not loaded yet)."""

        def __init__(self, user: User | None) -> None:
            super().__init__()
            self.user = user

    class PageLoaded(PagedTable.PageLoaded):
        """A page of people arrived."""

    class LoadFailed(PagedTable.LoadFailed):
        """A page of people could not be fetched."""

    def __init__(self, *, clock: Clock = system_clock, id: str | None = None) -> None:
        super().__init__(id=id)
        self.clock = clock

    # -- data ------------------------------------------------------------------

    def _fetch_page(self, fetch: PeopleFetch, cursor: str | None, limit: int,
                    tail: bool) -> Awaitable[Page[User]]:
        # People are read from the top only: the screen gives no total, and without one
        # the rows never ask for the bottom of the listing.
        assert not tail, "the people listing has no reverse order"
        return fetch(cursor, limit)

    def key_at(self, row: int) -> None:
        return None  # no keys here: the person is `person`

    @property
    def person(self) -> User | None:
        return self._row(self.cursor_row)

    def visible_people(self) -> list[User]:
        """The people on screen now (tests and the bench read this)."""
        return self.visible_rows()

    def _announce_highlight(self) -> None:
        # The screen follows the person, not a key: PersonHighlighted, when the person
        # under the cursor or what the details show of them changed.
        user = self.person
        marker = None if user is None else f"{user.id}:{user.active}:{user.role}:{user.name}"
        if marker != self._announced:
            self._announced = marker
            self.post_message(self.PersonHighlighted(user))

    # -- rendering -------------------------------------------------------------

    @property
    def columns(self) -> tuple[Column, ...]:
        return WIDE if self.scrollable_content_region.width >= 110 else NARROW

    def _row_line(self, row: int, item: User, cursor: bool) -> Strip:
        now = self.clock()
        key = (row, item, self.scrollable_content_region.width, cursor,
               int(now.timestamp() // 60))
        return self._cached(key, lambda: self._render_row(item, now, cursor))

    def _render_header(self) -> Strip:
        cells: list[Cell] = [(c.title, None) for c in self.columns]
        return self._cells_strip(cells, self._style("header"))

    def _render_row(self, user: User, now: datetime, cursor: bool) -> Strip:
        base = self.rich_style
        if not user.active:
            base += self._style("inactive")
        if cursor:
            base += self._style("cursor")
        active = "yes" if user.active else "no"
        role = user.role.value
        # Names, emails and team names are untrusted: cleaned, never parsed as markup.
        cells: list[Cell] = [
            (safe_message(user.name), None),
            (safe_message(user.email), None),
            (role, None if cursor else _ROLE_STYLES.get(role)),
            (safe_message(", ".join(user.teams)) or "-", None),
            (active, None if cursor or user.active else _OFF),
            (keys_cell(user), None),
            (compact(relative(user.last_used_at, now)) if user.keys else "-", None),
        ]
        return self._cells_strip(cells, base)
