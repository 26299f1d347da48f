"""State changes shared by the single-key endpoints and bulk actions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection

from tui_app.domain.clock import to_rfc3339
from tui_app.domain.validation import FieldError, validate_expiry
from tui_app.server.api.errors import ApiProblem, validation_failed
from tui_app.server.settings import Settings
from tui_app.server.store import audit as audit_store
from tui_app.server.store import db
from tui_app.server.store import keys as keys_store
from tui_app.server.store.users import Caller

K = db.keys
ACTIONS = ("revoke", "disable", "enable", "extend")


def _revoked() -> ApiProblem:
    return ApiProblem(409, "CONFLICT", "This key is revoked; revoking cannot be undone.")


def apply_action(
    conn: Connection, settings: Settings, caller: Caller, row: Any, action: str, *,
    source: str, days: int | None = None,
) -> Any:
    """Apply one action to a key row the caller may act on; returns the new row.

    Repeating an action that is already in effect (revoke a revoked key, disable a
    disabled one) succeeds without a change or an audit entry.
    """
    now = settings.clock()
    values: dict[str, Any] = {}
    details: dict[str, Any] = {}
    if action == "revoke":
        if row.revoked_at is None:
            values = {"revoked_at": now, "revoked_by_id": caller.id}
    elif row.revoked_at is not None:
        raise _revoked()
    elif action == "disable":
        if row.disabled_at is None:
            values = {"disabled_at": now, "disabled_by_id": caller.id}
    elif action == "enable":
        if row.disabled_at is not None:
            values = {"disabled_at": None, "disabled_by_id": None}
    elif action == "extend":
        if days is None:
            raise validation_failed(FieldError("days", "Say by how many days to extend."))
        if row.expires_at is not None:
            start = max(row.expires_at, now)
            try:
                try:
                    wanted = start + timedelta(days=days)
                except OverflowError:  # past year 9999: older data, or a huge N
                    wanted = datetime.max.replace(tzinfo=UTC)
                new_expiry = validate_expiry(
                    wanted, now=now, max_lifetime_days=settings.max_lifetime_days,
                )
            except FieldError as exc:
                raise validation_failed(FieldError("days", exc.message)) from None
            values = {"expires_at": new_expiry}
            details = {"before": {"expires_at": to_rfc3339(row.expires_at)},
                       "after": {"expires_at": to_rfc3339(new_expiry)}, "days": days}
    else:
        raise validation_failed(FieldError("action", "Unknown action."))
    if not values:
        return row
    values["version"] = K.c.version + 1
    conn.execute(K.update().where(K.c.id == row.id).values(**values))
    audit_store.record(
        conn, now=now, actor=caller, action=f"key.{_past(action)}", source=source,
        key_id=row.id, key_name=row.name, key_owner_id=row.owner_id, details=details,
    )
    return keys_store.get_row(conn, row.id)


def _past(action: str) -> str:
    return {"revoke": "revoked", "disable": "disabled", "enable": "enabled",
            "extend": "extended"}[action]
