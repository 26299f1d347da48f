"""Bearer authentication for people (akp_ login tokens) and agents (ak_ keys).

The checksum is checked before any database access (TOKEN_MALFORMED); then the token's
HMAC digest is looked up. Messages never contain the token.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.engine import Engine

from tui_app.domain import keyformat
from tui_app.domain.keyformat import TokenKind, TokenMalformed
from tui_app.domain.roles import Role
from tui_app.server import security
from tui_app.server.api.errors import ApiProblem, forbidden
from tui_app.server.settings import Settings
from tui_app.server.store import db
from tui_app.server.store import users as users_store
from tui_app.server.store.users import Caller

_bearer = HTTPBearer(auto_error=False, description="akp_… login token or ak_… agent key")


def settings_of(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def engine_of(request: Request) -> Engine:
    return request.app.state.engine  # type: ignore[no-any-return]


def unauthorized(code: str, message: str) -> ApiProblem:
    return ApiProblem(401, code, message, headers={"WWW-Authenticate": "Bearer"})


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization")
    if not header or not header.strip():
        raise unauthorized("TOKEN_MISSING", "Sign in: send Authorization: Bearer <token>.")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized("TOKEN_MALFORMED", "Use Authorization: Bearer <token>.")
    return token.strip()


def check_format(token: str, kind: TokenKind) -> None:
    try:
        keyformat.parse(token, kind)
    except TokenMalformed as exc:
        raise unauthorized("TOKEN_MALFORMED", str(exc)) from None


# Built once: building a statement costs several times more than running it (~190 µs
# against ~25 µs on SQLite), and this runs on every request.
_TOKEN_LOOKUP = (
    sa.select(db.login_tokens.c.expires_at, db.login_tokens.c.revoked_at, db.users)
    .join(db.users, db.users.c.id == db.login_tokens.c.user_id)
    .where(db.login_tokens.c.digest == sa.bindparam("digest"))
)


def authenticate_user(request: Request, token: str, *, with_teams: bool = True) -> Caller:
    check_format(token, TokenKind.PERSONAL)
    settings = settings_of(request)
    now = settings.clock()
    digest = security.digest(settings.pepper_bytes, token)
    with db.autocommit_read(engine_of(request)) as conn:
        row = check_login_row(conn.execute(_TOKEN_LOOKUP, {"digest": digest}).first(), now)
        return users_store.caller_from_row(conn, row, with_teams=with_teams)


def check_login_row(row: Any, now: datetime) -> Any:
    """The login token's row (token and account columns), if it may sign in: else 401
    with the reason. Shared with verify's own lookup (routes/verify.py)."""
    if row is None:
        raise unauthorized("TOKEN_INVALID", "This login token is not known here.")
    if row.revoked_at is not None:
        raise unauthorized("TOKEN_REVOKED", "This login token was revoked.")
    if row.expires_at is not None and row.expires_at <= now:
        raise unauthorized("TOKEN_EXPIRED", "This login token has expired.")
    if not row.active:
        raise unauthorized("TOKEN_INACTIVE", "This account is deactivated.")
    return row


# The dependencies are `async def` and query inline: two indexed reads (well under a
# millisecond, and reads never wait for writers: WAL on SQLite, MVCC on PostgreSQL)
# cost less than a hop to the thread pool, which FastAPI makes for every sync dependency.
async def current_user(
    request: Request,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)] = None,
) -> Caller:
    """Any signed-in person (services included): /v1/me."""
    return authenticate_user(request, bearer_token(request))


# Gateways call verify many times a second with the same service token. Its sign-in is
# remembered for one second (by digest, in this process), saving a database round trip
# per call; revoking that token or deactivating its account therefore reaches verify
# within a second. Agent keys themselves are never cached: every verify reads the key.
VERIFIER_CACHE_SECONDS = 1.0


async def key_manager(caller: Annotated[Caller, Depends(current_user)]) -> Caller:
    """Endpoints that manage keys: every role but service."""
    if caller.role is Role.SERVICE:
        raise forbidden("Service accounts may only call /v1/verify.")
    return caller


async def team_manager(caller: Annotated[Caller, Depends(current_user)]) -> Caller:
    if caller.role is Role.SERVICE:
        raise forbidden("Service accounts may only call /v1/verify.")
    if not caller.role.sees_admin_view:
        raise forbidden("Only managers and admins may do this.")
    return caller


async def admin_only(caller: Annotated[Caller, Depends(current_user)]) -> Caller:
    if caller.role is not Role.ADMIN:
        raise forbidden("Only admins may do this.")
    return caller


User = Annotated[Caller, Depends(current_user)]
KeyUser = Annotated[Caller, Depends(key_manager)]
Manager = Annotated[Caller, Depends(team_manager)]
Admin = Annotated[Caller, Depends(admin_only)]
