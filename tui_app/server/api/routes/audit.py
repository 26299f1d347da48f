"""The audit log: own keys (member), team (manager), everything (admin); newest first."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Query, Request

from tui_app.domain.clock import to_rfc3339
from tui_app.domain.roles import Role
from tui_app.domain.validation import FieldError, whole_number
from tui_app.server.api.deps import KeyUser, engine_of
from tui_app.server.api.errors import validation_failed
from tui_app.server.api.schemas import ERROR_RESPONSES, AuditEventOut, AuditPage, UserRefOut
from tui_app.server.store import db
from tui_app.server.store import users as users_store
from tui_app.server.store.users import Caller

router = APIRouter(tags=["audit"], responses=ERROR_RESPONSES)
A = db.audit


def audit_scope(caller: Caller) -> sa.ColumnElement[bool]:
    if caller.role is Role.ADMIN:
        return sa.true()
    mine = sa.or_(A.c.key_owner_id == caller.id, A.c.actor_id == caller.id)
    if caller.role is Role.MANAGER and caller.team_ids:
        return sa.or_(mine, A.c.key_owner_id.in_(users_store.team_member_ids(caller.team_ids)))
    return mine


def _encode(seq: int) -> str:
    return base64.urlsafe_b64encode(f"a:{seq}".encode()).decode().rstrip("=")


def _decode(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode("ascii"))
        prefix, _, number = raw.decode("ascii").partition(":")
        seq = whole_number(number)
        if prefix != "a" or seq is None:
            raise ValueError
        return seq
    except (ValueError, binascii.Error, UnicodeError):
        raise validation_failed(FieldError(
            "cursor", "This cursor is not valid; start again from the first page."
        )) from None


def event_out(row: Any) -> AuditEventOut:
    actor = (UserRefOut(id=row.actor_id, name=row.actor_name or "", email=row.actor_email or "")
             if row.actor_id else None)
    return AuditEventOut(
        id=f"evt_{row.seq}", at=to_rfc3339(row.at) or "", actor=actor, action=row.action,
        key_id=row.key_id, key_name=row.key_name, source=row.source,
        details=row.details or {},
    )


@router.get("/v1/audit", response_model=AuditPage, summary="Audit log, newest first")
def list_audit(
    request: Request,
    caller: KeyUser,
    key_id: Annotated[str | None, Query(max_length=64)] = None,
    actor: Annotated[str | None, Query(max_length=320, description="user id or email")] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> AuditPage:
    where = [audit_scope(caller)]
    if key_id:
        where.append(A.c.key_id == key_id)
    if actor:
        column = A.c.actor_email if "@" in actor else A.c.actor_id
        where.append(column == (actor.strip().lower() if "@" in actor else actor.strip()))
    if action:
        where.append(A.c.action == action.strip())
    if cursor:
        where.append(A.c.seq < _decode(cursor))
    with db.read_tx(engine_of(request)) as conn:
        rows = list(conn.execute(
            sa.select(A).where(*where).order_by(A.c.seq.desc()).limit(limit + 1)
        ))
    next_cursor = _encode(rows[limit - 1].seq) if len(rows) > limit else None
    return AuditPage(items=[event_out(r) for r in rows[:limit]], next_cursor=next_cursor)
