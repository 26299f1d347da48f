"""Connections' tables: OAuth clients, pending requests, key sessions and their refresh
tokens. Reads and writes only; the use cases decide (services/
oauth_requests.py, connections.py, key_sessions.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from tui_app.server.store import agent_tables, db

T = agent_tables
C, R, S, F = T.oauth_clients, T.connection_requests, T.key_sessions, T.session_refresh


def insert_client(conn: Connection, **values: Any) -> None:
    conn.execute(C.insert().values(**values))


def get_client(conn: Connection, client_id: str) -> Any:
    return conn.execute(sa.select(C).where(C.c.id == client_id)).first()


def insert_request(conn: Connection, **values: Any) -> None:
    conn.execute(R.insert().values(**values))


def _request_where(conn: Connection, condition: sa.ColumnElement[bool], for_update: bool
                   ) -> Any:
    query = sa.select(R).where(condition)
    if for_update and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return conn.execute(query).first()


def request_by_id(conn: Connection, request_id: str, *, for_update: bool = False) -> Any:
    return _request_where(conn, R.c.id == request_id, for_update)


def request_by_user_code(conn: Connection, user_code: str, *, for_update: bool = False
                         ) -> Any:
    return _request_where(conn, R.c.user_code == user_code, for_update)


def request_by_device(conn: Connection, device_digest: str, *, for_update: bool = False
                      ) -> Any:
    return _request_where(conn, R.c.device_digest == device_digest, for_update)


def request_by_code(conn: Connection, code_digest: str, *, for_update: bool = False) -> Any:
    return _request_where(conn, R.c.code_digest == code_digest, for_update)


def update_request(conn: Connection, request_id: str, **values: Any) -> None:
    conn.execute(R.update().where(R.c.id == request_id).values(**values))


def forget_requests_before(conn: Connection, cutoff: datetime) -> None:
    """Requests nobody answered or used in time: nothing refers to them any more."""
    conn.execute(R.delete().where(R.c.expires_at < cutoff))


def insert_session(conn: Connection, **values: Any) -> None:
    conn.execute(S.insert().values(**values))


def get_session(conn: Connection, session_id: str, *, for_update: bool = False) -> Any:
    query = sa.select(S).where(S.c.id == session_id)
    if for_update and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return conn.execute(query).first()


def update_session(conn: Connection, session_id: str, **values: Any) -> None:
    conn.execute(S.update().where(S.c.id == session_id).values(**values))


def sessions_of_key(conn: Connection, key_id: str) -> list[Any]:
    return list(conn.execute(
        sa.select(S).where(S.c.key_id == key_id).order_by(S.c.created_at.desc())))


def end_sessions(conn: Connection, key_ids: Sequence[str], now: datetime) -> None:
    """End every live session of these keys (the key was revoked or disabled, or its
    owner deactivated): a session never outlives what made its key stop."""
    if key_ids:
        conn.execute(S.update().where(S.c.key_id.in_(list(key_ids)),
                                      S.c.revoked_at.is_(None)).values(revoked_at=now))


def end_sessions_of_owner(conn: Connection, owner_id: str, now: datetime) -> None:
    owned = sa.select(db.keys.c.id).where(db.keys.c.owner_id == owner_id)
    conn.execute(S.update().where(S.c.key_id.in_(owned), S.c.revoked_at.is_(None))
                 .values(revoked_at=now))


def insert_refresh(conn: Connection, digest: str, session_id: str) -> None:
    conn.execute(F.insert().values(digest=digest, session_id=session_id))


def refresh_by_digest(conn: Connection, digest: str, *, for_update: bool = False) -> Any:
    query = sa.select(F).where(F.c.digest == digest)
    if for_update and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return conn.execute(query).first()


def mark_refresh_used(conn: Connection, digest: str, now: datetime) -> bool:
    """Use a refresh token once: False when it had been used already (by a racing
    request too: the UPDATE is conditional)."""
    done = conn.execute(F.update().where(F.c.digest == digest, F.c.used_at.is_(None))
                        .values(used_at=now))
    return bool(done.rowcount)
