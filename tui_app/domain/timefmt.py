"""Times for people: relative in lists ("in 12 days", "3 h ago"), absolute in details.

`now` always comes from an injectable clock (the TUI's `app.clock()`), never from the
system directly, so tests and snapshots are deterministic. Absolute times are shown in
UTC with the zone spelled out: one unambiguous form on every machine and in every
snapshot, matching what the API and the CLI's --json output say. The TUI and the CLI
share this wording.
"""

from __future__ import annotations

from datetime import UTC, datetime

_MINUTE = 60
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR


def _span(seconds: float) -> str:
    seconds = abs(seconds)
    if seconds < _HOUR:
        return f"{max(1, int(seconds // _MINUTE))} min"
    if seconds < _DAY:
        return f"{int(seconds // _HOUR)} h"
    # Nearest day, not floor: a key made for 30 days reads "in 30 days", not "in 29 days"
    # one second later.
    days = max(1, round(seconds / _DAY))
    if days < 365:
        return "1 day" if days == 1 else f"{days} days"
    years = days // 365
    return "1 year" if years == 1 else f"{years} years"


def relative(when: datetime | None, now: datetime, *, none: str = "never") -> str:
    """'in 12 days', '3 h ago', 'just now'; `none` for a missing time (default 'never')."""
    if when is None:
        return none
    delta = (when - now).total_seconds()
    if abs(delta) < _MINUTE:
        return "just now"
    return f"in {_span(delta)}" if delta > 0 else f"{_span(delta)} ago"


def absolute(when: datetime | None, *, none: str = "never") -> str:
    """'2026-11-22 22:31 UTC'."""
    if when is None:
        return none
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def compact(text: str) -> str:
    """'198 days ago' → '198d ago': relative times that fit a 10-cell column. Minutes
    and hours keep their space ('4 min ago', '3 h ago'), as everywhere else."""
    for long, short in ((" days", "d"), (" day", "d"), (" years", "y"), (" year", "y")):
        text = text.replace(long, short)
    return text
