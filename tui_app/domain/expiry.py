"""Expiry: the quick-select presets, what a choice means, and the server's lifetime
policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from tui_app.domain.field_error import FieldError
from tui_app.domain.status import KeyStatus

DEFAULT_MAX_LIFETIME_DAYS = 365
# The most days one extension may ask for (a hundred years); the policy may allow less.
MAX_EXTEND_DAYS = 36_500
DEFAULT_DAYS = 30  # a new key's lifetime when none is given
EXPIRING_SOON_DAYS = 7  # an active key this close to its expiry is flagged


@dataclass(frozen=True, slots=True)
class ExpiryPreset:
    key: str  # the quick-select key, "1"–"6"  # noqa: RUF003
    label: str
    days: int | None  # None: custom date or never, see `kind`
    kind: str = "days"  # "days" | "custom" | "never"


PRESETS: tuple[ExpiryPreset, ...] = (
    ExpiryPreset("1", "7 days", 7),
    ExpiryPreset("2", "30 days", 30),
    ExpiryPreset("3", "60 days", 60),
    ExpiryPreset("4", "90 days", 90),
    ExpiryPreset("5", "1 year", 365),
    ExpiryPreset("6", "Custom date", None, "custom"),
)
NEVER = ExpiryPreset("7", "No expiration", None, "never")
DEFAULT_PRESET = PRESETS[1]


def presets_for(max_lifetime_days: int) -> tuple[ExpiryPreset, ...]:
    """The presets a server's policy allows; 'No expiration' only when unlimited."""
    allowed = tuple(
        p for p in PRESETS
        if p.days is None or max_lifetime_days == 0 or p.days <= max_lifetime_days
    )
    return (*allowed, NEVER) if max_lifetime_days == 0 else allowed


def latest_allowed_expiry(now: datetime, max_lifetime_days: int) -> datetime | None:
    if max_lifetime_days <= 0:
        return None
    # One day of grace so "end of the last allowed day" in any time zone is accepted.
    return now + timedelta(days=max_lifetime_days + 1)


def expiry_after_days(now: datetime, days: int) -> datetime:
    return now + timedelta(days=days)


def end_of_day(day: date, zone: tzinfo) -> datetime:
    """A custom date means the end of that day in the user's time zone."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=zone)


def default_expiry(now: datetime, max_lifetime_days: int) -> datetime:
    """A new key's expiry when none is given: 30 days, or less if the policy says so."""
    days = DEFAULT_DAYS if max_lifetime_days == 0 else min(DEFAULT_DAYS, max_lifetime_days)
    return expiry_after_days(now, days)


def expires_within(expires_at: datetime | None, now: datetime, days: int) -> bool:
    """Whether a time still in the future is at most `days` away."""
    return expires_at is not None and now < expires_at <= now + timedelta(days=days)


def is_expiring_soon(status: KeyStatus, expires_at: datetime | None, now: datetime) -> bool:
    """An active key that expires within a week: flagged in lists and counted."""
    return status is KeyStatus.ACTIVE and expires_within(expires_at, now, EXPIRING_SOON_DAYS)


@dataclass(frozen=True, slots=True)
class ExpiryChoice:
    """What a person picked in the quick-select: a preset, a custom day, or never."""

    preset: ExpiryPreset
    day: date | None = None  # only for the custom preset

    def resolve(self, now: datetime, zone: tzinfo) -> datetime | None:
        """The instant this choice means; raises FieldError for a custom preset without a
        day."""
        if self.preset.kind == "never":
            return None
        if self.preset.kind == "custom":
            if self.day is None:
                raise FieldError("expires_at", "Pick a date in the calendar (enter picks).")
            return end_of_day(self.day, zone)
        assert self.preset.days is not None
        return expiry_after_days(now, self.preset.days)
