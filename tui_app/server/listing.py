"""Key listings with filters, sorts and keyset pagination (own keys and admin view).

No OFFSET: the cursor carries the last row's sort value and id, and the next page is
`(sort, id) > (value, id)` — an index range scan on (sort expression, id), so deep pages
cost what the first does. NULL times sort through fixed sentinels (db.NEVER_*), so NULLs
order consistently and the same expression is indexed. Sorting by status uses a CASE
over the stored fields (status depends on the current time, so it cannot be stored).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from tui_app.domain.status import KeyStatus
from tui_app.domain.validation import FieldError
from tui_app.server import db, keys_store
from tui_app.server.errors import validation_failed

K = db.keys
SORTS = ("name", "owner", "status", "created_at", "expires_at", "last_used_at")
ORDERS = ("asc", "desc")
Q_MAX = 200


@dataclass
class KeyFilters:
    statuses: tuple[KeyStatus, ...] = ()
    q: str | None = None
    owner_ids: tuple[str, ...] | None = None  # None: no owner filter
    team_id: str | None = None
    stale_days: int | None = None
    never_used: bool | None = None
    expiring_within_days: int | None = None


def parse_statuses(value: str | None) -> tuple[KeyStatus, ...]:
    """`active,expired` → statuses; `all` or empty → no filter."""
    if value is None or not value.strip():
        return ()
    out: list[KeyStatus] = []
    for part in value.split(","):
        part = part.strip().lower()
        if not part:
            continue
        if part == "all":
            return ()
        try:
            status = KeyStatus(part)
        except ValueError:
            raise validation_failed(FieldError(
                "status", "Status must be active, inactive, expired, revoked or all "
                "(several separated by commas)."
            )) from None
        if status not in out:
            out.append(status)
    return tuple(out)


def check_q(q: str | None) -> str | None:
    if q is None:
        return None
    q = q.strip()
    if len(q) > Q_MAX:
        raise validation_failed(FieldError("q", f"Search text is limited to {Q_MAX} characters."))
    return q or None


def sort_expr(sort: str, now: datetime) -> sa.ColumnElement[Any]:
    if sort == "name":
        return K.c.name_lower
    if sort == "owner":
        return K.c.owner_email
    if sort == "status":
        return keys_store.status_rank_expr(now)
    if sort == "created_at":
        return sa.type_coerce(K.c.created_at, sa.BigInteger)
    if sort == "expires_at":
        return sa.type_coerce(db.EXPIRES_SORT, sa.BigInteger)
    return sa.type_coerce(db.LAST_USED_SORT, sa.BigInteger)


def _encode_cursor(sort: str, order: str, value: Any, key_id: str) -> str:
    raw = json.dumps({"s": sort, "o": order, "v": value, "i": key_id}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _bad_cursor() -> Exception:
    return validation_failed(FieldError(
        "cursor", "This cursor is not valid for this listing; start again from the first page."
    ))


def decode_cursor(cursor: str, sort: str, order: str) -> tuple[Any, str]:
    if len(cursor) > 2000:
        raise _bad_cursor()
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError):
        raise _bad_cursor() from None
    if not isinstance(data, dict) or data.get("s") != sort or data.get("o") != order:
        raise _bad_cursor()
    value, key_id = data.get("v"), data.get("i")
    if not isinstance(key_id, str) or len(key_id) > 64:
        raise _bad_cursor()
    if sort in ("name", "owner"):
        ok = isinstance(value, str) and len(value) <= 400
    else:
        ok = isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**62
    if not ok:
        raise _bad_cursor()
    return value, key_id


def filter_clauses(filters: KeyFilters, now: datetime) -> list[sa.ColumnElement[bool]]:
    clauses: list[sa.ColumnElement[bool]] = []
    if filters.owner_ids is not None:
        clauses.append(K.c.owner_id.in_(filters.owner_ids) if filters.owner_ids else sa.false())
    if filters.team_id is not None:
        clauses.append(K.c.owner_id.in_(
            sa.select(db.team_members.c.user_id)
            .where(db.team_members.c.team_id == filters.team_id)
        ))
    if filters.q:
        needle = filters.q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        clauses.append(sa.or_(K.c.search_text.like(f"%{needle}%", escape="\\"),
                              K.c.id == filters.q))
    if filters.stale_days is not None:
        cutoff = now - timedelta(days=filters.stale_days)
        clauses.append(sa.or_(K.c.last_used_at.is_(None), K.c.last_used_at <= cutoff))
    if filters.never_used is True:
        clauses.append(K.c.last_used_at.is_(None))
    elif filters.never_used is False:
        clauses.append(K.c.last_used_at.is_not(None))
    if filters.expiring_within_days is not None:
        horizon = now + timedelta(days=filters.expiring_within_days)
        clauses.append(sa.and_(K.c.expires_at.is_not(None), K.c.expires_at > now,
                               K.c.expires_at <= horizon))
    return clauses


def status_filter(statuses: tuple[KeyStatus, ...], now: datetime) -> list[sa.ColumnElement[bool]]:
    if not statuses or set(statuses) == set(KeyStatus):
        return []
    return [sa.or_(*(keys_store.status_clause(s, now) for s in statuses))]


def list_keys(
    conn: Connection,
    *,
    scope: sa.ColumnElement[bool],
    filters: KeyFilters,
    now: datetime,
    sort: str,
    order: str,
    limit: int,
    cursor: str | None,
) -> tuple[list[Any], str | None]:
    expr = sort_expr(sort, now)
    where = [scope, *filter_clauses(filters, now), *status_filter(filters.statuses, now)]
    if cursor:
        value, last_id = decode_cursor(cursor, sort, order)
        row_key = sa.tuple_(expr, K.c.id)
        after = sa.tuple_(sa.literal(value), sa.literal(last_id))
        where.append(row_key > after if order == "asc" else row_key < after)
    ordering = [expr.asc(), K.c.id.asc()] if order == "asc" else [expr.desc(), K.c.id.desc()]
    query = (
        sa.select(K, expr.label("_sort")).where(*where).order_by(*ordering).limit(limit + 1)
    )
    rows = list(conn.execute(query))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = _encode_cursor(sort, order, last._sort, last.id)
    return rows, next_cursor


def totals(
    conn: Connection, *, scope: sa.ColumnElement[bool], filters: KeyFilters, now: datetime
) -> dict[str, int]:
    """Counts per status under every filter except status itself."""
    rank = keys_store.status_rank_expr(now).label("rank")
    query = (
        sa.select(rank, sa.func.count())
        .where(scope, *filter_clauses(filters, now))
        .group_by(rank)
    )
    by_rank = {int(r): int(n) for r, n in conn.execute(query)}
    out = {s.value: by_rank.get(keys_store.STATUS_RANK[s], 0) for s in KeyStatus}
    out["all"] = sum(by_rank.values())
    return out
