"""Verification for gateways, and the agent's own view of its key."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from tui_app.domain.keyformat import TokenKind, TokenMalformed
from tui_app.domain.roles import Role
from tui_app.server import security
from tui_app.server.auth import (
    VERIFIER_CACHE_SECONDS,
    bearer_token,
    check_format,
    engine_of,
    settings_of,
    unauthorized,
)
from tui_app.server.errors import ApiProblem, forbidden
from tui_app.server.schemas import ERROR_RESPONSES, AgentKeyOut, VerifyIn, VerifyOut
from tui_app.server.users_store import Caller
from tui_app.server.verify_core import (
    MESSAGES,
    CallerRow,
    check_agent_key_format,
    check_key,
    hot_lookup,
    hot_lookup_async,
    judge_key,
)

router = APIRouter(responses=ERROR_RESPONSES)
_VERIFIER_CACHE_MAX = 1024


def _verifier_from(row: CallerRow | None, now: datetime) -> Caller:
    """authenticate_user's checks (same codes and messages), then the verify role."""
    if row is None:
        raise unauthorized("TOKEN_INVALID", "This login token is not known here.")
    if row.revoked_at is not None:
        raise unauthorized("TOKEN_REVOKED", "This login token was revoked.")
    if row.expires_at is not None and row.expires_at <= now:
        raise unauthorized("TOKEN_EXPIRED", "This login token has expired.")
    if not row.active:
        raise unauthorized("TOKEN_INACTIVE", "This account is deactivated.")
    caller = Caller(id=row.id, email=row.email, name=row.name, role=Role(row.role),
                    active=row.active, team_ids=(), team_names=(), created_at=row.created_at)
    if not caller.role.may_verify:
        raise forbidden("Only service accounts and admins may verify keys.")
    return caller


async def _verifier_token(request: Request) -> tuple[str, Caller | None]:
    """The caller's token (format checked) and its remembered sign-in, if any.

    A dependency so that, as before, the caller is checked before the body is validated
    (a stranger gets 401, not 422). No Security(HTTPBearer) sub-dependency: it only
    documents the scheme, which the route's openapi_extra does instead."""
    token = bearer_token(request)
    digest = security.digest(settings_of(request).pepper_bytes, token)
    hit = request.app.state.verifier_cache.get(digest)
    if hit is not None and hit[1] > time.monotonic():
        return digest, hit[0]  # only well-formed tokens are remembered
    check_format(token, TokenKind.PERSONAL)
    return digest, None


# The hot path: `async def`, database work inline (a few indexed reads, no thread-pool
# hop), one statement per call on a raw pooled connection, and the response serialised
# once (returning a Response skips FastAPI's second validation of the response model).
@router.post("/v1/verify", response_model=VerifyOut, tags=["agents"],
             summary="Check an agent key (always 200; see valid and code)",
             openapi_extra={"security": [{"HTTPBearer": []}]})
async def verify(
    request: Request, gate: Annotated[tuple[str, Caller | None], Depends(_verifier_token)],
    body: VerifyIn,
) -> Response:
    settings, engine = settings_of(request), engine_of(request)
    caller_digest, caller = gate
    key = body.key
    key_digest: str | None = None
    early: tuple[str, str | None] | None = None
    if not key or not key.strip():
        early = ("TOKEN_MISSING", MESSAGES["TOKEN_MISSING"])
    else:
        try:  # the checksum before any database access
            check_agent_key_format(key)
            key_digest = security.digest(settings.pepper_bytes, key)
        except TokenMalformed as exc:
            early = ("TOKEN_MALFORMED", str(exc))
    now = settings.clock()
    lookup = (engine, caller_digest if caller is None else None, key_digest)
    if engine.dialect.name == "postgresql":
        caller_row, row = await hot_lookup_async(*lookup)
    else:
        caller_row, row = hot_lookup(*lookup)
    if caller is None:
        caller = _verifier_from(caller_row, now)
        cache = request.app.state.verifier_cache
        if len(cache) >= _VERIFIER_CACHE_MAX:
            cache.clear()
        cache[caller_digest] = (caller, time.monotonic() + VERIFIER_CACHE_SECONDS)
    if early is not None:
        result = VerifyOut(valid=False, code=early[0], message=early[1])  # type: ignore[arg-type]
    else:
        outcome = judge_key(engine, settings, row, now, tool=body.tool, access=body.access)
        result = VerifyOut(valid=outcome.valid, code=outcome.code,  # type: ignore[arg-type]
                           message=outcome.message, key=outcome.key,
                           ratelimit=outcome.ratelimit)
    return Response(result.model_dump_json(), media_type="application/json")


@router.get("/v1/agent/whoami", response_model=AgentKeyOut, tags=["agents"],
            summary="The calling agent key's own metadata (counts as a use)")
async def whoami(request: Request) -> Response:
    token = bearer_token(request)
    outcome = check_key(engine_of(request), settings_of(request), token, use_tool="whoami")
    if outcome.code == "RATE_LIMITED":
        raise ApiProblem(429, "RATE_LIMITED", outcome.message or "",
                         headers={"Retry-After": str(outcome.retry_after or 60)})
    if not outcome.valid or outcome.key is None:
        raise unauthorized(outcome.code, outcome.message or "This key is not accepted.")
    return Response(outcome.key.model_dump_json(), media_type="application/json")
