"""Expiry quick-select presets and the server's lifetime policy (SPEC §1)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

DEFAULT_MAX_LIFETIME_DAYS = 365


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
