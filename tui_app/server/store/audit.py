"""Audit entries: written in the same transaction as the change they record; read
as each role may see them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from tui_app.domain.models import AuditEvent, UserRef
from tui_app.server.store import db
from tui_app.server.store import users as users_store
from tui_app.server.store.users import Caller

SOURCES = ("tui", "cli", "api", "mcp")


def clean_source(value: str | None) -> str:
    value = (value or "api").strip().lower()
    return value if value in SOURCES else "api"


def record(
    conn: Connection,
    *,
    now: datetime,
    actor: Caller | None,
    action: str,
    source: str | None,
    key_id: str | None = None,
    key_name: str | None = None,
    key_owner_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    if actor is not None and actor.via_key_id is not None:
        details = {**(details or {}), "via_key": actor.via_key_id}
    conn.execute(
        db.audit.insert().values(
            at=now,
            actor_id=actor.id if actor else None,
            actor_name=actor.name if actor else None,
            actor_email=actor.email if actor else None,
            action=action,
            key_id=key_id,
            key_name=key_name,
            key_owner_id=key_owner_id,
            source=clean_source(source),
            details=details or {},
        )
    )


A = db.audit


def _readable(person_id: str | None, team_ids: tuple[str, ...]) -> sa.ColumnElement[bool]:
    if person_id is None:
        return sa.true()
    theirs = sa.or_(A.c.key_owner_id == person_id, A.c.actor_id == person_id)
    if team_ids:
        return sa.or_(theirs, A.c.key_owner_id.in_(users_store.team_member_ids(team_ids)))
    return theirs


def read_events(
    conn: Connection, *, person_id: str | None, team_ids: tuple[str, ...] = (),
    key_id: str | None, actor: str | None, action: str | None, before: int | None,
    limit: int,
) -> tuple[list[AuditEvent], int | None]:
    """A page of entries, newest first, older than sequence number `before`; and the
    last entry's sequence number if more follow. Only entries about `person_id`'s keys
    or by them, and about the keys of plain members of `team_ids`; every entry when
    `person_id` is None."""
    where = [_readable(person_id, team_ids)]
    if key_id:
        where.append(A.c.key_id == key_id)
    if actor:
        by_email = "@" in actor
        column = A.c.actor_email if by_email else A.c.actor_id
        where.append(column == (actor.strip().lower() if by_email else actor.strip()))
    if action:
        where.append(A.c.action == action.strip())
    if before is not None:
        where.append(A.c.seq < before)
    rows = list(conn.execute(
        sa.select(A).where(*where).order_by(A.c.seq.desc()).limit(limit + 1)))
    last_seq = rows[limit - 1].seq if len(rows) > limit else None
    return [_event(row) for row in rows[:limit]], last_seq


def _event(row: Any) -> AuditEvent:
    actor = (UserRef(id=row.actor_id, name=row.actor_name or "", email=row.actor_email or "")
             if row.actor_id else None)
    return AuditEvent(
        id=f"evt_{row.seq}", at=row.at, actor=actor, action=row.action, key_id=row.key_id,
        key_name=row.key_name, source=row.source, details=row.details or {},
    )
