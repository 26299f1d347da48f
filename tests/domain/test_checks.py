"""Whole requests, checked once for the server, the TUI and the CLI."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tui_app.domain import checks
from tui_app.domain.checks import DEFAULT, UNCHANGED, FieldErrors, NewKeyInput
from tui_app.domain.expiry import DEFAULT_PRESET, NEVER, PRESETS, ExpiryChoice
from tui_app.domain.models import Policy
from tui_app.domain.roles import Role
from tui_app.domain.validation import Scope

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
POLICY = Policy(max_lifetime_days=365, require_terms=False, key_env="live")


def test_a_valid_key_comes_back_clean() -> None:
    key = checks.check_new_key(
        NewKeyInput(name="  deploy bot ", allowed_tools="search, fetch", rate_limit_rpm="60"),
        role=Role.MEMBER, policy=POLICY, now=NOW,
    )
    assert key.name == "deploy bot"
    assert key.expires_at == NOW + timedelta(days=30)  # the default preset
    assert key.scope is Scope.READ
    assert key.allowed_tools == ("search", "fetch") and key.blocked_tools == ()
    assert key.rate_limit_rpm == 60


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(FieldErrors) as found:
        checks.check_new_key(
            NewKeyInput(name="", expires_at=NOW - timedelta(days=1), scope="read_write",
                        allowed_tools=["a"], blocked_tools=["a"], rate_limit_rpm=0),
            role=Role.SERVICE, policy=Policy(30, True, "live"), now=NOW,
        )
    assert set(found.value.by_field()) == {
        "name", "expires_at", "scope", "blocked_tools", "rate_limit_rpm", "accept_terms"}


def test_expiry_from_a_choice_a_date_or_the_policy() -> None:
    def expiry(value: object, policy: Policy = POLICY) -> datetime | None:
        return checks.check_new_key(NewKeyInput(name="k", expires_at=value),  # type: ignore[arg-type]
                                    role=Role.MEMBER, policy=policy, now=NOW).expires_at

    assert expiry(ExpiryChoice(PRESETS[0])) == NOW + timedelta(days=7)
    assert expiry(ExpiryChoice(PRESETS[5], date(2026, 3, 10))) == datetime(
        2026, 3, 10, 23, 59, 59, tzinfo=UTC)
    assert expiry(DEFAULT, Policy(7, False, "live")) == NOW + timedelta(days=7)
    assert expiry(ExpiryChoice(NEVER), Policy(0, False, "live")) is None
    with pytest.raises(FieldErrors) as found:
        expiry(ExpiryChoice(PRESETS[5]))  # custom, no day picked
    assert found.value.by_field() == {"expires_at": "Pick a date in the calendar (enter picks)."}
    with pytest.raises(FieldErrors):
        expiry(None)  # "never" where the policy limits lifetimes
    assert DEFAULT_PRESET.days == 30


def test_an_edit_checks_only_what_it_changes() -> None:
    edit = checks.check_key_edit(name=" renamed ", policy=POLICY, now=NOW)
    assert list(edit.changes()) == [("name", "renamed")]
    assert edit.description is UNCHANGED and edit.expires_at is UNCHANGED
    with pytest.raises(FieldErrors) as found:
        checks.check_key_edit(name="a\u202eb", description="x" * 1001,
                              expires_at=NOW + timedelta(days=400), policy=POLICY, now=NOW)
    assert set(found.value.by_field()) == {"name", "description", "expires_at"}


def test_a_new_person() -> None:
    person = checks.check_new_person(email=" Ann@Example.org ", name="Ann", role="manager",
                                     teams=["red", "red", " blue "])
    assert person == checks.NewPerson("ann@example.org", "Ann", Role.MANAGER, ("red", "blue"))
    with pytest.raises(FieldErrors) as found:
        checks.check_new_person(email="nope", name="", role="owner", teams=["t" * 101])
    assert set(found.value.by_field()) == {"email", "name", "role", "teams"}
