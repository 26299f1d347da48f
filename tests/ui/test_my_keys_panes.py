"""What the two panes of My keys show (my_keys/panes.py), without Textual: which keys,
in which order, and the words around them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tui_app.domain.models import AgentKey, UserRef
from tui_app.domain.status import KeyStatus
from tui_app.ui.my_keys.panes import panes

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
OWNER = UserRef(id="usr_1", name="Ada", email="ada@example.com")


def key(name: str, **changes: Any) -> AgentKey:
    values: dict[str, Any] = {
        "id": f"key_{name}", "name": name, "description": "", "owner": OWNER,
        "created_by": OWNER, "created_at": NOW - timedelta(days=40),
        "expires_at": NOW + timedelta(days=30), "scope": "read", "allowed_tools": (),
        "blocked_tools": (), "rate_limit_rpm": None, "hint": "ak_live_…xP",
        "last_used_at": None, "last_used_tool": None, "revoked_at": None, "revoked_by": None,
        "disabled_at": None, "disabled_by": None, "status": KeyStatus.ACTIVE,
        "status_reason": None, "version": 1,
    }
    values.update(changes)
    return AgentKey(**values)


KEYS = [
    key("later", expires_at=NOW + timedelta(days=60)),
    key("never", expires_at=None),
    key("soon", expires_at=NOW + timedelta(days=3), allowed_tools=("deploy",)),
    key("revoked-long-ago", status=KeyStatus.REVOKED, revoked_at=NOW - timedelta(days=9)),
    key("disabled-today", status=KeyStatus.INACTIVE, disabled_at=NOW - timedelta(hours=1)),
]


def test_active_soonest_first_never_last_inactive_most_recent_first() -> None:
    shown = panes(KEYS, "", NOW)
    assert [k.name for k in shown.active] == ["soon", "later", "never"]
    assert [k.name for k in shown.inactive] == ["disabled-today", "revoked-long-ago"]


def test_titles_count_the_keys_and_warn_of_expiry() -> None:
    shown = panes(KEYS, "", NOW)
    assert shown.active_title == "Active (3) · 1 expiring soon"
    assert shown.inactive_title == "Inactive (2)"
    assert shown.sub_title == "! 1 key expires within 7 days"
    assert shown.active_subtitle == shown.inactive_subtitle == ""


def test_a_filter_matches_tools_and_counts_what_it_hides() -> None:
    shown = panes(KEYS, "  DEPLOY ", NOW)
    assert [k.name for k in shown.active] == ["soon"] and shown.inactive == []
    assert shown.active_title == "Active (1 of 3) · 1 expiring soon"
    assert shown.inactive_title == "Inactive (0 of 2)"
    assert shown.inactive_subtitle == "no matches"


def test_no_keys_says_how_to_make_one() -> None:
    shown = panes([], "", NOW)
    assert shown.active_subtitle == "no active keys — n creates one"
    assert shown.sub_title == ""
