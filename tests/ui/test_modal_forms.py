"""The pure parsing behind the create and edit forms (no Textual, no server)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from tui_app.domain import expiry
from tui_app.domain.models import Policy
from tui_app.domain.roles import Role
from tui_app.ui.clipboard import copy_locally, over_ssh
from tui_app.ui.my_keys.forms import (
    UNCHANGED,
    ExpiryChoice,
    FormErrors,
    KeyEdit,
    NewKeyForm,
    NewKeyRequest,
    parse_key_edit,
    parse_new_key,
    relative_days,
)

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
POLICY = Policy(max_lifetime_days=365, require_terms=False, key_env="live")
CUSTOM = next(p for p in expiry.PRESETS if p.kind == "custom")


def parse(form: NewKeyForm, *, policy: Policy = POLICY, role: Role = Role.MEMBER,
          zone: timezone = UTC) -> NewKeyRequest:
    return parse_new_key(form, policy=policy, role=role, now=NOW, zone=zone,
                         idempotency_key="idem-1")


def test_defaults_make_a_30_day_read_key() -> None:
    request = parse(NewKeyForm(name="  agent  ", allowed_tools="a, b c,,a"))
    assert request.name == "agent"
    assert request.expires_at == NOW + timedelta(days=30)
    assert request.scope == "read"
    assert request.allowed_tools == ("a", "b", "c")
    assert request.rate_limit_rpm is None
    assert request.idempotency_key == "idem-1"
    assert request.as_create_kwargs()["idempotency_key"] == "idem-1"


def test_every_problem_is_reported_at_once_with_the_servers_messages() -> None:
    form = NewKeyForm(name="", allowed_tools="ok bad!", rate_limit_rpm="100001",
                      scope="read_write", expiry=ExpiryChoice(CUSTOM, None))
    with pytest.raises(FormErrors) as caught:
        parse(form, role=Role.SERVICE, policy=Policy(365, True, "live"))
    errors = caught.value.errors
    assert set(errors) == {"name", "allowed_tools", "rate_limit_rpm", "scope", "expires_at",
                           "accept_terms"}
    assert errors["scope"] == "Your role may only create read keys."


def test_custom_date_is_the_end_of_that_day_in_the_users_zone() -> None:
    zone = timezone(timedelta(hours=-5))
    request = parse(NewKeyForm(name="k", expiry=ExpiryChoice(CUSTOM, date(2026, 12, 24))),
                    zone=zone)
    assert request.expires_at == datetime(2026, 12, 24, 23, 59, 59, tzinfo=zone)


def test_past_and_too_far_dates_are_refused() -> None:
    for day, message in ((date(2026, 11, 1), "in the past"),
                         (date(2028, 1, 1), "at most 365 days")):
        with pytest.raises(FormErrors) as caught:
            parse(NewKeyForm(name="k", expiry=ExpiryChoice(CUSTOM, day)))
        assert message in caught.value.errors["expires_at"]


def test_no_expiration_only_where_the_policy_allows() -> None:
    never = ExpiryChoice(expiry.NEVER)
    assert parse(NewKeyForm(name="k", expiry=never), policy=Policy(0, False, "live")) \
        .expires_at is None
    with pytest.raises(FormErrors):
        parse(NewKeyForm(name="k", expiry=never))


def test_key_edit_keeps_expiry_unless_chosen() -> None:
    kept = parse_key_edit(name="n", description="d", expiry=None, version=7, policy=POLICY,
                          now=NOW, zone=UTC)
    assert kept.expires_at is UNCHANGED and not kept.expiry_changed
    assert "expires_at" not in kept.as_update_kwargs()
    assert kept.as_update_kwargs()["if_match"] == 7
    week = next(p for p in expiry.PRESETS if p.days == 7)
    moved = parse_key_edit(name="n", description="", expiry=ExpiryChoice(week), version=7,
                           policy=POLICY, now=NOW, zone=UTC)
    assert moved.as_update_kwargs()["expires_at"] == NOW + timedelta(days=7)
    assert isinstance(moved, KeyEdit)


def test_relative_days_wording() -> None:
    assert relative_days(NOW + timedelta(days=30), NOW) == "in 30 days"
    assert relative_days(NOW - timedelta(days=3), NOW) == "3 days ago"
    assert relative_days(NOW + timedelta(days=1), NOW) == "in 1 day"
    assert relative_days(NOW + timedelta(hours=5), NOW) == "in 5 h"


def test_clipboard_helpers_never_raise() -> None:
    class Broken:
        def copy(self, text: str) -> None:
            raise RuntimeError("no xclip")

    assert copy_locally(Broken(), "x") is False
    assert over_ssh({"SSH_TTY": "/dev/pts/1"}) and over_ssh({"SSH_CONNECTION": "a b c d"})
    assert not over_ssh({})
