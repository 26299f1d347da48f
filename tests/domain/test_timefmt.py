"""Relative times read the way people count: a key made for 30 days is "in 30 days"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tui_app.domain.expiry import expires_within
from tui_app.domain.timefmt import absolute, relative

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("delta", "text"), [
    (timedelta(days=30) - timedelta(seconds=1), "in 30 days"),
    (timedelta(days=7, minutes=-5), "in 7 days"),
    (timedelta(hours=36), "in 2 days"),
    (timedelta(hours=23, minutes=59), "in 23 h"),
    (timedelta(minutes=5), "in 5 min"),
    (timedelta(seconds=20), "just now"),
    (-timedelta(days=1, hours=2), "1 day ago"),
    (-timedelta(days=400), "1 year ago"),
])
def test_relative(delta: timedelta, text: str) -> None:
    assert relative(NOW + delta, NOW) == text


def test_missing_and_absolute() -> None:
    assert relative(None, NOW) == "never" and relative(None, NOW, none="") == ""
    assert absolute(NOW) == "2026-11-23 12:00 UTC"
    assert expires_within(NOW + timedelta(days=7), NOW, 7)
    assert not expires_within(NOW + timedelta(days=8), NOW, 7)
    assert not expires_within(NOW - timedelta(seconds=1), NOW, 7)
