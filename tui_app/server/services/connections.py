"""Connections: clients register, ask for access (device flow or authorization code), a
person approves with one of their own keys or denies, and the client gets a key session.

OAuth's protocol steps are Authlib's (server/api/oauth/); these are the use cases its
grants call, each one transaction. Every code and token is stored as an HMAC digest.
A request is used once: the transaction that turns it into a session moves it from
"approved" to "used", so a device code or an authorization code exchanged twice (even
by two racing requests) gives one session.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from tui_app.domain import connections as rules
from tui_app.domain.checks import FieldErrors
from tui_app.domain.clock import to_rfc3339
from tui_app.domain.connections import Approval, KeySession, PendingConnection
from tui_app.domain.errors import Conflict, DomainError, NotFound
from tui_app.domain.field_error import FieldError
from tui_app.domain.ids import new_id
from tui_app.domain.keyformat import TokenKind
from tui_app.domain.sanitize import clean
from tui_app.domain.status import KeyStatus
from tui_app.domain.validation import validate_expiry
from tui_app.server import security
from tui_app.server.services.backend import Backend
from tui_app.server.services.key_actions import visible_row
from tui_app.server.store import audit as audit_store
from tui_app.server.store import connections as store
from tui_app.server.store import db
from tui_app.server.store import keys as keys_store
from tui_app.server.store.users import Caller

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
GRANT_TYPES = ("authorization_code", "refresh_token", DEVICE_GRANT)
CLIENT_NAME_MAX = 200
REDIRECT_URIS_MAX = 10


class InvalidGrant(DomainError):
    """A code, device code or refresh token that cannot give a session (unknown, used,
    expired, or its session ended): OAuth's invalid_grant."""

    code = "invalid_grant"


@dataclass(frozen=True, slots=True)
class OAuthClient:
    id: str
    name: str
    redirect_uris: tuple[str, ...]
    grant_types: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Grant:
    """An approved request, or a live session being renewed: who, with which key, what
    the session may do, and for which client."""

    request_id: str | None
    session_id: str | None
    user_id: str
    key_id: str
    scope: str
    client_id: str


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    session_id: str
    access_token: str
    refresh_token: str
    expires_in: int
    scope: str

    def __repr__(self) -> str:  # never let a token reach a log through repr()
        return f"IssuedTokens(session_id={self.session_id!r}, tokens='…')"


# --- Clients --------------------------------------------------------------------------------

def register_client(backend: Backend, *, name: str, redirect_uris: list[str],
                    grant_types: list[str]) -> OAuthClient:
    errors = []
    name = clean(name).strip()[:CLIENT_NAME_MAX]
    if not name:
        errors.append(FieldError("client_name", "Name the client (1 to 200 characters)."))
    if len(redirect_uris) > REDIRECT_URIS_MAX:
        errors.append(FieldError("redirect_uris", "At most 10 redirect URIs."))
    for uri in redirect_uris:
        problem = redirect_uri_problem(uri)
        if problem:
            errors.append(FieldError("redirect_uris", problem))
            break
    unknown = [g for g in grant_types if g not in GRANT_TYPES]
    if unknown:
        errors.append(FieldError("grant_types", f"Unsupported grant type {unknown[0]!r}; "
                                 "use authorization_code, refresh_token or device_code."))
    if "authorization_code" in grant_types and not redirect_uris:
        errors.append(FieldError("redirect_uris", "The authorization code flow needs a "
                                 "redirect URI."))
    if errors:
        raise FieldErrors(errors)
    client = OAuthClient(id=new_id("cli"), name=name, redirect_uris=tuple(redirect_uris),
                         grant_types=tuple(dict.fromkeys(grant_types)))
    with backend.engine.begin() as conn:
        store.insert_client(conn, id=client.id, name=client.name,
                            redirect_uris=list(client.redirect_uris),
                            grant_types=list(client.grant_types), created_at=backend.now())
    return client


# Schemes that would run or read something in the browser instead of reaching a client.
_NEVER_REDIRECT = frozenset({"javascript", "data", "file", "about", "blob", "vbscript"})


