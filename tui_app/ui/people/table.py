"""The People table: tens of thousands of people, paged from the server as the view moves.

Like the Admin table (admin/key_table.py) it is a `LineTable` that renders only the
visible lines, through an LRU cache, from `KeyRows` (client/paging.py): keyset pages
fetched as the view moves and evicted far from it, so the first rows cost one page
whatever the size of the organisation. The server orders people by email.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from rich.style import Style
from textual import events, work
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip

from tui_app.client.paging import PAGE, KeyRows
from tui_app.domain.clock import Clock, system_clock
from tui_app.domain.models import Page, User
from tui_app.domain.timefmt import compact, relative
from tui_app.ui.safe import safe_message
from tui_app.ui.widgets.line_table import Cell, LineTable

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


class PeopleTable(LineTable):
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "people-table--header", "people-table--cursor", "people-table--loading",
        "people-table--inactive",
    }

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

    class PageLoaded(Message):
        pass

    class LoadFailed(Message):
        def __init__(self, error: Exception) -> None:
            super().__init__()
            self.error = error

    def __init__(self, *, clock: Clock = system_clock, id: str | None = None) -> None:
        super().__init__(id=id)
        self.clock = clock
        self.pages = KeyRows()
        self._fetch: PeopleFetch | None = None
        self._generation = 0
        self._loading = False
        self._wanted = (0, 0)
        self._shown: str | None = "?"  # the person (id and state) last announced
        self._lines: LRUCache[tuple[object, ...], Strip] = LRUCache(1024)

    # -- data ------------------------------------------------------------------

    def reset(self, fetch: PeopleFetch) -> None:
        """Show a new query: drop every page, cancel loads in flight."""
        self._fetch = fetch
        self._generation += 1
        self.pages = KeyRows()
        self._lines.clear()
        self.cursor_row = 0
        self.scroll_to(y=0, animate=False, immediate=True)
        self._loading = False
        self._update_size()
        self._ensure_visible_loaded()
        self.refresh()

    @property
    def row_count(self) -> int:
        return 0 if self._fetch is None else self.pages.row_count

    @property
    def is_loading(self) -> bool:
        return self._loading

    @property
    def highlighted(self) -> Any:
        return None  # no key here: the person is `person`

    @property
    def person(self) -> User | None:
        return self._row(self.cursor_row)

    def visible_people(self) -> list[User]:
        """The people on screen now (tests and the bench read this)."""
        first = round(self.scroll_y)
        found: list[Any] = [self.pages.get(r)
                            for r in range(first, first + self._body_height())]
        return [u for u in found if u is not None]

    def _update_size(self) -> None:
        size = Size(self.scrollable_content_region.width, self.row_count + 1)
        if size != self.virtual_size:
            self.virtual_size = size

    def _ensure_visible_loaded(self) -> None:
        if self._fetch is None:
            return
        first = round(self.scroll_y)
        last = max(first + self._body_height() + PAGE, self.cursor_row)
        self._wanted = (min(first, self.cursor_row), last)
        if not self._loading:
            self._loading = True
            self._load(self._generation)

    @work(exclusive=True, group="people-table-load", exit_on_error=False)
    async def _load(self, generation: int) -> None:
        try:
            while generation == self._generation and self._fetch is not None:
                request = self.pages.next_request(*self._wanted)
                if request is None:
                    return
                part, slot, cursor, limit = request
                first_page = self.pages.empty
                try:
                    page = await self._fetch(cursor, limit)
                except Exception as error:  # shown by the screen; the table stays usable
                    if generation == self._generation:
                        self.post_message(self.LoadFailed(error))
                    return
                if generation != self._generation:
                    return
                self.pages.store(part, slot, cursor, limit, page)  # type: ignore[arg-type]
                self._update_size()
                self.refresh()
                self._announce_person()
                self.post_message(self.PageLoaded())
                if first_page:  # paint these rows before parsing the next page
                    painted = asyncio.Event()
                    self.call_after_refresh(painted.set)
                    await painted.wait()
        finally:
            if generation == self._generation:
                self._loading = False

    # -- cursor ----------------------------------------------------------------

    def _cursor_moved(self) -> None:
        self._ensure_visible_loaded()
        self._announce_person()

    def _announce_person(self) -> None:
        user = self.person
        marker = None if user is None else f"{user.id}:{user.active}:{user.role}:{user.name}"
        if marker != self._shown:
            self._shown = marker
            self.post_message(self.PersonHighlighted(user))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._ensure_visible_loaded()

    def on_resize(self, event: events.Resize) -> None:
        self._lines.clear()
        self._update_size()
        self._ensure_visible_loaded()

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
            return self._cached(("header", width), self._render_header)
        row = round(self.scroll_y) + y - 1
        if row >= self.row_count:
            return Strip.blank(width, self.rich_style)
        user = self._row(row)
        cursor = row == self.cursor_row
        if user is None:
            return self._cached(("loading", width, cursor), lambda: self._render_loading(cursor))
        now = self.clock()
        key = (row, user, width, cursor, int(now.timestamp() // 60))
        return self._cached(key, lambda: self._render_row(user, now, cursor))

    def _row(self, row: int) -> User | None:
        found: Any = self.pages.get(row)
        return found  # type: ignore[no-any-return]

    def _cached(self, key: tuple[object, ...], render: Callable[[], Strip]) -> Strip:
        strip = self._lines.get(key)
        if strip is None:
            strip = render()
            self._lines[key] = strip
        return strip

    def _render_header(self) -> Strip:
        cells: list[Cell] = []
        cells.extend((c.title, None) for c in self.columns)
        return self.to_strip(cells, self._widths(),
                             self.get_component_rich_style("people-table--header"))

    def _render_loading(self, cursor: bool) -> Strip:
        style = self.get_component_rich_style("people-table--loading")
        if cursor:
            style += self.get_component_rich_style("people-table--cursor")
        cells: list[Cell] = [("loading…", None)]
        cells.extend(("", None) for _ in self.columns[1:])
        return self.to_strip(cells, self._widths(), style)

    def _render_row(self, user: User, now: datetime, cursor: bool) -> Strip:
        base = self.rich_style
        if not user.active:
            base += self.get_component_rich_style("people-table--inactive")
        if cursor:
            base += self.get_component_rich_style("people-table--cursor")
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
        return self.to_strip(cells, self._widths(), base)
