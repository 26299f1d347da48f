"""Status precedence and expiry presets/policy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tui_app.domain.expiry import NEVER, PRESETS, latest_allowed_expiry, presets_for
from tui_app.domain.status import KeyStatus, StatusReason, derive_status

NOW = datetime(2026, 3, 1, tzinfo=UTC)
PAST = NOW - timedelta(days=1)
FUTURE = NOW + timedelta(days=1)


@pytest.mark.parametrize(
    ("revoked", "expires", "disabled", "owner_active", "status", "reason"),
    [
        (PAST, PAST, PAST, False, KeyStatus.REVOKED, StatusReason.REVOKED),
        (None, PAST, PAST, False, KeyStatus.EXPIRED, StatusReason.EXPIRED),
        (None, NOW, None, True, KeyStatus.EXPIRED, StatusReason.EXPIRED),  # <= now
        (None, FUTURE, PAST, False, KeyStatus.INACTIVE, StatusReason.DISABLED),
        (None, None, None, False, KeyStatus.INACTIVE, StatusReason.OWNER_DEACTIVATED),
        (None, FUTURE, None, True, KeyStatus.ACTIVE, None),
        (None, None, None, True, KeyStatus.ACTIVE, None),
    ],
)
def test_first_match_wins(revoked, expires, disabled, owner_active, status, reason) -> None:
    assert derive_status(now=NOW, revoked_at=revoked, expires_at=expires,
                         disabled_at=disabled, owner_active=owner_active) == (status, reason)


def test_presets_follow_the_policy() -> None:
    assert [p.days for p in PRESETS[:5]] == [7, 30, 60, 90, 365]
    assert NEVER not in presets_for(365)
    assert NEVER in presets_for(0)
    short = presets_for(30)
    assert [p.days for p in short if p.kind == "days"] == [7, 30]
    assert any(p.kind == "custom" for p in short)


def test_latest_allowed_expiry() -> None:
    assert latest_allowed_expiry(NOW, 0) is None
    assert latest_allowed_expiry(NOW, 30) == NOW + timedelta(days=31)