def redirect_uri_problem(uri: str) -> str | None:
    """Why a redirect URI cannot be registered: https anywhere, http only on this
    machine (a native client's loopback listener), or an app's own scheme like
    cursor:// (RFC 8252); never a fragment."""
    try:
        parts = urlsplit(uri)
    except ValueError:
        return "A redirect URI must be an absolute URI."
    if "#" in uri:
        return "A redirect URI has no fragment (#…)."
    scheme = parts.scheme.lower()
    if scheme == "https" and parts.hostname:
        return None
    if scheme == "http":
        if parts.hostname in ("localhost", "127.0.0.1", "::1"):
            return None
        return "Plain http is for this machine only (localhost, 127.0.0.1); use https."
    if scheme and scheme not in _NEVER_REDIRECT and (parts.netloc or parts.path):
        return None
    return "A redirect URI must be https, http on localhost, or an app's own scheme."


def find_client(backend: Backend, client_id: str) -> OAuthClient | None:
    if not client_id or len(client_id) > 64 or not client_id.isascii():
        return None
    with db.read_tx(backend.engine) as conn:
        row = store.get_client(conn, client_id)
    if row is None:
        return None
    return OAuthClient(id=row.id, name=row.name, redirect_uris=tuple(row.redirect_uris),
                       grant_types=tuple(row.grant_types))


# --- Requests -------------------------------------------------------------------------------

def start_device_request(backend: Backend, client: OAuthClient, scope: str | None, *,
                         device_code: str, user_code: str, lifetime_s: int) -> None:
    now = backend.now()
    with backend.engine.begin() as conn:
        store.forget_requests_before(conn, now - timedelta(days=1))
        store.insert_request(
            conn, id=new_id("req"), user_code=user_code, flow="device", client_id=client.id,
            scope=_asked(scope), device_digest=_digest(backend, device_code),
            created_at=now, expires_at=now + timedelta(seconds=lifetime_s),
            interval_s=rules.POLL_INTERVAL_S, status="pending")


def start_code_request(backend: Backend, client: OAuthClient, *, scope: str | None,
                       redirect_uri: str, state: str | None, code_challenge: str,
                       resource: str | None) -> PendingConnection:
    now = backend.now()
    user_code = rules.new_user_code()
    request_id = new_id("req")
    with backend.engine.begin() as conn:
        store.forget_requests_before(conn, now - timedelta(days=1))
        store.insert_request(
            conn, id=request_id, user_code=user_code, flow="code", client_id=client.id,
            scope=_asked(scope), redirect_uri=redirect_uri, state=state,
            code_challenge=code_challenge, resource=resource, created_at=now,
            expires_at=now + rules.REQUEST_LIFETIME, interval_s=rules.POLL_INTERVAL_S,
            status="pending")
    return PendingConnection(user_code=user_code, client_id=client.id,
                             client_name=client.name, flow="code", scope=_asked(scope),
                             expires_at=now + rules.REQUEST_LIFETIME, status="pending")


def _asked(scope: str | None) -> str:
    """What a client asks for, as we record it: read_write unless it asked for read."""
    return "read" if (scope or "").split() == ["read"] else "read_write"


def request_id_of(backend: Backend, user_code: str) -> str | None:
    with db.read_tx(backend.engine) as conn:
        row = store.request_by_user_code(conn, user_code)
    return None if row is None else str(row.id)


@dataclass(frozen=True, slots=True)
class RequestState:
    """A request as its client polls it."""

    id: str
    flow: str
    status: str  # pending approved denied used expired
    client_id: str
    client_name: str
    user_code: str
    scope: str
    redirect_uri: str | None
    state: str | None
    code_challenge: str | None
    expires_at: datetime
    code_issued: bool


def request_state(backend: Backend, request_id: str) -> RequestState | None:
    if not request_id or len(request_id) > 40 or not request_id.isascii():
        return None
    with db.read_tx(backend.engine) as conn:
        row = store.request_by_id(conn, request_id)
        client = store.get_client(conn, row.client_id) if row is not None else None
    if row is None:
        return None
    return _state(row, client, backend.now())


