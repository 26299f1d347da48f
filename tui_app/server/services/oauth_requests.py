"""The OAuth side of connections: clients that register, requests for access (device
flow and authorization code), their polling and their codes.

OAuth's protocol steps are Authlib's (server/api/oauth/); these are the storage use cases
its grants call, each one transaction. Every code is stored as an HMAC digest. What a
person answers is connections.py's; the sessions a request gives, key_sessions.py's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tui_app.domain import connections as rules
from tui_app.domain.checks import FieldErrors
from tui_app.domain.connections import PendingConnection, redirect_uri_problem
from tui_app.domain.errors import DomainError
from tui_app.domain.field_error import FieldError
from tui_app.domain.ids import new_id
from tui_app.domain.sanitize import clean
from tui_app.server.services.backend import Backend
from tui_app.server.store import connections as store
from tui_app.server.store import db

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
            scope=_asked(scope), device_digest=backend.digest(device_code),
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
    return state_of(row, client, backend.now())


def state_of(row: Any, client: Any, now: datetime) -> RequestState:
    """A request's row as its state now (pending or approved past its time: expired)."""
    status = row.status
    if status in ("pending", "approved") and row.expires_at <= now:
        status = "expired"
    return RequestState(
        id=row.id, flow=row.flow, status=status, client_id=row.client_id,
        client_name=client.name if client is not None else row.client_id,
        user_code=row.user_code, scope=row.scope or "read_write",
        redirect_uri=row.redirect_uri, state=row.state, code_challenge=row.code_challenge,
        expires_at=row.expires_at, code_issued=row.code_digest is not None)


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
        row = store.request_by_device(conn, backend.digest(device_code))
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
        store.update_request(conn, request_id, code_digest=backend.digest(code),
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
        row = store.request_by_code(conn, backend.digest(code))
    if row is None or row.status != "approved":
        return None
    return CodeRecord(request_id=row.id, client_id=row.client_id,
                      redirect_uri=row.redirect_uri or "", scope=row.scope or "read",
                      code_challenge=row.code_challenge or "",
                      expired=row.code_expires_at is None
                      or row.code_expires_at <= backend.now())
