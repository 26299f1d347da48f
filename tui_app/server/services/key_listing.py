"""Key listings: your own keys, and the admin view (who may see whose keys).

A member sees their own keys; a manager also their teams' plain members' keys; an admin
everyone's. The store reads a page by whichever path is fastest for the owners in
question (store.listing); this module decides who those owners are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection

from tui_app.domain.checks import FieldErrors
from tui_app.domain.field_error import FieldError
from tui_app.domain.models import AgentKey, Page
from tui_app.domain.status import KeyStatus
from tui_app.domain.validation import shown_input
from tui_app.server.services.backend import Backend
from tui_app.server.services.cursors import decode_key_cursor, encode_key_cursor
from tui_app.server.services.visibility import visible_owners
from tui_app.server.store import db, listing
from tui_app.server.store import keys as keys_store
from tui_app.server.store import users as users_store
from tui_app.server.store.users import Caller

Q_MAX = 200
# An owner filter covers everyone it matches, as a text filter does ("ol": Olga and
# Olivia); past this many people it asks for more letters instead of a huge list.
OWNER_MATCHES_MAX = 50
OWNER_CANDIDATES_SHOWN = 5


@dataclass(frozen=True, slots=True)
class KeyQuery:
    """A page of a key listing as asked for. `owner` (an id or email, or the start of
    a name or email), `team` (id or name) and the usage filters are the admin view's."""

    statuses: tuple[KeyStatus, ...] = ()
    q: str | None = None
    sort: str = "created_at"
    order: str = "desc"
    limit: int = 100
    cursor: str | None = None
    owner: str | None = None
    team: str | None = None
    stale_days: int | None = None
    never_used: bool | None = None
    expiring_within_days: int | None = None
    include_totals: bool = False


def _search_text(q: str | None) -> str | None:
    if q is None:
        return None
    q = q.strip()
    if len(q) > Q_MAX:
        raise FieldErrors([FieldError("q", f"Search text is limited to {Q_MAX} characters.")])
    return q or None


def own_keys(backend: Backend, caller: Caller, query: KeyQuery) -> Page[AgentKey]:
    now = backend.now()
    filters = listing.KeyFilters(statuses=query.statuses, q=_search_text(query.q))
    after = decode_key_cursor(query.cursor, query.sort, query.order)
    with db.read_tx(backend.engine) as conn:
        rows, next_after = listing.list_keys(
            conn, owner=caller.id, filters=filters, now=now, sort=query.sort,
            order=query.order, limit=query.limit, after=after, few_owners=True,
        )
        items = keys_store.key_records(conn, rows, now)
    return Page(tuple(items), encode_key_cursor(query.sort, query.order, next_after))


def admin_keys(backend: Backend, caller: Caller, query: KeyQuery) -> Page[AgentKey]:
    """Every key the caller may see (a manager: their teams' members'; an admin: all),
    under the query's filters; with per-status totals if asked."""
    now = backend.now()
    filters = listing.KeyFilters(
        statuses=query.statuses, q=_search_text(query.q), stale_days=query.stale_days,
        never_used=query.never_used, expiring_within_days=query.expiring_within_days,
    )
    after = decode_key_cursor(query.cursor, query.sort, query.order)
    with db.read_tx(backend.engine) as conn:
        scope = _scope(conn, caller, owner=query.owner, team=query.team, q=filters.q,
                       counting=query.include_totals)
        owners = scope.owners
        if owners is not None:
            filters.owner_ids = tuple(sorted(owners))

        def page(via: listing.TeamPath | None) -> tuple[list[Any], listing.After | None]:
            # Visibility: filters.owner_ids, or on the team path `via` (and the check
            # below).
            return listing.list_keys(
                conn, filters=filters, now=now, sort=query.sort, order=query.order,
                limit=query.limit, after=after, team=via,
                few_owners=via is None and owners is not None
                and listing.few_owners(conn.dialect.name, len(owners)),
            )

        rows, next_after = page(scope.path)
        if scope.path is not None and scope.checked is not None and any(
                row.owner_id not in scope.checked for row in rows):
            # Team membership changed between our reads (key_teams has the new member,
            # `members` did not): the owners' own keys give the exact answer.
            rows, next_after = page(None)
        items = keys_store.key_records(conn, rows, now)
        totals = (listing.totals(conn, filters=filters, now=now)
                  if query.include_totals else None)
    return Page(tuple(items), encode_key_cursor(query.sort, query.order, next_after), totals)


def _too_many(owner: str, found: list[Any]) -> str:
    examples = ", ".join(f"{row.name} <{row.email}>"
                         for row in found[:OWNER_CANDIDATES_SHOWN])
    return (f"'{shown_input(owner, 40)}' matches more than {OWNER_MATCHES_MAX} people "
            f"(such as {examples}); type more of a name or an email.")


@dataclass(frozen=True, slots=True)
class _Scope:
    owners: set[str] | None  # whose keys the page may hold; None: everyone's
    path: listing.TeamPath | None = None  # read through the team's own index, if it pays
    checked: set[str] | None = None  # on the team path, the owners it may return


def _scope(conn: Connection, caller: Caller, *, owner: str | None, team: str | None,
           q: str | None, counting: bool) -> _Scope:
    """Who the listing may cover, as explicit owner ids where that is a short list: the
    planner then knows how few rows it is about (see listing.list_keys). A manager's
    view is kept to the people they may see by `owners` alone, which only ever narrows
    from `visible`: said twice (IN visible AND IN owners), PostgreSQL multiplies the two
    selectivities, expects 3 rows and picks a plan that reads 37,000 blocks (250-480 ms
    for a 400-member team, measured)."""
    owner = owner.strip() if owner else ""
    team = team.strip() if team else ""
    visible = visible_owners(conn, caller)
    owners: set[str] | None = None if visible.owners is None else set(visible.owners)
    if owner:
        found = listing.owners_matching(conn, owner, among=owners, limit=OWNER_MATCHES_MAX)
        if len(found) > OWNER_MATCHES_MAX:
            raise FieldErrors([FieldError("owner", _too_many(owner, found))])
        wanted = {row.id for row in found}
        owners = wanted if owners is None else owners & wanted
    # The team the listing stays within: the `team` filter, or a manager's only team.
    team_id: str | None = None
    if team:
        team_id = users_store.find_team_id(conn, team)
        if team_id is None:
            return _Scope(set())
    elif visible.owners is not None and len(caller.team_ids) == 1:
        team_id = caller.team_ids[0]
    if team_id is None:
        return _Scope(owners)
    if owners is None:
        # An admin's view of a whole team: nobody to leave out. The member list is
        # needed only to count, or for the other path.
        path = listing.team_path(team_id, q=q)
        if path is None or counting:
            return _Scope(users_store.members_of(conn, team_id), path)
        return _Scope(None, path)
    members = (set(visible.members) if caller.team_ids == (team_id,)
               else users_store.members_of(conn, team_id))
    if team:
        owners &= members
    if owners <= members:
        return _Scope(owners, listing.team_path(team_id, owners, members, q=q), owners)
    return _Scope(owners)
