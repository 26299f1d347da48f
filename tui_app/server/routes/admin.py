"""The admin view: every key a manager (their teams) or admin (all) may see; bulk actions."""

from __future__ import annotations

from typing import Annotated, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Header, Query, Request

from tui_app.domain.validation import FieldError
from tui_app.server import db, keys_store, listing, users_store
from tui_app.server.auth import Manager, engine_of, settings_of
from tui_app.server.errors import ApiProblem, validation_failed
from tui_app.server.key_actions import apply_action
from tui_app.server.routes.keys import visible_row
from tui_app.server.schemas import (
    ERROR_RESPONSES,
    BulkIn,
    BulkItemOut,
    BulkOut,
    KeyPage,
    Totals,
)

router = APIRouter(prefix="/v1/admin", tags=["admin"], responses=ERROR_RESPONSES)
Source = Annotated[str | None, Header(alias="X-Agentkeys-Source", max_length=32)]


@router.get("/keys", response_model=KeyPage, summary="Every key you may see, filtered")
def admin_list_keys(
    request: Request,
    caller: Manager,
    status: Annotated[str | None, Query(max_length=200)] = None,
    owner: Annotated[str | None, Query(max_length=320, description="user id or email")] = None,
    team: Annotated[str | None, Query(max_length=255, description="team id or name")] = None,
    q: Annotated[str | None, Query(max_length=1000)] = None,
    stale_days: Annotated[int | None, Query(ge=0, le=36500)] = None,
    never_used: bool | None = None,
    expiring_within_days: Annotated[int | None, Query(ge=0, le=36500)] = None,
    sort: Literal["name", "owner", "status", "created_at", "expires_at",
                  "last_used_at"] = "created_at",
    order: Literal["asc", "desc"] = "desc",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
    include_totals: bool = False,
) -> KeyPage:
    now = settings_of(request).clock()
    filters = listing.KeyFilters(
        statuses=listing.parse_statuses(status), q=listing.check_q(q), stale_days=stale_days,
        never_used=never_used, expiring_within_days=expiring_within_days,
    )
    scope = keys_store.visible_clause(caller)
    with db.read_tx(engine_of(request)) as conn:
        if owner is not None and owner.strip():
            found = users_store.find_user(conn, owner)
            filters.owner_ids = (found.id,) if found is not None else ()
        if team is not None and team.strip():
            t = db.teams
            team_id = conn.execute(
                sa.select(t.c.id).where(sa.or_(t.c.id == team.strip(),
                                               t.c.name == team.strip()))
            ).scalar()
            filters.team_id = team_id or "\x00none"
        rows, next_cursor = listing.list_keys(
            conn, scope=scope, filters=filters, now=now, sort=sort, order=order,
            limit=limit, cursor=cursor,
        )
        items = keys_store.many_out(conn, rows, now)
        totals = (Totals(**listing.totals(conn, scope=scope, filters=filters, now=now))
                  if include_totals else None)
    return KeyPage(items=items, next_cursor=next_cursor, totals=totals)


@router.post("/keys/bulk", response_model=BulkOut, summary="One action on many keys")
def bulk(request: Request, caller: Manager, body: BulkIn, source: Source = None) -> BulkOut:
    """Each id runs in its own transaction: one failure does not undo the others."""
    if body.action == "extend" and body.days is None:
        raise validation_failed(FieldError("days", "Say by how many days to extend."))
    settings = settings_of(request)
    engine = engine_of(request)
    results: list[BulkItemOut] = []
    seen: set[str] = set()
    for key_id in body.ids:
        if key_id in seen:
            continue
        seen.add(key_id)
        try:
            with engine.begin() as conn:
                row = visible_row(conn, caller, key_id, for_update=True)
                row = apply_action(conn, settings, caller, row, body.action,
                                   source=source or "api", days=body.days)
                key = keys_store.one_out(conn, row, settings.clock())
            results.append(BulkItemOut(id=key_id, ok=True, code=None, message=None, key=key))
        except ApiProblem as exc:
            message = exc.message
            if isinstance(exc.details, list) and exc.details:
                message = str(exc.details[0].get("message", message))
            results.append(BulkItemOut(id=key_id[:64], ok=False, code=exc.code,
                                       message=message, key=None))
    return BulkOut(results=results)
