"""Key listings with filters, sorts and keyset pagination (own keys and admin view).

No OFFSET: the cursor carries the last row's sort value and id, and the next page is
`(sort, id) > (value, id)` — an index range scan on (sort expression, id), so deep pages
cost what the first does. NULL times sort through fixed sentinels (db.NEVER_*), so NULLs
order consistently and the same expression is indexed. Sorting by status uses a CASE
over the stored fields (status depends on the current time, so it cannot be stored).

A team's keys are read through db.key_teams (see TeamPath): the same columns and the same
expressions, indexed per team, so the same cursors work on either path.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from tui_app.domain.status import KeyStatus
from tui_app.server.store import db
from tui_app.server.store import keys as keys_store
from tui_app.server.store.keys import unindexed

K = db.keys
KT = db.key_teams
SORTS = ("name", "owner", "status", "created_at", "expires_at", "last_used_at")
ORDERS = ("asc", "desc")
# Sort values by kind: text sorts compare strings, the others whole numbers (times in
# milliseconds, status ranks).
TEXT_SORTS = ("name", "owner")


@dataclass(frozen=True, slots=True)
class After:
    """Where the next page starts: after the row with this sort value and id."""

    value: Any
    key_id: str


@dataclass
class KeyFilters:
    statuses: tuple[KeyStatus, ...] = ()
    q: str | None = None
    owner_ids: tuple[str, ...] | None = None  # None: no owner filter
    stale_days: int | None = None
    never_used: bool | None = None
    expiring_within_days: int | None = None


_fts_by_engine: weakref.WeakKeyDictionary[sa.Engine, bool] = weakref.WeakKeyDictionary()


def has_sqlite_fts(conn: Connection) -> bool:
    """Whether this SQLite database has the keys_fts index (migration 4); cached."""
    if conn.dialect.name != "sqlite":
        return False
    found = _fts_by_engine.get(conn.engine)
    if found is None:
        found = conn.execute(sa.text(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'keys_fts'"
        )).first() is not None
        _fts_by_engine[conn.engine] = found
    return found


FTS_SELECTIVE = 2000


def _fts_pays(conn: Connection, filters: KeyFilters) -> bool:
    """For one page, the FTS index pays when the text is rare; for common text, walking
    the sort index and testing each row finds a page sooner (SQLite cannot weigh this
    itself). A bounded count on the index decides."""
    q = filters.q
    if not q or len(q) < 3 or not has_sqlite_fts(conn):
        return False
    found = conn.execute(
        sa.text("SELECT count(*) FROM (SELECT 1 FROM keys_fts "
                "WHERE search_text LIKE :pattern LIMIT :cap)"),
        {"pattern": f"%{q.lower()}%", "cap": FTS_SELECTIVE},
    ).scalar_one()
    return int(found) < FTS_SELECTIVE


def sort_expr(sort: str, now: datetime, t: sa.Table = K) -> sa.ColumnElement[Any]:
    """The sort's expression over `t` (keys, or key_teams: same columns and values)."""
    if sort == "name":
        return t.c.name_lower
    if sort == "owner":
        return t.c.owner_email
    if sort == "status":
        return keys_store.status_rank_expr(now, t)
    if sort == "created_at":
        return sa.type_coerce(t.c.created_at, sa.BigInteger)
    if sort == "expires_at":
        return sa.type_coerce(db.expires_sort(t), sa.BigInteger)
    return sa.type_coerce(db.last_used_sort(t), sa.BigInteger)


