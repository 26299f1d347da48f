"""An inactive key says who disabled it, with the role that decides who may enable it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from rich.console import Console

from tui_app.domain.models import AgentKey, UserRef
from tui_app.domain.status import KeyStatus
from tui_app.ui.admin.details import key_details
from tui_app.ui.my_keys.key_details import key_fields

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
OWNER = UserRef(id="usr_1", name="Olga Owner", email="olga@example.com")
ADA = UserRef(id="usr_2", name="Ada Admin", email="ada@example.com", role="admin")


def key(**changes: Any) -> AgentKey:
    values: dict[str, Any] = {
        "id": "key_1", "name": "paused", "description": "", "owner": OWNER,
        "created_by": OWNER, "created_at": NOW - timedelta(days=40),
        "expires_at": NOW + timedelta(days=30), "scope": "read", "allowed_tools": (),
        "blocked_tools": (), "rate_limit_rpm": None, "hint": "ak_live_…xP",
        "last_used_at": None, "last_used_tool": None, "revoked_at": None, "revoked_by": None,
        "disabled_at": NOW - timedelta(days=1), "disabled_by": ADA,
        "status": KeyStatus.INACTIVE, "status_reason": "disabled", "version": 2,
    }
    values.update(changes)
    return AgentKey(**values)


def plain(renderable: Any) -> str:
    console = Console(width=200, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def test_my_keys_and_admin_name_who_disabled_it_and_their_role() -> None:
    assert "INACTIVE — disabled by Ada Admin (admin)" in plain(key_fields(key(), NOW))
    assert "inactive — disabled by Ada Admin (admin)" in plain(
        key_details(key(), table_empty=False))


def test_an_owner_who_disabled_their_own_key_is_named_as_the_owner() -> None:
    mine = key(disabled_by=OWNER)
    assert "disabled by Olga Owner (owner)" in plain(key_fields(mine, NOW))
