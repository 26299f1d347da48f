"""A person's answer to a connection request: look it up by its code, approve it with
one of their own keys, or deny it. Both are audited."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tui_app.domain import connections as rules
from tui_app.domain.checks import FieldErrors
from tui_app.domain.clock import to_rfc3339
from tui_app.domain.connections import Approval, PendingConnection
from tui_app.domain.errors import Conflict, NotFound
from tui_app.domain.field_error import FieldError
from tui_app.domain.status import KeyStatus
from tui_app.domain.validation import validate_expiry
from tui_app.server.services.backend import Backend
from tui_app.server.services.key_actions import visible_row
from tui_app.server.services.oauth_requests import state_of
from tui_app.server.store import audit as audit_store
from tui_app.server.store import connections as store
from tui_app.server.store import db
from tui_app.server.store import keys as keys_store
from tui_app.server.store.users import Caller


def pending_for(backend: Backend, caller: Caller, user_code: str) -> PendingConnection:
    """The request a person is about to answer (any signed-in person may look a code up:
    they were shown it; answering uses only their own keys)."""
    code = _code(user_code)
    with db.read_tx(backend.engine) as conn:
        row = store.request_by_user_code(conn, code)
        client = store.get_client(conn, row.client_id) if row is not None else None
    if row is None:
        raise NotFound("connection request")
    state = state_of(row, client, backend.now())
    return PendingConnection(user_code=state.user_code, client_id=state.client_id,
                             client_name=state.client_name, flow=state.flow,
                             scope=state.scope, expires_at=state.expires_at,
                             status=state.status)


def _code(user_code: str) -> str:
    code = rules.normalise_user_code(user_code or "")
    if code is None:
        raise FieldErrors([FieldError(
            "user_code", "A code is eight letters like BCDF-GHJK, as the agent showed it.")])
    return code


def approve(backend: Backend, caller: Caller, user_code: str, key_id: str, *,
            source: str | None = None) -> Approval:
    """Approve with one of the caller's own keys. An expired key is extended by 30 days
    from now (audited as the owner's extension); a revoked or inactive one cannot be
    picked. The session may do what the client asked, never more than the key."""
    code = _code(user_code)
    now = backend.now()
    with backend.engine.begin() as conn:
        request = _pending_row(conn, code, now)
        row = visible_row(conn, caller, key_id, for_update=True)
        if row.owner_id != caller.id:
            raise NotFound()  # only your own keys: a manager cannot lend a member's
        status, _ = keys_store.status_of(row, now)
        if status in (KeyStatus.REVOKED, KeyStatus.INACTIVE):
            raise Conflict(f"This key is {status.value}; pick an active or expired key.")
        extended_to = rules.extended_for_approval(row.expires_at, now)
        if extended_to is not None:
            try:
                validate_expiry(extended_to, now=now,
                                max_lifetime_days=backend.settings.max_lifetime_days)
            except FieldError as exc:
                raise FieldErrors([FieldError("key_id", exc.message)]) from None
            keys_store.update_key(conn, row.id, expires_at=extended_to)
            audit_store.record(
                conn, now=now, actor=caller, action="key.extended", source=source,
                key_id=row.id, key_name=row.name, key_owner_id=row.owner_id,
                details={"before": {"expires_at": to_rfc3339(row.expires_at)},
                         "after": {"expires_at": to_rfc3339(extended_to)},
                         "reason": "connection approved"})
        scope = rules.session_scope(row.scope, request.scope)
        store.update_request(conn, request.id, status="approved", user_id=caller.id,
                             key_id=row.id, decided_at=now, scope=scope.value)
        client = store.get_client(conn, request.client_id)
        audit_store.record(
            conn, now=now, actor=caller, action="connection.approved", source=source,
            key_id=row.id, key_name=row.name, key_owner_id=row.owner_id,
            details={"client": client.name if client else request.client_id,
                     "user_code": code, "scope": scope.value,
                     "extended_to": to_rfc3339(extended_to)})
    return Approval(user_code=code, key_id=row.id, scope=scope.value, extended_to=extended_to)


def deny(backend: Backend, caller: Caller, user_code: str, *,
         source: str | None = None) -> None:
    code = _code(user_code)
    now = backend.now()
    with backend.engine.begin() as conn:
        request = _pending_row(conn, code, now)
        store.update_request(conn, request.id, status="denied", user_id=caller.id,
                             decided_at=now)
        client = store.get_client(conn, request.client_id)
        audit_store.record(
            conn, now=now, actor=caller, action="connection.denied", source=source,
            key_owner_id=caller.id,
            details={"client": client.name if client else request.client_id,
                     "user_code": code})


def _pending_row(conn: Any, code: str, now: datetime) -> Any:
    request = store.request_by_user_code(conn, code, for_update=True)
    if request is None:
        raise NotFound("connection request")
    if request.expires_at <= now:
        raise Conflict("This code has expired; ask the agent to connect again.",
                       code="CODE_EXPIRED")
    if request.status != "pending":
        raise Conflict(f"This request was {request.status} already.", code="CODE_USED")
    return request
