"""A key's status is derived, never stored: first match wins."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum


class KeyStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    EXPIRED = "expired"
    REVOKED = "revoked"


class StatusReason(StrEnum):
    REVOKED = "revoked"
    EXPIRED = "expired"
    DISABLED = "disabled"
    OWNER_DEACTIVATED = "owner_deactivated"


INACTIVE_PANE = (KeyStatus.INACTIVE, KeyStatus.EXPIRED, KeyStatus.REVOKED)


def derive_status(
    *,
    now: datetime,
    revoked_at: datetime | None,
    expires_at: datetime | None,
    disabled_at: datetime | None,
    owner_active: bool,
) -> tuple[KeyStatus, StatusReason | None]:
    if revoked_at is not None:
        return KeyStatus.REVOKED, StatusReason.REVOKED
    if expires_at is not None and expires_at <= now:
        return KeyStatus.EXPIRED, StatusReason.EXPIRED
    if disabled_at is not None:
        return KeyStatus.INACTIVE, StatusReason.DISABLED
    if not owner_active:
        return KeyStatus.INACTIVE, StatusReason.OWNER_DEACTIVATED
    return KeyStatus.ACTIVE, None