def filter_clauses(
    filters: KeyFilters, now: datetime, sort: str = "", *, sqlite_fts: bool = False,
    t: sa.Table = K,
) -> list[sa.ColumnElement[bool]]:
    """`t`: the table the listing reads (keys, or key_teams joined to keys); text search
    is on keys' own columns either way."""
    clauses: list[sa.ColumnElement[bool]] = []
    if filters.owner_ids is not None:
        clauses.append(t.c.owner_id.in_(filters.owner_ids) if filters.owner_ids else sa.false())
    if filters.q:
        needle = filters.q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{needle}%"
        matches: sa.ColumnElement[bool] = K.c.search_text.like(pattern, escape="\\")
        if sqlite_fts and len(filters.q) >= 3:
            # Candidates from the FTS5 trigram index, which serves LIKE only without an
            # ESCAPE clause: unescaped, % and _ in the text match a superset, and the
            # exact LIKE above keeps the semantics the same as on PostgreSQL.
            fts = sa.table("keys_fts", sa.column("rowid"), sa.column("search_text"))
            candidates = sa.select(fts.c.rowid).where(
                fts.c.search_text.like(f"%{filters.q.lower()}%"))
            matches = sa.and_(sa.literal_column("keys.rowid").in_(candidates), matches)
        clauses.append(sa.or_(matches, K.c.id == filters.q))
    # Time predicates are written on the sort expression when the listing is sorted by
    # that time (the index scan then starts and stops at the range's ends); otherwise
    # they are hidden from the planner (see keys_store.unindexed), so the sort's index
    # is walked and the scan stops after one page.
    last_used: sa.ColumnElement[int] = sa.type_coerce(db.last_used_sort(t), sa.BigInteger)
    if sort != "last_used_at":
        last_used = unindexed(last_used)
    if filters.stale_days is not None:
        # Older than N days and not used in them (or never): a key made minutes ago is
        # not stale, however unused. Each time is indexed only when the listing is
        # sorted by it, as above.
        cutoff = db.to_millis(now - timedelta(days=filters.stale_days))
        created: sa.ColumnElement[int] = sa.type_coerce(t.c.created_at, sa.BigInteger)
        if sort != "created_at":
            created = unindexed(created)
        clauses.append(sa.and_(created <= cutoff, last_used <= cutoff))
    if filters.never_used is True:
        clauses.append(last_used == db.NEVER_USED_SORT)
    elif filters.never_used is False:
        clauses.append(last_used > db.NEVER_USED_SORT)
    if filters.expiring_within_days is not None:
        horizon = now + timedelta(days=filters.expiring_within_days)
        expires: sa.ColumnElement[int] = sa.type_coerce(db.expires_sort(t), sa.BigInteger)
        if sort != "expires_at":
            expires = unindexed(expires)
        clauses.append(sa.and_(expires > db.to_millis(now),
                               expires <= db.to_millis(horizon)))
    return clauses


def status_filter(
    statuses: tuple[KeyStatus, ...], now: datetime, t: sa.Table = K
) -> list[sa.ColumnElement[bool]]:
    if not statuses or set(statuses) == set(KeyStatus):
        return []
    return [sa.or_(*(keys_store.status_clause(s, now, t) for s in statuses))]


# Up to this many owners, reading their keys through the owner index and sorting them
# beats walking the sort index. Measured at 1M keys (a 404-member team): PostgreSQL
# 16-25 ms per page by owners vs 43-79 ms walking; SQLite's walk is cheaper (5-21 ms).
FEW_OWNERS = {"postgresql": 2000, "sqlite": 200}


def few_owners(dialect: str, owners: int) -> bool:
    return owners <= FEW_OWNERS.get(dialect, 200)


def owners_matching(conn: Connection, text: str, *, among: set[str] | None,
                    limit: int) -> list[Any]:
    """The people an owner filter names, by email (id, name, email): an id or an email
    exactly, else every person whose email, name or a later word of the name starts
    with `text`, ignoring case ("olga", "olga.k@", "kowal" all find Olga Kowalski).
    `among`: only these people (a manager's); at most `limit` + 1 rows, so the caller
    can tell "too many"."""
    U = db.users
    raw = text.strip()
    needle = raw.lower()
    columns = (U.c.id, U.c.name, U.c.email)
    seen = sa.true() if among is None else U.c.id.in_(sorted(among))
    exact = conn.execute(sa.select(*columns).where(
        seen, sa.or_(U.c.id == raw, U.c.email == needle))).first()
    if exact is not None:
        return [exact]
    name = sa.func.lower(U.c.name)
    starts = sa.or_(U.c.email.startswith(needle, autoescape=True),
                    name.startswith(needle, autoescape=True),
                    name.contains(" " + needle, autoescape=True))
    return list(conn.execute(
        sa.select(*columns).where(seen, starts).order_by(U.c.email).limit(limit + 1)))


