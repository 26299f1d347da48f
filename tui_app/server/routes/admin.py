"""The admin view: every key a manager (their teams) or admin (all) may see; bulk actions."""

from __future__ import annotations

from typing import Annotated, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Header, Query, Request

from tui_app.domain.sanitize import clean
from tui_app.domain.validation import FieldError
from tui_app.server import db, keys_store, listing, users_store
from tui_app.server.auth import Manager, engine_of, settings_of
from tui_app.server.errors import ApiProblem, validation_failed
from tui_app.server.key_actions import apply_action
from tui_app.server.routes.keys import every_value, visible_row
from tui_app.server.schemas import (
    ERROR_RESPONSES,
    BulkIn,
    BulkItemOut,
    BulkOut,
    KeyPage,
    Totals,
)

router = APIRouter(prefix="/v1/admin", tags=["admin"], responses=ERROR_RESPONSES)
# Unknown or odd values are recorded as "api" (audit_store.clean_source), never refused:
# a revoke must not fail over a label.
Source = Annotated[str | None, Header(alias="X-Agentkeys-Source")]


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
    statuses = listing.parse_statuses(every_value(request, "status", status))
    filters = listing.KeyFilters(
        statuses=statuses, q=listing.check_q(q), stale_days=stale_days,
        never_used=never_used, expiring_within_days=expiring_within_days,
    )
    with db.read_tx(engine_of(request)) as conn:
        # Who the listing may cover, as explicit owner ids where that is a short list:
        # the planner then knows how few rows it is about (see listing.list_keys).
        visible = keys_store.visible_owner_ids(conn, caller)  # None: everyone (admin)
        scope = sa.true() if visible is None else db.keys.c.owner_id.in_(visible)
        owners: set[str] | None = None if visible is None else set(visible)
        if owner is not None and owner.strip():
            found = users_store.find_user(conn, owner)
            wanted = {found.id} if found is not None else set()
            owners = wanted if owners is None else owners & wanted
        if team is not None and team.strip():
            t = db.teams
            team_id = conn.execute(
                sa.select(t.c.id).where(sa.or_(t.c.id == team.strip(),
                                               t.c.name == team.strip()))
            ).scalar()
            members = set() if team_id is None else set(conn.execute(
                sa.select(db.team_members.c.user_id)
                .where(db.team_members.c.team_id == team_id)).scalars())
            owners = members if owners is None else owners & members
        if owners is not None:
            filters.owner_ids = tuple(sorted(owners))
        rows, next_cursor = listing.list_keys(
            conn, scope=scope, filters=filters, now=now, sort=sort, order=order,
            limit=limit, cursor=cursor,
            few_owners=owners is not None
            and listing.few_owners(conn.dialect.name, len(owners)),
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
            results.append(BulkItemOut(id=clean(key_id[:64]), ok=False, code=exc.code,
                                       message=message, key=None))
    return BulkOut(results=results)
