"""The admin view: every key a manager (their teams) or admin (all) may see; bulk actions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from tui_app.server.api import query as query_params
from tui_app.server.api.deps import Manager, Source, backend_of
from tui_app.server.api.schemas import (
    ERROR_RESPONSES,
    AgentKeyOut,
    BulkIn,
    BulkItemOut,
    BulkOut,
    KeyPage,
    Totals,
)
from tui_app.server.services.bulk import bulk_action
from tui_app.server.services.key_listing import KeyQuery, admin_keys

router = APIRouter(prefix="/v1/admin", tags=["admin"], responses=ERROR_RESPONSES)


@router.get("/keys", response_model=KeyPage, summary="Every key you may see, filtered")
def admin_list_keys(
    request: Request,
    caller: Manager,
    status: Annotated[str | None, Query(max_length=200)] = None,
    owner: Annotated[str | None, Query(
        max_length=320, description="an id or email, or the start of a name or email "
        "(every person it matches; 422 past 50 people)")] = None,
    team: Annotated[str | None, Query(max_length=255, description="team id or name")] = None,
    q: Annotated[str | None, Query(max_length=1000)] = None,
    stale_days: Annotated[int | None, Query(
        ge=0, le=36500, description="made more than N days ago and not used in them")] = None,
    never_used: bool | None = None,
    expiring_within_days: Annotated[int | None, Query(ge=0, le=36500)] = None,
    sort: query_params.Sort = "created_at",
    order: query_params.Order = "desc",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
    include_totals: bool = False,
) -> KeyPage:
    query = KeyQuery(
        statuses=query_params.statuses(request, status), q=q, sort=sort, order=order,
        limit=limit, cursor=cursor, owner=owner, team=team, stale_days=stale_days,
        never_used=never_used, expiring_within_days=expiring_within_days,
        include_totals=include_totals,
    )
    page = admin_keys(backend_of(request), caller, query)
    totals = Totals(**page.totals) if page.totals is not None else None
    return KeyPage(items=[AgentKeyOut.of(key) for key in page.items],
                   next_cursor=page.next_cursor, totals=totals)


@router.post("/keys/bulk", response_model=BulkOut, summary="One action on many keys")
def bulk(request: Request, caller: Manager, body: BulkIn, source: Source = None) -> BulkOut:
    """Each id runs in its own transaction: one failure does not undo the others."""
    results = bulk_action(backend_of(request), caller, body.action, body.ids,
                          days=body.days, source=source)
    return BulkOut(results=[BulkItemOut.of(result) for result in results])