@dataclass(frozen=True)
class TeamPath:
    """List one team's keys through key_teams, whose indexes lead with the team: a page
    in any sort is one index range, wherever the team's keys lie among everybody else's
    (reading a 400-member team's 8,000 keys by owner and sorting them cost 30-60 ms per
    page on PostgreSQL at 1M keys; this, 1-2 ms). The owners listed are the team's
    members except `excluded` (people the caller may not see): a short NOT IN, which
    the planner rightly takes as matching most rows, where the long IN list of the
    others made it expect a handful and sort the whole team."""

    team_id: str
    excluded: tuple[str, ...] = ()


# The team path pays while most of the team is listed: it walks the team's rows and
# skips the excluded people's, so a manager seeing a few people of a big team (or an
# `owner` filter) is better served by those owners' own keys.
TEAM_PATH_MAX_EXCLUDED = 500


def team_path(
    team_id: str, owners: set[str] | None = None, members: set[str] | None = None, *,
    q: str | None = None,
) -> TeamPath | None:
    """The team path for listing `owners` (a subset of the team's `members`; None: the
    whole team), if it pays. Not for text search: walking the team in sort order costs
    a key lookup per row until a page matches (20 per hit for a word in 5% of names:
    2x slower on PostgreSQL, measured), where reading the team by owners and filtering
    costs the team's size whatever the word."""
    if q:
        return None
    if owners is None:
        return TeamPath(team_id)
    excluded = (members or set()) - owners
    if not owners or len(excluded) > min(TEAM_PATH_MAX_EXCLUDED, len(owners) // 2):
        return None
    return TeamPath(team_id, tuple(sorted(excluded)))


def _beside_index(expr: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """The same order, as an expression no index provides (`x || ''`, `x + 0`), so the
    planner reads the rows the WHERE selects (owner index) and sorts those few."""
    if isinstance(expr.type, sa.String):
        return expr.op("||")(sa.literal_column("''"))
    return expr + sa.literal_column("0")


def list_keys(
    conn: Connection,
    *,
    filters: KeyFilters,
    now: datetime,
    sort: str,
    order: str,
    limit: int,
    after: After | None,
    few_owners: bool = False,
    team: TeamPath | None = None,
    owner: str | None = None,
) -> tuple[list[Any], After | None]:
    """One page, and where the next one starts (None: this is the last).

    `owner`: only this person's keys (their own listing); otherwise whose keys are
    listed is said by `filters.owner_ids` or `team` alone.

    `few_owners`: the listing is limited to a handful of owners (own keys, an owner or a
    small team): their keys are few, so read them through the owner index
    and sort them, rather than walk the sort's index past everybody else's keys.
    `team`: read through key_teams instead (see TeamPath); it replaces
    `filters.owner_ids`, which then name the same owners (totals still use them)."""
    if team is not None:
        filters, few_owners = replace(filters, owner_ids=None), False
    t = KT if team is not None else K
    if sort == "status":
        return _list_by_status(conn, filters=filters, now=now, order=order, limit=limit,
                               after=after, few_owners=few_owners, team=team, owner=owner)
    expr = sort_expr(sort, now, t)
    if few_owners:
        expr = _beside_index(expr)
    key_id = KT.c.key_id if team is not None else K.c.id
    where = [*_owner_clause(owner), *_team_clauses(team),
             *filter_clauses(filters, now, sort, sqlite_fts=_fts_pays(conn, filters), t=t),
             *status_filter(filters.statuses, now, t),
             *_expiry_range(filters.statuses, sort, now, t)]
    if after is not None:
        row_key = sa.tuple_(expr, key_id)
        start = sa.tuple_(sa.literal(after.value), sa.literal(after.key_id))
        where.append(row_key > start if order == "asc" else row_key < start)
    ordering = [expr.asc(), key_id.asc()] if order == "asc" else [expr.desc(), key_id.desc()]
    query = (
        _select_keys(team, expr.label("_sort")).where(*where).order_by(*ordering)
        .limit(limit + 1)
    )
    rows = list(conn.execute(query))
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, After(rows[-1]._sort, rows[-1].id)


def _select_keys(team: TeamPath | None, *extra: sa.ColumnElement[Any]) -> sa.Select[Any]:
    """SELECT keys' rows (and `extra`), from keys alone or from key_teams joined to keys."""
    query = sa.select(K, *extra)
    if team is not None:
        query = query.select_from(KT.join(K, K.c.id == KT.c.key_id))
    return query


def _owner_clause(owner: str | None) -> list[sa.ColumnElement[bool]]:
    return [] if owner is None else [K.c.owner_id == owner]


def _team_clauses(team: TeamPath | None) -> list[sa.ColumnElement[bool]]:
    if team is None:
        return []
    clauses = [KT.c.team_id == team.team_id]
    if team.excluded:
        clauses.append(KT.c.owner_id.not_in(team.excluded))
    return clauses


def _expiry_range(
    statuses: tuple[KeyStatus, ...], sort: str, now: datetime, t: sa.Table = K
) -> list[sa.ColumnElement[bool]]:
    """Sorted by expiry under a status filter that implies which side of `now` the expiry
    lies (active and inactive keys have not expired; expired keys have): say so on the
    sort's own expression, so the index scan starts at `now` instead of walking past every
    key on the other side (180,000 expired keys in a million)."""
    if sort != "expires_at" or not statuses or KeyStatus.REVOKED in statuses:
        return []
    expires = sa.type_coerce(db.expires_sort(t), sa.BigInteger)
    now_ms = db.to_millis(now)
    if KeyStatus.EXPIRED not in statuses:
        return [expires > now_ms]
    if set(statuses) == {KeyStatus.EXPIRED}:
        return [expires <= now_ms]
    return []


_BY_RANK = {rank: status for status, rank in keys_store.STATUS_RANK.items()}
STATUS_RANKS = frozenset(_BY_RANK)


def _list_by_status(
    conn: Connection, *, filters: KeyFilters, now: datetime, order: str, limit: int,
    after: After | None, few_owners: bool = False, team: TeamPath | None = None,
    owner: str | None = None,
) -> tuple[list[Any], After | None]:
    """Sort by status without sorting the table: status order is four fixed segments
    (active, inactive, expired, revoked), so walk them in order, each by primary key
    under that status's predicate. Same order as (rank, id), so cursors are (rank, id)."""
    ranks = sorted(_BY_RANK) if order == "asc" else sorted(_BY_RANK, reverse=True)
    if filters.statuses:
        ranks = [r for r in ranks if _BY_RANK[r] in filters.statuses]
    start_rank, last_id = (None, None)
    if after is not None:
        start_rank, last_id = after.value, after.key_id
        ranks = [r for r in ranks if (r >= start_rank if order == "asc" else r <= start_rank)]
    t = KT if team is not None else K
    base = [*_owner_clause(owner), *_team_clauses(team),
            *filter_clauses(filters, now, sqlite_fts=_fts_pays(conn, filters), t=t)]
    key_id = KT.c.key_id if team is not None else K.c.id
    by_id = _beside_index(key_id) if few_owners else key_id
    rows: list[Any] = []
    for rank in ranks:
        where = [*base, keys_store.status_clause(_BY_RANK[rank], now, t)]
        if rank == start_rank and last_id is not None:
            where.append(key_id > last_id if order == "asc" else key_id < last_id)
        query = (
            _select_keys(team, sa.literal_column(str(rank)).label("_sort"))
            .where(*where)
            .order_by(by_id.asc() if order == "asc" else by_id.desc())
            .limit(limit + 1 - len(rows))
        )
        rows.extend(conn.execute(query))
        if len(rows) > limit:
            break
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, After(int(rows[-1]._sort), rows[-1].id)


def totals(
    conn: Connection, *, filters: KeyFilters, now: datetime
) -> dict[str, int]:
    """Counts per status under every filter except status itself: one pass of
    FILTERed counts (an index-only scan of ix_keys_state when no other column is
    filtered), active being the rest."""
    counted = [KeyStatus.INACTIVE, KeyStatus.EXPIRED, KeyStatus.REVOKED]
    query = sa.select(
        *(sa.func.count().filter(keys_store.status_clause(s, now)) for s in counted),
        sa.func.count(),
    ).where(*filter_clauses(filters, now, sqlite_fts=has_sqlite_fts(conn)))
    *numbers, total = conn.execute(query).one()
    out = {s.value: int(n or 0) for s, n in zip(counted, numbers, strict=True)}
    out["all"] = int(total or 0)
    out["active"] = out["all"] - sum(out[s.value] for s in counted)
    return {s.value: out[s.value] for s in KeyStatus} | {"all": out["all"]}
