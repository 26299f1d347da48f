"""A small keyboard calendar for picking a day.

Ours rather than a package: textual-datepicker crashes inside a ModalScreen on Textual 8
and leaves its month header blank, and a month grid driven by arrows, pgup/pgdn and
enter is ~150 lines with no new dependency. Arrows move by day/week, pgup/pgdn by
month, home/end to the first/last allowed day, enter posts `Calendar.Picked`.
"""

from __future__ import annotations

import calendar as _cal
from datetime import date, timedelta

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

_WEEKDAYS = "Mo Tu We Th Fr Sa Su"


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's last day (31 Jan + 1 → 28 Feb)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = _cal.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


class Calendar(Widget, can_focus=True):
    """A month grid with a cursor day; days outside [min_date, max_date] cannot be picked."""

    DEFAULT_CSS = """
    Calendar {
        width: 24;
        height: 10;
        padding: 0 1;
        border: round $border-blurred;
    }
    Calendar:focus {
        border: round $border;
    }
    """

    BINDINGS = [
        Binding("left", "move(-1)", "Previous day", show=False),
        Binding("right", "move(1)", "Next day", show=False),
        Binding("up", "move(-7)", "Previous week", show=False),
        Binding("down", "move(7)", "Next week", show=False),
        Binding("pageup", "month(-1)", "Previous month", show=False),
        Binding("pagedown", "month(1)", "Next month", show=False),
        Binding("home", "edge('first')", "First allowed day", show=False),
        Binding("end", "edge('last')", "Last allowed day", show=False),
        Binding("enter", "pick", "Pick day", id="calendar-pick"),
    ]

    cursor: reactive[date] = reactive(date(2000, 1, 1))
    selected: reactive[date | None] = reactive(None)

    class Picked(Message):
        def __init__(self, calendar: Calendar, day: date) -> None:
            super().__init__()
            self.calendar = calendar
            self.day = day

        @property
        def control(self) -> Calendar:
            return self.calendar

    def __init__(
        self,
        cursor: date,
        *,
        today: date | None = None,
        min_date: date | None = None,
        max_date: date | None = None,
        selected: date | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.today = today
        self.min_date = min_date
        self.max_date = max_date
        self.set_reactive(Calendar.cursor, self._clamp(cursor))
        self.set_reactive(Calendar.selected, selected)

    def _clamp(self, day: date) -> date:
        if self.min_date is not None and day < self.min_date:
            return self.min_date
        if self.max_date is not None and day > self.max_date:
            return self.max_date
        return day

    def allowed(self, day: date) -> bool:
        return (self.min_date is None or day >= self.min_date) and (
            self.max_date is None or day <= self.max_date
        )

    def set_bounds(self, min_date: date | None, max_date: date | None) -> None:
        self.min_date, self.max_date = min_date, max_date
        self.cursor = self._clamp(self.cursor)
        self.refresh()

    # -- actions -----------------------------------------------------------------------

    def action_move(self, days: int) -> None:
        self.cursor = self._clamp(self.cursor + timedelta(days=days))

    def action_month(self, months: int) -> None:
        self.cursor = self._clamp(add_months(self.cursor, months))

    def action_edge(self, which: str) -> None:
        edge = self.min_date if which == "first" else self.max_date
        if edge is not None:
            self.cursor = edge

    def action_pick(self) -> None:
        if self.allowed(self.cursor):
            self.selected = self.cursor
            self.post_message(self.Picked(self, self.cursor))

    # -- rendering ---------------------------------------------------------------------

    def render(self) -> Text:
        year, month = self.cursor.year, self.cursor.month
        text = Text(no_wrap=True)
        title = f"{_cal.month_name[month]} {year}"
        text.append(f"{title:^20}\n", style="bold")
        text.append(_WEEKDAYS + "\n", style="dim")
        weeks = _cal.Calendar(firstweekday=0).monthdatescalendar(year, month)
        while len(weeks) < 6:  # constant height, so the form does not jump between months
            weeks.append([d + timedelta(days=7) for d in weeks[-1]])
        for row, week in enumerate(weeks):
            for col, day in enumerate(week):
                text.append(f"{day.day:>2}", style=self._style(day, month))
                if col < 6:
                    text.append(" ")
            if row < len(weeks) - 1:
                text.append("\n")
        return text

    def _style(self, day: date, month: int) -> str:
        parts: list[str] = []
        if day.month != month or not self.allowed(day):
            parts.append("dim")
        if day == self.today:
            parts.append("underline")
        if day == self.selected:
            parts.append("bold")
        if day == self.cursor:
            parts.append("reverse" if self.has_focus else "bold underline")
        return " ".join(parts)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