def _state(row: Any, client: Any, now: datetime) -> RequestState:
    status = row.status
    if status in ("pending", "approved") and row.expires_at <= now:
        status = "expired"
    return RequestState(
        id=row.id, flow=row.flow, status=status, client_id=row.client_id,
        client_name=client.name if client is not None else row.client_id,
        user_code=row.user_code, scope=row.scope or "read_write",
        redirect_uri=row.redirect_uri, state=row.state, code_challenge=row.code_challenge,
        expires_at=row.expires_at, code_issued=row.code_digest is not None)


# --- A person's answer ----------------------------------------------------------------------

def pending_for(backend: Backend, caller: Caller, user_code: str) -> PendingConnection:
    """The request a person is about to answer (any signed-in person may look a code up:
    they were shown it; answering uses only their own keys)."""
    code = _code(user_code)
    with db.read_tx(backend.engine) as conn:
        row = store.request_by_user_code(conn, code)
        client = store.get_client(conn, row.client_id) if row is not None else None
    if row is None:
        raise NotFound("connection request")
    state = _state(row, client, backend.now())
    return PendingConnection(user_code=state.user_code, client_id=state.client_id,
                             client_name=state.client_name, flow=state.flow,
                             scope=state.scope, expires_at=state.expires_at,
                             status=state.status)


def _code(user_code: str) -> str:
    code = rules.normalise_user_code(user_code or "")
    if code is None:
        raise FieldErrors([FieldError(
            "user_code", "A code is eight letters like BCDF-GHJK, as the agent showed it.")])
    return code


def approve(backend: Backend, caller: Caller, user_code: str, key_id: str, *,
            source: str | None = None) -> Approval:
    """Approve with one of the caller's own keys. An expired key is extended by 30 days
    from now (audited as the owner's extension); a revoked or inactive one cannot be
    picked. The session may do what the client asked, never more than the key."""
    code = _code(user_code)
    now = backend.now()
    with backend.engine.begin() as conn:
        request = _pending_row(conn, code, now)
        row = visible_row(conn, caller, key_id, for_update=True)
        if row.owner_id != caller.id:
            raise NotFound()  # only your own keys: a manager cannot lend a member's
        status, _ = keys_store.status_of(row, now)
        if status in (KeyStatus.REVOKED, KeyStatus.INACTIVE):
            raise Conflict(f"This key is {status.value}; pick an active or expired key.")
        extended_to = rules.extended_for_approval(row.expires_at, now)
        if extended_to is not None:
            try:
                validate_expiry(extended_to, now=now,
                                max_lifetime_days=backend.settings.max_lifetime_days)
            except FieldError as exc:
                raise FieldErrors([FieldError("key_id", exc.message)]) from None
            keys_store.update_key(conn, row.id, expires_at=extended_to)
            audit_store.record(
                conn, now=now, actor=caller, action="key.extended", source=source,
                key_id=row.id, key_name=row.name, key_owner_id=row.owner_id,
                details={"before": {"expires_at": to_rfc3339(row.expires_at)},
                         "after": {"expires_at": to_rfc3339(extended_to)},
                         "reason": "connection approved"})
        scope = rules.session_scope(row.scope, request.scope)
        store.update_request(conn, request.id, status="approved", user_id=caller.id,
                             key_id=row.id, decided_at=now, scope=scope.value)
        client = store.get_client(conn, request.client_id)
        audit_store.record(
            conn, now=now, actor=caller, action="connection.approved", source=source,
            key_id=row.id, key_name=row.name, key_owner_id=row.owner_id,
            details={"client": client.name if client else request.client_id,
                     "user_code": code, "scope": scope.value,
                     "extended_to": to_rfc3339(extended_to)})
    return Approval(user_code=code, key_id=row.id, scope=scope.value, extended_to=extended_to)


def deny(backend: Backend, caller: Caller, user_code: str, *,
         source: str | None = None) -> None:
    code = _code(user_code)
    now = backend.now()
    with backend.engine.begin() as conn:
        request = _pending_row(conn, code, now)
        store.update_request(conn, request.id, status="denied", user_id=caller.id,
                             decided_at=now)
        client = store.get_client(conn, request.client_id)
        audit_store.record(
            conn, now=now, actor=caller, action="connection.denied", source=source,
            key_owner_id=caller.id,
            details={"client": client.name if client else request.client_id,
                     "user_code": code})


