"""Option parsing and time wording shared by the commands (no server needed)."""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime, timedelta

import pytest

from tui_app.cli.common import parse_days, parse_expiry, relative

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "days"), [("7", 7), ("7d", 7), ("2w", 14), ("1y", 365),
                                            (" 30D ", 30)])
def test_durations(text: str, days: int) -> None:
    assert parse_days(text) == days


@pytest.mark.parametrize("text", ["0", "0d", "-1d", "soon", "7m", ""])
def test_bad_durations(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        parse_days(text)


def test_expiries() -> None:
    assert parse_expiry("30d").resolve(NOW) == NOW + timedelta(days=30)
    assert parse_expiry("1y").resolve(NOW) == NOW + timedelta(days=365)
    assert parse_expiry("never").resolve(NOW) is None
    day = parse_expiry("2027-01-31")
    assert day.day == date(2027, 1, 31)
    resolved = day.resolve(NOW)
    assert resolved is not None and resolved.astimezone().date() == date(2027, 1, 31)
    assert (resolved.astimezone().hour, resolved.astimezone().minute) == (23, 59)
    assert parse_expiry("2027-01-31T10:00:00Z").resolve(NOW) == datetime(
        2027, 1, 31, 10, tzinfo=UTC)
    # A time without an offset is the user's own time zone (like a date), not UTC.
    local = parse_expiry("2027-01-31T10:00").resolve(NOW)
    assert local is not None and local.tzinfo is not None
    assert local == datetime(2027, 1, 31, 10).astimezone()
    assert parse_expiry("2027-01-31T10:00:00+02:00").resolve(NOW) == datetime(
        2027, 1, 31, 8, tzinfo=UTC)
    # Past year 9999 in UTC (or absurdly far): a usage error, not an OverflowError later.
    for bad in ("tomorrow", "2027-13-01", "31/01/2027", "9999-12-31T23:00:00-05:00",
                "99999999d"):
        with pytest.raises(argparse.ArgumentTypeError):
            parse_expiry(bad)


@pytest.mark.parametrize(("delta", "text"), [
    (None, "never"),
    (timedelta(seconds=20), "just now"),
    (timedelta(minutes=5), "in 5 min"),
    (-timedelta(hours=3), "3 h ago"),
    (timedelta(days=1, hours=1), "in 1 day"),
    (timedelta(days=12, hours=3), "in 12 days"),
    (-timedelta(days=800), "2 years ago"),
])
def test_relative(delta: timedelta | None, text: str) -> None:
    assert relative(None if delta is None else NOW + delta, NOW) == text
