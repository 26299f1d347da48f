"""The FastAPI dependencies: the backend a route works with, and who is calling.

Bearer parsing is HTTP's part; what a login token is worth is decided by the sign-in
service (services/auth.py).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from tui_app.domain.errors import Forbidden
from tui_app.domain.roles import Role
from tui_app.server.api.errors import ApiProblem
from tui_app.server.services.auth import authenticate
from tui_app.server.services.backend import Backend
from tui_app.server.settings import Settings
from tui_app.server.store.users import Caller

_bearer = HTTPBearer(auto_error=False, description="akp_… login token or ak_… agent key")


def backend_of(request: Request) -> Backend:
    backend: Backend = request.app.state.backend
    return backend


def settings_of(request: Request) -> Settings:
    return backend_of(request).settings


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


# The dependencies are `async def` and query inline: two indexed reads (well under a
# millisecond, and reads never wait for writers: WAL on SQLite, MVCC on PostgreSQL)
# cost less than a hop to the thread pool, which FastAPI makes for every sync dependency.
async def current_user(
    request: Request,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)] = None,
) -> Caller:
    """Any signed-in person (services included): /v1/me."""
    return authenticate(backend_of(request), bearer_token(request))


# Gateways call verify many times a second with the same service token. Its sign-in is
# remembered for one second (by digest, in this process), saving a database round trip
# per call; revoking that token or deactivating its account therefore reaches verify
# within a second. Agent keys themselves are never cached: every verify reads the key.
VERIFIER_CACHE_SECONDS = 1.0


async def key_manager(caller: Annotated[Caller, Depends(current_user)]) -> Caller:
    """Endpoints that manage keys: every role but service."""
    if caller.role is Role.SERVICE:
        raise Forbidden("Service accounts may only call /v1/verify.")
    return caller


async def team_manager(caller: Annotated[Caller, Depends(current_user)]) -> Caller:
    if caller.role is Role.SERVICE:
        raise Forbidden("Service accounts may only call /v1/verify.")
    if not caller.role.sees_admin_view:
        raise Forbidden("Only managers and admins may do this.")
    return caller


async def admin_only(caller: Annotated[Caller, Depends(current_user)]) -> Caller:
    if caller.role is not Role.ADMIN:
        raise Forbidden("Only admins may do this.")
    return caller


User = Annotated[Caller, Depends(current_user)]
KeyUser = Annotated[Caller, Depends(key_manager)]
Manager = Annotated[Caller, Depends(team_manager)]
Admin = Annotated[Caller, Depends(admin_only)]
# Unknown or odd values are recorded as "api" (store.audit.clean_source), never refused:
# a revoke must not fail over a label.
Source = Annotated[str | None, Header(alias="X-Agentkeys-Source")]
