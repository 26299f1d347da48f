"""Which marked keys a bulk action applies to, and the reason worded for each action."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tui_app.domain.bulk import plan_bulk, skip_reason
from tui_app.domain.models import AgentKey, UserRef
from tui_app.domain.status import KeyStatus

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


REVOKED = key("gone", revoked_at=NOW, status=KeyStatus.REVOKED)
DISABLED = key("off", disabled_at=NOW, status=KeyStatus.INACTIVE)
ACTIVE = key("on")
FOREVER = key("forever", expires_at=None)
EXPIRED = key("old", expires_at=NOW - timedelta(days=1), status=KeyStatus.EXPIRED)


@pytest.mark.parametrize(("action", "agent_key", "reason"), [
    ("extend", REVOKED, "revoked keys cannot be extended"),
    ("disable", REVOKED, "revoked keys cannot be disabled"),
    ("enable", REVOKED, "revoked keys cannot be enabled"),
    ("revoke", REVOKED, "already revoked"),
    ("disable", DISABLED, "already disabled"),
    ("enable", ACTIVE, "not disabled"),
    ("extend", FOREVER, "keys that never expire are not extended"),
    ("extend", EXPIRED, None),
    ("revoke", DISABLED, None),
    ("enable", DISABLED, None),
    ("disable", ACTIVE, None),
])
def test_each_reason_is_worded_for_its_action(action: str, agent_key: AgentKey,
                                              reason: str | None) -> None:
    assert skip_reason(action, agent_key) == reason


def test_a_plan_counts_the_reasons_most_common_first() -> None:
    plan = plan_bulk("extend", [REVOKED, key("gone2", revoked_at=NOW), FOREVER, ACTIVE])
    assert [k.id for k in plan.applies] == ["key_on"]
    assert plan.marked == 4
    assert plan.reasons() == [("revoked keys cannot be extended", 2),
                              ("keys that never expire are not extended", 1)]
