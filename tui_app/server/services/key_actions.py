"""One key, once found: read it, edit it, revoke/disable/enable/extend it, delete it.

Each use case is one transaction that reads the key under a row lock, decides, writes
and records the audit entry. A key the caller may not see is NotFound, exactly like a
key that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection

from tui_app.domain.checks import UNCHANGED, FieldErrors, check_key_edit
from tui_app.domain.clock import to_rfc3339
from tui_app.domain.errors import Conflict, Forbidden, NotFound
from tui_app.domain.field_error import FieldError
from tui_app.domain.models import AgentKey
from tui_app.domain.roles import may_enable
from tui_app.domain.status import KeyStatus
from tui_app.domain.validation import validate_expiry
from tui_app.server.services.backend import Backend
from tui_app.server.services.visibility import may_see
from tui_app.server.store import audit as audit_store
from tui_app.server.store import connections as connections_store
from tui_app.server.store import db
from tui_app.server.store import keys as keys_store
from tui_app.server.store import users as users_store
from tui_app.server.store.users import Caller

_PAST = {"revoke": "revoked", "disable": "disabled", "enable": "enabled",
         "extend": "extended"}
# A deleted key's owner is told whether it was still in use: its last day counts.
RECENT_USE = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class DeletedKey:
    id: str
    used_in_last_24h: bool
    last_used_at: datetime | None


def visible_row(conn: Connection, caller: Caller, key_id: str,
                *, for_update: bool = False) -> Any:
    """The key's row if the caller may see it; else NotFound."""
    # Ids are short ASCII; anything else (NUL, a lone surrogate from JSON) is no key of
    # ours and must not reach the database driver.
    if len(key_id) > 64 or not key_id.isascii() or not key_id.isprintable():
        raise NotFound()
    row = keys_store.get_row(conn, key_id, for_update=for_update)
    if row is None or not may_see(conn, caller, row.owner_id):
        raise NotFound()
    return row


def get_key(backend: Backend, caller: Caller, key_id: str) -> AgentKey:
    now = backend.now()
    with db.read_tx(backend.engine) as conn:
        return keys_store.key_records(conn, [visible_row(conn, caller, key_id)], now)[0]


def edit_key(
    backend: Backend, caller: Caller, key_id: str, *, name: object = UNCHANGED,
    description: object = UNCHANGED, expires_at: Any = UNCHANGED,
    expected_version: int | None = None, source: str | None = None,
) -> AgentKey:
    """Change name, description or expiry; `expected_version` (If-Match) refuses the
    edit if someone else changed the key since the caller read it. Setting a field to
    the value it has is no change: no new version, no audit entry."""
    now = backend.now()
    edit = check_key_edit(name=name, description=description, expires_at=expires_at,
                          policy=backend.policy, now=now)
    changes = dict(edit.changes())
    with backend.engine.begin() as conn:
        row = visible_row(conn, caller, key_id, for_update=True)
        if expected_version is not None and expected_version != row.version:
            raise Conflict(
                "Someone changed this key since you loaded it; reload and try again.",
                details={"current_version": row.version})
        if row.revoked_at is not None and changes:
            raise Conflict("A revoked key cannot be edited.")
        before = {f: _jsonable(getattr(row, f)) for f in changes}
        after = {f: _jsonable(value) for f, value in changes.items()}
        real = {f: changes[f] for f in changes if before[f] != after[f]}
        if real:
            values = dict(real)
            if "name" in real:
                values["name_lower"] = real["name"].lower()
                values["search_text"] = users_store.search_text(
                    real["name"], row.owner_name, row.owner_email)
            keys_store.update_key(conn, row.id, **values)
            audit_store.record(
                conn, now=now, actor=caller, action=_edit_action(row, real), source=source,
                key_id=row.id, key_name=real.get("name", row.name), key_owner_id=row.owner_id,
                details={"before": {f: before[f] for f in real},
                         "after": {f: after[f] for f in real}},
            )
        return keys_store.read_key(conn, row.id, now)


def _edit_action(row: Any, real: dict[str, Any]) -> str:
    """An edit that only moves the expiry later reads as what it is, an extension, like
    the bulk action; anything else (a rename, an earlier or first expiry) is an update."""
    new = real.get("expires_at")
    extended = (set(real) == {"expires_at"} and new is not None
                and row.expires_at is not None and new > row.expires_at)
    return "key.extended" if extended else "key.updated"


