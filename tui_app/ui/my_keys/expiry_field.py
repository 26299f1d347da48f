"""The expiry part of the create and edit forms: quick-select, calendar, summary, error.

One compound widget so both forms behave the same: presets from the server's policy
(`domain.expiry.presets_for`), digits pick a preset (the form binds them), a custom date
opens our keyboard calendar and means the end of that day in the user's time zone, and
the line below always says which instant the choice means.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Label, Static

from tui_app.domain import expiry as expiry_rules
from tui_app.domain.clock import Clock
from tui_app.domain.models import Policy
from tui_app.domain.validation import FieldError
from tui_app.ui.my_keys.forms import (
    ExpiryChoice,
    check_expiry,
    describe_instant,
    relative_days,
)
from tui_app.ui.widgets.calendar import Calendar
from tui_app.ui.widgets.choices import Choice, ChoiceRow

KEEP = "keep"


class ExpiryField(Vertical):
    """`keep_label` adds a first option that leaves the expiry unchanged (edit form)."""

    class Changed(Message):
        pass

    def __init__(
        self,
        policy: Policy,
        clock: Clock,
        zone: tzinfo,
        *,
        keep_label: str | None = None,
        keep_summary: str = "Keeps the current expiry.",
        id: str | None = None,
    ) -> None:
        super().__init__(id=id, classes="expiry-field")
        self.policy = policy
        self.clock = clock
        self.zone = zone
        self.presets = {p.key: p for p in expiry_rules.presets_for(policy.max_lifetime_days)}
        choices = [Choice(p.key, p.label, p.key) for p in self.presets.values()]
        if keep_label is not None:
            choices.insert(0, Choice(KEEP, keep_label, "0"))
        start = KEEP if keep_label is not None else expiry_rules.DEFAULT_PRESET.key
        self._choices = choices
        self._start = start
        self.keep_summary = keep_summary

    def compose(self) -> ComposeResult:
        today = self.clock().astimezone(self.zone).date()
        with Horizontal(classes="field-row"):
            yield Label("Expires", classes="field-label")
            yield ChoiceRow(self._choices, value=self._start, id="expiry")
        yield Static("", id="expiry-summary", classes="field-note")
        yield Calendar(today + timedelta(days=30), today=today, id="expiry-calendar")
        yield Static("", id="expires-at-error", classes="field-error")

    def on_mount(self) -> None:
        self._refresh()

    # -- state -------------------------------------------------------------------------

    @property
    def row(self) -> ChoiceRow:
        return self.query_one("#expiry", ChoiceRow)

    @property
    def calendar(self) -> Calendar:
        return self.query_one("#expiry-calendar", Calendar)

    def choice(self) -> ExpiryChoice | None:
        """None when the user keeps the current expiry."""
        value = self.row.value
        if value == KEEP:
            return None
        return ExpiryChoice(self.presets[value], self.calendar.selected)

    def pick(self, hotkey: str) -> bool:
        """Select the option with this digit; a custom date moves focus to the calendar."""
        value = KEEP if hotkey == "0" else hotkey
        if not self.row.select(value):
            return False
        if self.presets.get(value) is not None and self.presets[value].kind == "custom":
            self.call_after_refresh(self.calendar.focus)
        return True

    def resolve(self) -> datetime | None:
        """The chosen instant (None = never); raises FieldError. Only for non-keep choices."""
        choice = self.choice()
        assert choice is not None
        return check_expiry(choice, now=self.clock(), zone=self.zone, policy=self.policy)

    def show_error(self, message: str | None) -> None:
        error = self.query_one("#expires-at-error", Static)
        error.update(Text(message or ""))
        error.display = bool(message)

    def validate(self) -> str | None:
        """Refresh the summary and return the error message, if any."""
        return self._refresh()

    # -- events ------------------------------------------------------------------------

    @on(ChoiceRow.Changed, "#expiry")
    def _choice_changed(self, event: ChoiceRow.Changed) -> None:
        event.stop()
        self._refresh()
        self.post_message(self.Changed())

    @on(Calendar.Picked)
    def _day_picked(self, event: Calendar.Picked) -> None:
        event.stop()
        self._refresh()
        self.post_message(self.Changed())

    def _refresh(self) -> str | None:
        choice = self.choice()
        custom = choice is not None and choice.preset.kind == "custom"
        if not custom and self.calendar.has_focus:
            self.row.focus()  # a digit picked a preset from inside the calendar
        self.calendar.display = custom
        summary = self.query_one("#expiry-summary", Static)
        if choice is None:
            summary.update(Text(self.keep_summary, style="dim"))
            self.show_error(None)
            return None
        if custom and choice.day is None:
            summary.update(
                Text("Pick a day: arrows move, pgup/pgdn change month, enter picks.", "dim")
            )
            self.show_error(None)
            return None
        try:
            when = self.resolve()
        except FieldError as err:
            summary.update(Text(""))
            self.show_error(err.message)
            return err.message
        self.show_error(None)
        if when is None:
            summary.update(Text("Never expires.", style="dim"))
        else:
            now = self.clock()
            summary.update(
                Text(f"Expires {describe_instant(when, self.zone)} ({relative_days(when, now)})")
            )
        return None

    def error_for_submit(self) -> str | None:
        """Like validate, but a custom choice without a day is an error now."""
        choice = self.choice()
        if choice is not None and choice.preset.kind == "custom" and choice.day is None:
            message = "Pick a date in the calendar (enter picks)."
            self.show_error(message)
            return message
        return self._refresh()
