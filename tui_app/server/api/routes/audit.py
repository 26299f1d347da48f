"""The audit log: own keys (member), team (manager), everything (admin); newest first."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from tui_app.server.api.deps import KeyUser, backend_of
from tui_app.server.api.schemas import ERROR_RESPONSES, AuditEventOut, AuditPage
from tui_app.server.services.audit_log import AuditQuery, audit_events

router = APIRouter(tags=["audit"], responses=ERROR_RESPONSES)


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
    query = AuditQuery(key_id=key_id, actor=actor, action=action, limit=limit, cursor=cursor)
    page = audit_events(backend_of(request), caller, query)
    return AuditPage(items=[AuditEventOut.of(event) for event in page.items],
                     next_cursor=page.next_cursor)