def _jsonable(value: Any) -> Any:
    return to_rfc3339(value) if isinstance(value, datetime) else value


def act_on_key(backend: Backend, caller: Caller, key_id: str, action: str, *,
               days: int | None = None, source: str | None = None) -> AgentKey:
    """Revoke, disable, enable, or extend by `days`. Repeating an action already in
    effect (revoke a revoked key, disable a disabled one) succeeds without a change or
    an audit entry."""
    with backend.engine.begin() as conn:
        row = visible_row(conn, caller, key_id, for_update=True)
        _apply_action(conn, backend, caller, row, action, days=days, source=source)
        return keys_store.read_key(conn, row.id, backend.now())


def _apply_action(
    conn: Connection, backend: Backend, caller: Caller, row: Any, action: str, *,
    days: int | None = None, source: str | None = None,
) -> None:
    """The action on a key row the caller may act on, inside the caller's transaction."""
    now = backend.now()
    values: dict[str, Any] = {}
    details: dict[str, Any] = {}
    if action == "revoke":
        if row.revoked_at is None:
            values = {"revoked_at": now, "revoked_by_id": caller.id}
    elif row.revoked_at is not None:
        # Worded for the action asked, so a bulk result names what could not happen.
        raise Conflict(f"This key is revoked: revoked keys cannot be {_PAST[action]}.")
    elif action == "disable":
        if row.disabled_at is None:
            values = {"disabled_at": now, "disabled_by_id": caller.id}
    elif action == "enable":
        if row.disabled_at is not None:
            if not may_enable(disabled_by=row.disabled_by_id, owner_id=row.owner_id,
                              caller_id=caller.id, caller_role=caller.role):
                raise Forbidden("A manager or an admin disabled this key; only they can "
                                "enable it again.")
            values = {"disabled_at": None, "disabled_by_id": None}
    elif action == "extend":
        if days is None:
            raise FieldErrors([FieldError("days", "Say by how many days to extend.")])
        if row.expires_at is not None:  # a key that never expires stays so
            new_expiry = _extended(row.expires_at, days, now, backend.settings.max_lifetime_days)
            values = {"expires_at": new_expiry}
            details = {"before": {"expires_at": to_rfc3339(row.expires_at)},
                       "after": {"expires_at": to_rfc3339(new_expiry)}, "days": days}
    else:
        raise FieldErrors([FieldError("action", "Unknown action.")])
    if not values:
        return
    keys_store.update_key(conn, row.id, **values)
    if action in ("revoke", "disable"):  # its sessions end with it, for good
        connections_store.end_sessions(conn, [row.id], now)
    audit_store.record(
        conn, now=now, actor=caller, action=f"key.{_PAST[action]}", source=source,
        key_id=row.id, key_name=row.name, key_owner_id=row.owner_id, details=details,
    )


def _extended(expires_at: datetime, days: int, now: datetime,
              max_lifetime_days: int) -> datetime | None:
    """`days` after the later of the key's expiry and now, if the policy allows it."""
    start = max(expires_at, now)
    try:
        wanted = start + timedelta(days=days)
    except OverflowError:  # past year 9999: older data, or a huge N
        wanted = datetime.max.replace(tzinfo=UTC)
    try:
        return validate_expiry(wanted, now=now, max_lifetime_days=max_lifetime_days)
    except FieldError as exc:
        raise FieldErrors([FieldError("days", exc.message)]) from None


def delete_key(backend: Backend, caller: Caller, key_id: str, *,
               source: str | None = None) -> DeletedKey:
    """Delete a key that no longer works (inactive, expired or revoked); an active key
    must be disabled or revoked first, so a delete never cuts off an agent by surprise."""
    now = backend.now()
    with backend.engine.begin() as conn:
        row = visible_row(conn, caller, key_id, for_update=True)
        status, _ = keys_store.status_of(row, now)
        if status is KeyStatus.ACTIVE:
            raise Conflict("Only inactive, expired or revoked keys can be deleted; "
                           "disable or revoke it first.", code="KEY_ACTIVE")
        used_recently = keys_store.used_within(row, now, RECENT_USE)
        keys_store.delete_key(conn, row.id)
        audit_store.record(
            conn, now=now, actor=caller, action="key.deleted", source=source,
            key_id=row.id, key_name=row.name, key_owner_id=row.owner_id,
            details={"status": status.value, "used_in_last_24h": used_recently},
        )
    return DeletedKey(id=row.id, used_in_last_24h=used_recently,
                      last_used_at=row.last_used_at)
