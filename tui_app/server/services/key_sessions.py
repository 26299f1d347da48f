"""Key sessions: opened once from an approved request, renewed with single-use refresh
tokens, listed per key and ended by a person. A session acts as its key (services/
verify.py judges it); its tokens are stored as HMAC digests like every token."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tui_app.domain import connections as rules
from tui_app.domain.connections import KeySession
from tui_app.domain.errors import NotFound
from tui_app.domain.ids import new_id
from tui_app.domain.keyformat import TokenKind
from tui_app.domain.status import KeyStatus
from tui_app.server import security
from tui_app.server.services.backend import Backend
from tui_app.server.services.key_actions import visible_row
from tui_app.server.services.oauth_requests import InvalidGrant
from tui_app.server.store import audit as audit_store
from tui_app.server.store import connections as store
from tui_app.server.store import db
from tui_app.server.store import keys as keys_store
from tui_app.server.store.users import Caller


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    session_id: str
    access_token: str
    refresh_token: str
    expires_in: int
    scope: str

    def __repr__(self) -> str:  # never let a token reach a log through repr()
        return f"IssuedTokens(session_id={self.session_id!r}, tokens='…')"


def open_session(backend: Backend, request_id: str) -> IssuedTokens:
    """The session an approved request gives, once: the request becomes "used" in the
    same transaction."""
    now = backend.now()
    with backend.engine.begin() as conn:
        request = store.request_by_id(conn, request_id, for_update=True)
        if request is None or request.status != "approved" or request.expires_at <= now:
            raise InvalidGrant("This code was used already, or has expired.")
        key = keys_store.get_row(conn, request.key_id)
        if key is None:
            raise InvalidGrant("The key picked for this connection is gone.")
        client = store.get_client(conn, request.client_id)
        store.update_request(conn, request.id, status="used")
        session_id = new_id("ses")
        times = rules.session_times(now, key.expires_at,
                                    session_hours=backend.settings.session_hours)
        access, access_digest, _ = security.new_token(
            backend.settings.pepper_bytes, TokenKind.SESSION, backend.settings.key_env)
        store.insert_session(
            conn, id=session_id, key_id=key.id, client_id=request.client_id,
            client_name=client.name if client else request.client_id,
            scope=request.scope or "read", access_digest=access_digest,
            access_expires_at=times.access_expires_at,
            refresh_expires_at=times.refresh_expires_at, created_at=now)
        refresh = _new_refresh(backend, conn, session_id)
    return IssuedTokens(session_id=session_id, access_token=access, refresh_token=refresh,
                        expires_in=_seconds(times.access_expires_at - now),
                        scope=request.scope or "read")


def renew_session(backend: Backend, refresh_token: str, client_id: str) -> IssuedTokens:
    """A new access token and refresh token for a live session. Each refresh token works
    once: one presented again (replayed or stolen) ends its session, so neither the thief
    nor the client can go on with it."""
    now = backend.now()
    digest = backend.digest(refresh_token)
    problem: str | None = None
    with backend.engine.begin() as conn:
        refresh = store.refresh_by_digest(conn, digest, for_update=True)
        if refresh is None:
            raise InvalidGrant("This refresh token is not known.")
        session = store.get_session(conn, refresh.session_id, for_update=True)
        if session is None or session.client_id != client_id:
            raise InvalidGrant("This refresh token is not known.")
        if not store.mark_refresh_used(conn, digest, now):
            if session.revoked_at is None:
                store.update_session(conn, session.id, revoked_at=now)
            replayed = True
        else:
            replayed = False
        if not replayed:
            problem = _session_problem(conn, session, now)
            if problem is None:
                key = keys_store.get_row(conn, session.key_id)
                times = rules.session_times(
                    now, key.expires_at, session_hours=backend.settings.session_hours,
                    connected_at=session.created_at)
                access, access_digest, _ = security.new_token(
                    backend.settings.pepper_bytes, TokenKind.SESSION,
                    backend.settings.key_env)
                store.update_session(conn, session.id, access_digest=access_digest,
                                     access_expires_at=times.access_expires_at)
                new_refresh = _new_refresh(backend, conn, session.id)
    # Outside the transaction's error path: a replay's ending of the session commits.
    if replayed:
        raise InvalidGrant("This refresh token was used already; the session has ended. "
                           "Connect again.")
    if problem is not None:
        raise InvalidGrant(problem)
    return IssuedTokens(session_id=session.id, access_token=access,
                        refresh_token=new_refresh,
                        expires_in=_seconds(times.access_expires_at - now),
                        scope=session.scope)


def _session_problem(conn: Any, session: Any, now: datetime) -> str | None:
    if session.revoked_at is not None:
        return "This session has ended. Connect again."
    if session.refresh_expires_at <= now:
        return "This session has expired. Connect again."
    key = keys_store.get_row(conn, session.key_id)
    if key is None or keys_store.status_of(key, now)[0] is not KeyStatus.ACTIVE:
        return "This session's key no longer works. Connect again."
    return None


def _new_refresh(backend: Backend, conn: Any, session_id: str) -> str:
    token = secrets.token_urlsafe(32)
    store.insert_refresh(conn, backend.digest(token), session_id)
    return token


def key_sessions(backend: Backend, caller: Caller, key_id: str) -> tuple[KeySession, ...]:
    with db.read_tx(backend.engine) as conn:
        visible_row(conn, caller, key_id)
        rows = store.sessions_of_key(conn, key_id)
    return tuple(_session(row) for row in rows)


def revoke_session(backend: Backend, caller: Caller, session_id: str, *,
                   source: str | None = None) -> KeySession:
    now = backend.now()
    with backend.engine.begin() as conn:
        session = (store.get_session(conn, session_id, for_update=True)
                   if session_id and len(session_id) <= 40 and session_id.isascii() else None)
        if session is None:
            raise NotFound("session")
        key = visible_row(conn, caller, session.key_id)
        if session.revoked_at is None:
            store.update_session(conn, session.id, revoked_at=now)
            audit_store.record(
                conn, now=now, actor=caller, action="session.revoked", source=source,
                key_id=key.id, key_name=key.name, key_owner_id=key.owner_id,
                details={"session_id": session.id, "client": session.client_name})
        row = store.get_session(conn, session.id)
    return _session(row)


def _session(row: Any) -> KeySession:
    return KeySession(id=row.id, key_id=row.key_id, client_name=row.client_name,
                      scope=row.scope, created_at=row.created_at,
                      last_used_at=row.last_used_at, expires_at=row.refresh_expires_at,
                      revoked_at=row.revoked_at)





def _seconds(delta: timedelta) -> int:
    return max(0, int(delta.total_seconds()))
