"""Agent activity as each person may read it: per key (who may see the key), per day
for the usage sparkline, and across keys (own keys; a manager's team; an admin all).
Recording is activity_recorder.py's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tui_app.domain.models import ActivityEntry, Page, UsageDay
from tui_app.server.services.backend import Backend
from tui_app.server.services.cursors import decode_seq_cursor, encode_seq_cursor
from tui_app.server.services.key_actions import visible_row
from tui_app.server.services.visibility import visible_owners
from tui_app.server.store import activity as activity_store
from tui_app.server.store import db
from tui_app.server.store import users as users_store
from tui_app.server.store.activity import ActivityFilter
from tui_app.server.store.users import Caller

CHANNELS = ("verify", "whoami", "mcp")
RESULTS = ("ok", "refused")
MAX_USAGE_DAYS = 366


@dataclass(frozen=True, slots=True)
class ActivityQuery:
    key_id: str | None = None
    owner: str | None = None  # a user id or an email
    tool: str | None = None
    code: str | None = None
    result: str | None = None  # ok or refused
    channel: str | None = None
    since: datetime | None = None
    limit: int = 100
    cursor: str | None = None


def key_activity(backend: Backend, caller: Caller, key_id: str,
                 query: ActivityQuery) -> Page[ActivityEntry]:
    """One key's activity, for whoever may see the key (else NotFound)."""
    backend.activity.flush()
    with db.read_tx(backend.engine) as conn:
        visible_row(conn, caller, key_id)
    return _page(backend, _filter(query, key_id=key_id), query)


def key_usage(backend: Backend, caller: Caller, key_id: str, days: int
              ) -> tuple[UsageDay, ...]:
    """The key's calls per UTC day, the last `days` days up to today, oldest first,
    days without calls included."""
    backend.activity.flush()
    today = backend.now().astimezone(UTC).date()
    first = today - timedelta(days=days - 1)
    with db.read_tx(backend.engine) as conn:
        visible_row(conn, caller, key_id)
        counts = activity_store.daily_counts(
            conn, key_id, datetime(first.year, first.month, first.day, tzinfo=UTC))
    return tuple(UsageDay(day, *counts.get(day, (0, 0)))
                 for day in (first + timedelta(days=n) for n in range(days)))


def activity(backend: Backend, caller: Caller, query: ActivityQuery) -> Page[ActivityEntry]:
    """Activity across the keys the caller may see: their own, a manager's team's
    members', an admin's everyone's. `owner` narrows it to one person (by id or email)."""
    backend.activity.flush()
    with db.read_tx(backend.engine) as conn:
        owners = visible_owners(conn, caller).owners
        if query.owner:
            person = users_store.find_user(conn, query.owner)
            owners = ((person.id,) if person is not None
                      and (owners is None or person.id in owners) else ())
    if owners == ():
        return Page((), None)
    return _page(backend, _filter(query, owners=owners), query)


def _filter(query: ActivityQuery, *, key_id: str | None = None,
            owners: tuple[str, ...] | None = None) -> ActivityFilter:
    return ActivityFilter(
        key_id=key_id if key_id is not None else query.key_id, owners=owners,
        tool=query.tool, code=query.code, channel=query.channel, since=query.since,
        ok=None if query.result is None else query.result == "ok",
    )


def _page(backend: Backend, where: ActivityFilter, query: ActivityQuery
          ) -> Page[ActivityEntry]:
    before = decode_seq_cursor(query.cursor, "v")
    with db.read_tx(backend.engine) as conn:
        entries, last_seq = activity_store.read_entries(
            conn, where, before=before, limit=query.limit)
    return Page(tuple(entries), encode_seq_cursor(last_seq, "v"))
