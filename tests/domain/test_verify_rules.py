"""The verify judgement, without a database: the order of the checks, the effective
permission (owner's role ∩ key scope ∩ tool lists), the key as presented, the rate-limit
window and when a use is worth a write."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import any_text, tokens

from tui_app.domain import keyformat
from tui_app.domain.keyformat import TokenKind, TokenMalformed
from tui_app.domain.verify import (
    MESSAGES,
    RateWindow,
    check_agent_key_format,
    judge,
    presented_key_problem,
    use_is_due,
    window_start,
)

NOW = datetime(2026, 3, 1, 12, 0, 30, tzinfo=UTC)
PAST, FUTURE = NOW - timedelta(days=1), NOW + timedelta(days=1)


@dataclass(frozen=True)
class Key:
    revoked_at: datetime | None = None
    expires_at: datetime | None = FUTURE
    disabled_at: datetime | None = None
    owner_active: bool = True
    owner_role: str = "member"
    scope: str = "read"
    allowed_tools: list[str] = field(default_factory=list)
    blocked_tools: list[str] = field(default_factory=list)


def test_an_unknown_key_is_invalid() -> None:
    assert judge(None, NOW, tool=None, access=None) == "TOKEN_INVALID"


@pytest.mark.parametrize(("key", "code"), [
    # Status comes first, whatever the tools and scope would say.
    (Key(revoked_at=PAST, expires_at=PAST, disabled_at=PAST, blocked_tools=["x"]),
     "TOKEN_REVOKED"),
    (Key(expires_at=NOW, disabled_at=PAST, owner_active=False), "TOKEN_EXPIRED"),
    (Key(disabled_at=PAST, blocked_tools=["x"]), "TOKEN_INACTIVE"),
    (Key(owner_active=False, scope="read"), "TOKEN_INACTIVE"),
    # Then the tool lists, then the scope.
    (Key(blocked_tools=["x"], scope="read"), "TOOL_FORBIDDEN"),
    (Key(allowed_tools=["y"], scope="read"), "TOOL_FORBIDDEN"),
    (Key(scope="read"), "SCOPE_FORBIDDEN"),
    (Key(scope="read_write"), "VALID"),
])
def test_status_then_tools_then_scope(key: Key, code: str) -> None:
    assert judge(key, NOW, tool="x", access="write") == code


@pytest.mark.parametrize(("role", "scope", "access", "code"), [
    ("member", "read", None, "VALID"),  # no access given: a read
    ("member", "read", "read", "VALID"),
    ("member", "read", "write", "SCOPE_FORBIDDEN"),
    ("member", "read_write", "write", "VALID"),
    ("manager", "read_write", "write", "VALID"),
    ("admin", "read_write", "write", "VALID"),
    # A role that may not write caps the key's scope.
    ("service", "read_write", "write", "SCOPE_FORBIDDEN"),
    ("service", "read_write", "read", "VALID"),
])
def test_owner_role_and_scope(role: str, scope: str, access: str | None, code: str) -> None:
    assert judge(Key(owner_role=role, scope=scope), NOW, tool=None, access=access) == code


def test_tool_lists_match_exact_names() -> None:
    key = Key(allowed_tools=["search", "read_file"], blocked_tools=["deploy"])
    assert judge(key, NOW, tool="search", access=None) == "VALID"
    for tool in ("Search", "search\n", " search", "write_file", "deploy", "bad tool!"):
        assert judge(key, NOW, tool=tool, access=None) == "TOOL_FORBIDDEN", tool
    assert judge(replace(key, allowed_tools=[]), NOW, tool="anything", access=None) == "VALID"


@given(tokens())
def test_a_well_formed_key_is_recognised_as_parse_does(token: str) -> None:
    problem = presented_key_problem(token)
    if (keyformat.is_well_formed(token, TokenKind.AGENT)
            or keyformat.is_well_formed(token, TokenKind.SESSION)):
        assert problem is None  # agent keys and key sessions are presented alike
    else:
        assert problem is not None and problem[0] == "TOKEN_MALFORMED"


@given(st.one_of(any_text, tokens().map(lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"))))
def test_the_fast_recogniser_refuses_with_parse_s_own_message(text: str) -> None:
    try:
        keyformat.parse(text, TokenKind.AGENT)
        expected = None
    except TokenMalformed as exc:
        expected = str(exc)
    try:
        check_agent_key_format(text)
        got = None
    except TokenMalformed as exc:
        got = str(exc)
    assert got == expected


def test_a_missing_key() -> None:
    for key in (None, "", "  \n"):
        assert presented_key_problem(key) == ("TOKEN_MISSING", MESSAGES["TOKEN_MISSING"])


def test_rate_window_arithmetic() -> None:
    start = window_start(NOW)
    assert start == int(datetime(2026, 3, 1, 12, 0, tzinfo=UTC).timestamp())
    assert window_start(NOW + timedelta(seconds=29)) == start  # 12:00:59
    assert window_start(NOW + timedelta(seconds=30)) == start + 60  # 12:01:00
    window = RateWindow(limit=3, count=3, start=start)
    assert not window.exceeded and window.remaining == 0
    assert window.reset_at == datetime(2026, 3, 1, 12, 1, tzinfo=UTC)
    over = RateWindow(limit=3, count=5, start=start)
    assert over.exceeded and over.remaining == 0
    assert over.retry_after(NOW) == 30
    assert over.retry_after(NOW + timedelta(seconds=29, milliseconds=500)) == 1
    assert over.retry_after(NOW + timedelta(seconds=29, milliseconds=999)) == 1  # at least 1
    assert RateWindow(limit=3, count=1, start=start).remaining == 2


def test_a_use_is_recorded_at_most_once_per_resolution() -> None:
    minute = timedelta(seconds=60)
    assert use_is_due(None, NOW, minute)
    assert not use_is_due(NOW - timedelta(seconds=59), NOW, minute)
    assert use_is_due(NOW - minute, NOW, minute)
