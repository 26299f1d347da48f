"""Idempotency keys of creates: which request (by fingerprint) made which key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from tui_app.server.store import db

I = db.idempotency  # noqa: E741


def _of(user_id: str, idem_key: str) -> sa.ColumnElement[bool]:
    return sa.and_(I.c.user_id == user_id, I.c.idem_key == idem_key)


def find(conn: Connection, user_id: str, idem_key: str) -> Any:
    """The earlier create with this key (request_hash, key_id, created_at), or None."""
    return conn.execute(sa.select(I).where(_of(user_id, idem_key))).first()


def forget(conn: Connection, user_id: str, idem_key: str) -> None:
    conn.execute(I.delete().where(_of(user_id, idem_key)))


def remember(conn: Connection, *, user_id: str, idem_key: str, request_hash: str,
             key_id: str, now: datetime) -> None:
    """Raises IntegrityError if a concurrent create with the same key got there first."""
    conn.execute(I.insert().values(user_id=user_id, idem_key=idem_key,
                                   request_hash=request_hash, key_id=key_id, created_at=now))
