"""The Admin screen's filter line: three selects and three inputs, read as one `Filters`.

It announces a change once the user has settled (`Changed`): a select at once, typing
after a pause, so a fast typist starts one query, not one per key. Setting the widgets
from code (`show`, for presets) announces nothing: the screen already knows.
"""

from __future__ import annotations

from textual import events, getters, on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.suggester import Suggester
from textual.timer import Timer
from textual.widgets import Input, Select

from tui_app.ui.admin.filters import EXPIRING_OPTIONS, STALE_OPTIONS, STATUS_OPTIONS, Filters

# Three selects and three inputs need this many columns on one line.
ONE_LINE_WIDTH = 100
TYPING_DEBOUNCE = 0.3
SELECT_DEBOUNCE = 0.01  # coalesces the events of one change


class FilterBar(Horizontal):
    class Changed(Message):
        def __init__(self, filters: Filters) -> None:
            super().__init__()
            self.filters = filters

    class Submitted(Message):
        """Enter in an input: the filters apply now and the table takes the focus."""

        def __init__(self, filters: Filters) -> None:
            super().__init__()
            self.filters = filters

    status_select = getters.query_one("#admin-status", Select)
    stale_select = getters.query_one("#admin-stale", Select)
    expiring_select = getters.query_one("#admin-expiring", Select)
    owner_input = getters.query_one("#admin-owner", Input)
    team_input = getters.query_one("#admin-team", Input)
    search_input = getters.query_one("#admin-search", Input)

    def __init__(self, *, owner_suggester: Suggester | None = None,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self._owner_suggester = owner_suggester
        self._debounce: Timer | None = None
        self._setting = False

    def compose(self) -> ComposeResult:
        yield Select(STATUS_OPTIONS, value="all", allow_blank=False, compact=True,
                     id="admin-status")
        yield Select(STALE_OPTIONS, value="any", allow_blank=False, compact=True,
                     id="admin-stale")
        yield Select(EXPIRING_OPTIONS, value="any", allow_blank=False, compact=True,
                     id="admin-expiring")
        yield Input(placeholder="owner: name", compact=True, id="admin-owner",
                    suggester=self._owner_suggester)
        yield Input(placeholder="team", compact=True, id="admin-team")
        yield Input(placeholder="/ search", compact=True, id="admin-search")

    def on_resize(self, event: events.Resize) -> None:
        # Narrower, the inputs would be pushed off the screen: selects above, inputs below.
        self.set_class(event.size.width < ONE_LINE_WIDTH, "-two-lines")

    def read(self) -> Filters:
        status = self.status_select.value
        stale = self.stale_select.value
        expiring = self.expiring_select.value
        return Filters(
            status=None if status in ("all", Select.BLANK) else str(status),
            stale=None if stale in ("any", Select.BLANK) else str(stale),
            expiring=None if expiring in ("any", Select.BLANK) else int(str(expiring)),
            owner=self.owner_input.value,
            team=self.team_input.value,
            q=self.search_input.value,
        )

    def show(self, filters: Filters) -> None:
        """Set every widget to `filters`, announcing nothing."""
        self._setting = True
        try:
            _choose(self.status_select, STATUS_OPTIONS, filters.status or "all",
                    (filters.status or "").replace(",", "+"))
            _choose(self.stale_select, STALE_OPTIONS, filters.stale or "any",
                    f"Unused {filters.stale} d")
            _choose(self.expiring_select, EXPIRING_OPTIONS,
                    str(filters.expiring) if filters.expiring else "any",
                    f"Expiring {filters.expiring} d")
            self.owner_input.value = filters.owner
            self.team_input.value = filters.team
            self.search_input.value = filters.q
        finally:
            # Widgets post Changed events later: ignore those from this programmatic set.
            self.call_after_refresh(self._end_setting)
        self.cancel_pending()

    def _end_setting(self) -> None:
        self._setting = False

    def cancel_pending(self) -> None:
        if self._debounce is not None:
            self._debounce.stop()
            self._debounce = None

    def _changed(self, delay: float) -> None:
        if self._setting:
            return
        self.cancel_pending()
        self._debounce = self.set_timer(delay, self._announce)

    def _announce(self) -> None:
        self._debounce = None
        self.post_message(self.Changed(self.read()))

    @on(Select.Changed)
    def _select_changed(self, event: Select.Changed) -> None:
        event.stop()
        self._changed(SELECT_DEBOUNCE)

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._changed(TYPING_DEBOUNCE)

    @on(Input.Submitted)
    def _input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.cancel_pending()
        self.post_message(self.Submitted(self.read()))


def _choose(select: Select[str], options: list[tuple[str, str]], value: str,
            label: str) -> None:
    """Set a select, adding the value as an option if it is not one yet (a combination
    of statuses, or a number of days the presets do not offer)."""
    if value not in {v for _, v in options}:
        select.set_options([*options, (label, value)])
    select.value = value