def _pending_row(conn: Any, code: str, now: datetime) -> Any:
    request = store.request_by_user_code(conn, code, for_update=True)
    if request is None:
        raise NotFound("connection request")
    if request.expires_at <= now:
        raise Conflict("This code has expired; ask the agent to connect again.",
                       code="CODE_EXPIRED")
    if request.status != "pending":
        raise Conflict(f"This request was {request.status} already.", code="CODE_USED")
    return request


# --- The device flow's polling -------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class DeviceRequest:
    id: str
    client_id: str
    user_code: str
    scope: str
    expired: bool
    used: bool


def device_request(backend: Backend, device_code: str) -> DeviceRequest | None:
    with db.read_tx(backend.engine) as conn:
        row = store.request_by_device(conn, _digest(backend, device_code))
    if row is None:
        return None
    return DeviceRequest(id=row.id, client_id=row.client_id, user_code=row.user_code,
                         scope=row.scope or "read_write",
                         expired=row.expires_at <= backend.now(), used=row.status == "used")


def answer_of(backend: Backend, request_id: str) -> tuple[Grant, bool] | None:
    """(the grant, approved?) once a person answered; None while pending."""
    with db.read_tx(backend.engine) as conn:
        row = store.request_by_id(conn, request_id)
    if row is None or row.status == "pending":
        return None
    grant = Grant(request_id=row.id, session_id=None, user_id=row.user_id or "",
                  key_id=row.key_id or "", scope=row.scope or "read", client_id=row.client_id)
    return grant, row.status in ("approved", "used")


def polled_too_soon(backend: Backend, request_id: str) -> bool:
    """Note a poll; True (and the interval grows by five seconds, for this poll and all
    later ones) when it came before the interval had passed since the previous one."""
    now = backend.now()
    with backend.engine.begin() as conn:
        row = store.request_by_id(conn, request_id, for_update=True)
        if row is None:
            return False
        too_soon = (row.last_poll_at is not None
                    and now - row.last_poll_at < timedelta(seconds=row.interval_s))
        interval = row.interval_s + rules.SLOW_DOWN_STEP_S if too_soon else row.interval_s
        store.update_request(conn, row.id, last_poll_at=now, interval_s=interval)
    return too_soon


# --- The authorization code ------------------------------------------------------------------

def issue_code(backend: Backend, request_id: str, code: str) -> None:
    """The authorization code for an approved request (one per request)."""
    now = backend.now()
    with backend.engine.begin() as conn:
        row = store.request_by_id(conn, request_id, for_update=True)
        if row is None or row.status != "approved" or row.code_digest is not None:
            raise InvalidGrant("This request has no code to give.")
        store.update_request(conn, request_id, code_digest=_digest(backend, code),
                             code_expires_at=now + rules.CODE_LIFETIME)


@dataclass(frozen=True, slots=True)
class CodeRecord:
    request_id: str
    client_id: str
    redirect_uri: str
    scope: str
    code_challenge: str
    expired: bool


def find_code(backend: Backend, code: str) -> CodeRecord | None:
    with db.read_tx(backend.engine) as conn:
        row = store.request_by_code(conn, _digest(backend, code))
    if row is None or row.status != "approved":
        return None
    return CodeRecord(request_id=row.id, client_id=row.client_id,
                      redirect_uri=row.redirect_uri or "", scope=row.scope or "read",
                      code_challenge=row.code_challenge or "",
                      expired=row.code_expires_at is None
                      or row.code_expires_at <= backend.now())


# --- Sessions ---------------------------------------------------------------------------------

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
    digest = _digest(backend, refresh_token)
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
    store.insert_refresh(conn, _digest(backend, token), session_id)
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


def _digest(backend: Backend, token: str) -> str:
    return security.digest(backend.settings.pepper_bytes, token)


def _seconds(delta: timedelta) -> int:
    return max(0, int(delta.total_seconds()))
