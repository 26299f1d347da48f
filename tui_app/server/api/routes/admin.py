"""The admin view: every key a manager (their teams) or admin (all) may see; bulk actions."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Header, Query, Request

from tui_app.domain.keyformat import looks_like_token
from tui_app.domain.sanitize import clean
from tui_app.domain.validation import FieldError
from tui_app.server.api.deps import Manager, engine_of, settings_of
from tui_app.server.api.errors import ApiProblem, validation_failed
from tui_app.server.api.routes.keys import every_value, visible_row
from tui_app.server.api.schemas import (
    ERROR_RESPONSES,
    BulkIn,
    BulkItemOut,
    BulkOut,
    KeyPage,
    Totals,
)
from tui_app.server.services.key_actions import apply_action
from tui_app.server.store import db, listing
from tui_app.server.store import keys as keys_store
from tui_app.server.store import users as users_store

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
        # the planner then knows how few rows it is about (see listing.list_keys). A
        # manager's view is kept to the people they may see by `owners` alone, which only
        # ever narrows from `visible`: said twice (IN visible AND IN owners), PostgreSQL
        # multiplies the two selectivities, expects 3 rows and picks a plan that reads
        # 37,000 blocks (250-480 ms for a 400-member team, measured).
        visible = keys_store.visible_owners(conn, caller)
        owners: set[str] | None = None if visible.owners is None else set(visible.owners)
        if owner is not None and owner.strip():
            found = users_store.find_user(conn, owner)
            wanted = {found.id} if found is not None else set()
            owners = wanted if owners is None else owners & wanted
        # The team the listing stays within: the `team` filter, or a manager's only team.
        team_id: str | None = None
        if team is not None and team.strip():
            t = db.teams
            team_id = conn.execute(
                sa.select(t.c.id).where(sa.or_(t.c.id == team.strip(),
                                               t.c.name == team.strip()))
            ).scalar()
            if team_id is None:
                owners = set()
        elif visible.owners is not None and len(caller.team_ids) == 1:
            team_id = caller.team_ids[0]
        path: listing.TeamPath | None = None
        checked: set[str] | None = None  # on the team path, the owners it may return
        if team_id is not None and owners is None:
            # An admin's view of a whole team: nobody to leave out. The member list is
            # needed only to count, or for the other path.
            path = listing.team_path(team_id, q=filters.q)
            if path is None or include_totals:
                owners = _members(conn, team_id)
        elif team_id is not None and owners is not None:
            members = (set(visible.members) if caller.team_ids == (team_id,)
                       else _members(conn, team_id))
            if team is not None and team.strip():
                owners &= members
            if owners <= members:
                path = listing.team_path(team_id, owners, members, q=filters.q)
                checked = owners
        if owners is not None:
            filters.owner_ids = tuple(sorted(owners))

        def page(via: listing.TeamPath | None) -> tuple[list[Any], str | None]:
            return listing.list_keys(
                conn, filters=filters, now=now, sort=sort, order=order, limit=limit,
                cursor=cursor, team=via,
                # Visibility: filters.owner_ids, or on the team path `via` (and the check
                # below).
                scope=sa.true(),
                few_owners=via is None and owners is not None
                and listing.few_owners(conn.dialect.name, len(owners)),
            )

        rows, next_cursor = page(path)
        if path is not None and checked is not None and any(
                row.owner_id not in checked for row in rows):
            # Team membership changed between our reads (key_teams has the new member,
            # `members` did not): the owners' own keys give the exact answer.
            rows, next_cursor = page(None)
        items = keys_store.many_out(conn, rows, now)
        totals = (Totals(**listing.totals(conn, scope=sa.true(), filters=filters, now=now))
                  if include_totals else None)
    return KeyPage(items=items, next_cursor=next_cursor, totals=totals)


def _members(conn: sa.Connection, team_id: str) -> set[str]:
    return set(conn.execute(sa.select(db.team_members.c.user_id)
                            .where(db.team_members.c.team_id == team_id)).scalars())


@router.post("/keys/bulk", response_model=BulkOut, summary="One action on many keys")
def bulk(request: Request, caller: Manager, body: BulkIn, source: Source = None) -> BulkOut:
    """Each id runs in its own transaction: one failure does not undo the others."""
    if body.action == "extend" and body.days is None:
        raise validation_failed(FieldError("days", "Say by how many days to extend."))
    if any(looks_like_token(key_id) for key_id in body.ids):
        # Each result repeats its id: a secret pasted here must not come back.
        raise validation_failed(FieldError(
            "ids", "One of these is a key's secret, not its id; never paste a secret here."))
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
