"""Field validation shared by server, CLI and TUI."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tui_app.domain import validation as v
from tui_app.domain.validation import FieldError

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def test_name_is_trimmed_and_bounded() -> None:
    assert v.validate_name("  deploy bot ") == "deploy bot"
    assert v.validate_name("x" * 255) == "x" * 255
    for bad in ["", "   ", "x" * 256, "a\x1bb", "evil\u202e", "zero\u200bwidth", "tab\there", 5]:
        with pytest.raises(FieldError) as info:
            v.validate_name(bad)
        assert info.value.field == "name" and info.value.message


def test_description_allows_newlines_not_controls() -> None:
    assert v.validate_description(None) == ""
    assert v.validate_description("line one\nline two") == "line one\nline two"
    with pytest.raises(FieldError):
        v.validate_description("x" * 1001)
    with pytest.raises(FieldError):
        v.validate_description("bell\x07")


def test_tools() -> None:
    assert v.validate_tools("allowed_tools", "a, b c,a") == ["a", "b", "c"]
    assert v.validate_tools("allowed_tools", None) == []
    with pytest.raises(FieldError):
        v.validate_tools("allowed_tools", ["ok", "not ok"])
    with pytest.raises(FieldError):
        v.validate_tools("blocked_tools", [f"t{i}" for i in range(101)])
    with pytest.raises(FieldError):
        v.validate_tools("allowed_tools", ["x" * 65])
    with pytest.raises(FieldError) as info:
        v.validate_tool_lists(["a", "b"], ["b"])
    assert "b" in info.value.message


def test_rate_limit() -> None:
    assert v.validate_rate_limit(None) is None
    assert v.validate_rate_limit("") is None
    assert v.validate_rate_limit("60") == 60
    for bad in [0, 100_001, "x", True, 1.5, -1]:
        with pytest.raises(FieldError):
            v.validate_rate_limit(bad)


def test_scope() -> None:
    assert v.validate_scope("read") is v.Scope.READ
    with pytest.raises(FieldError):
        v.validate_scope("admin")


def test_expiry_against_policy() -> None:
    soon = NOW + timedelta(days=30)
    assert v.validate_expiry(soon, now=NOW, max_lifetime_days=365) == soon
    with pytest.raises(FieldError):
        v.validate_expiry(None, now=NOW, max_lifetime_days=365)
    assert v.validate_expiry(None, now=NOW, max_lifetime_days=0) is None
    with pytest.raises(FieldError):
        v.validate_expiry(NOW - timedelta(seconds=1), now=NOW, max_lifetime_days=0)
    with pytest.raises(FieldError):
        v.validate_expiry(NOW + timedelta(days=400), now=NOW, max_lifetime_days=365)


def test_people_fields() -> None:
    assert v.validate_email(" Ada@Example.COM ") == "ada@example.com"
    for bad in ["", "no-at", "a@b@c", "sp ace@x.y", 3]:
        with pytest.raises(FieldError):
            v.validate_email(bad)
    assert v.validate_person_name(" Ada ") == "Ada"
    assert v.validate_team_names(["red", "red", " blue "]) == ["red", "blue"]
    with pytest.raises(FieldError):
        v.validate_team_names(["\u202e"])


def test_review_naive_expiry_and_lone_surrogates_are_refused() -> None:
    from tui_app.domain.sanitize import clean, has_unsafe

    now = datetime(2026, 3, 1, tzinfo=UTC)
    with pytest.raises(FieldError) as caught:
        v.validate_expiry(datetime(2026, 4, 1), now=now, max_lifetime_days=365)
    assert caught.value.field == "expires_at" and "time zone" in caught.value.message
    assert has_unsafe("a\ud800b") and clean("a\ud800b") == "a\ufffdb"
    with pytest.raises(FieldError):
        v.validate_team_names(["\udfff"])
    with pytest.raises(FieldError) as caught:
        v.validate_tools("allowed_tools", ["\ud800"])
    assert "\ud800" not in caught.value.message
