"""Verification for gateways, and the agent's own view of its key."""

from __future__ import annotations

import email.message
import json
import time
from collections.abc import Callable, Coroutine
from datetime import datetime
from functools import lru_cache
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import ValidationError
from starlette.requests import ClientDisconnect

from tui_app.domain.keyformat import TokenKind, TokenMalformed
from tui_app.domain.roles import Role
from tui_app.domain.validation import FieldError
from tui_app.server import security
from tui_app.server.api.deps import (
    VERIFIER_CACHE_SECONDS,
    bearer_token,
    check_format,
    check_login_row,
    engine_of,
    settings_of,
    unauthorized,
)
from tui_app.server.api.errors import ApiProblem, forbidden, validation_failed
from tui_app.server.api.schemas import ERROR_RESPONSES, AgentKeyOut, VerifyIn, VerifyOut
from tui_app.server.store.users import Caller
from tui_app.server.verify_core import (
    MESSAGES,
    CallerRow,
    check_agent_key_format,
    check_key,
    hot_database,
    judge_key_hot,
)

router = APIRouter(responses=ERROR_RESPONSES)
_VERIFIER_CACHE_MAX = 1024


def _verifier_from(row: CallerRow | None, now: datetime) -> Caller:
    """authenticate_user's checks (same codes and messages), then the verify role."""
    row = check_login_row(row, now)
    caller = Caller(id=row.id, email=row.email, name=row.name, role=Role(row.role),
                    active=row.active, team_ids=(), team_names=(), created_at=row.created_at)
    if not caller.role.may_verify:
        raise forbidden("Only service accounts and admins may verify keys.")
    return caller


def _verifier_token(request: Request) -> tuple[str, Caller | None]:
    """The caller's token (format checked) and its remembered sign-in, if any.

    Called before the body is read, so a stranger gets 401, never 422."""
    token = bearer_token(request)
    digest = security.digest(settings_of(request).pepper_bytes, token)
    hit = request.app.state.verifier_cache.get(digest)
    if hit is not None and hit[1] > time.monotonic():
        return digest, hit[0]  # only well-formed tokens are remembered
    check_format(token, TokenKind.PERSONAL)
    return digest, None


@lru_cache(maxsize=64)
def _is_json(content_type: str) -> bool:
    """FastAPI's rule for parsing a body as JSON: application/json or application/*+json."""
    message = email.message.Message()
    message["content-type"] = content_type
    if message.get_content_maintype() != "application":
        return False
    subtype = message.get_content_subtype()
    return subtype == "json" or subtype.endswith("+json")


_NOT_JSON = FieldError("body", "The request body is not valid JSON.")


async def _read_body(request: Request) -> bytes:
    """What request.body() returns, without its async generator (a third of the cost).
    The receive channel is the app's, so BodySizeLimit (errors.py) still bounds it."""
    chunks: list[bytes] = []
    while True:
        message = await request.receive()
        if message["type"] == "http.request":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                return b"".join(chunks)
        elif message["type"] == "http.disconnect":
            raise ClientDisconnect


async def _verify_body(request: Request) -> VerifyIn:
    """The body, parsed and validated as FastAPI would for `body: VerifyIn` — the same
    decoder (json.loads: BOM, NaN and lone surrogates behave alike), the same pydantic
    model and the same error envelopes (errors.py formats them) — at a fraction of the
    cost of FastAPI's generic body handling. Unknown fields are refused (VerifyIn)."""
    raw = await _read_body(request)
    if not raw:  # FastAPI's "no body": "The request body is required."
        raise RequestValidationError(
            [{"type": "missing", "loc": ("body",), "msg": "Field required", "input": None}])
    data: Any
    content_type = request.headers.get("content-type")
    if content_type and _is_json(content_type):
        try:
            data = json.loads(raw)
        except Exception:  # malformed JSON, bytes that are not UTF-8, nesting too deep
            raise validation_failed(_NOT_JSON) from None
    else:
        # As FastAPI does: a body not sent as JSON is validated as raw bytes, which the
        # error handler turns into "send it as JSON" (or "must be an object").
        data = raw
    try:
        return VerifyIn.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**err, "loc": ("body", *err["loc"])} for err in exc.errors()]
        ) from None


# The request body as FastAPI documented it for `body: VerifyIn`; declared here because
# the route reads the body itself (_verify_body), so FastAPI does not know of it.
_BODY_DOC = {
    "requestBody": {
        "content": {"application/json": {"schema": VerifyIn.model_json_schema()}},
        "required": True,
    },
}


class _RequestOnlyRoute(APIRoute):
    """A route whose endpoint takes the request and returns a Response, called as is.

    FastAPI's documented hook for custom request handling (an APIRoute subclass with its
    own get_route_handler): no dependency resolution, body parsing or response
    validation, which cost more per call than everything /v1/verify does itself. The
    route is still documented from its declaration (response_model, openapi_extra), and
    errors still go through the app's exception handlers."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        return self.endpoint  # type: ignore[return-value]


# The hot path: `async def`, database work inline (a few indexed reads, no thread-pool
# hop), one statement per call on the driver (verify_core.hot_database), and the response
# serialised once. The caller is checked before the body: a stranger gets 401, not 422.
async def verify(request: Request) -> Response:
    caller_digest, caller = _verifier_token(request)
    body = await _verify_body(request)
    settings, engine = settings_of(request), engine_of(request)
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
    hot = hot_database(engine)
    caller_row, row = await hot.lookup(caller_digest if caller is None else None, key_digest)
    if caller is None:
        caller = _verifier_from(caller_row, now)
        cache = request.app.state.verifier_cache
        if len(cache) >= _VERIFIER_CACHE_MAX:
            cache.clear()
        cache[caller_digest] = (caller, time.monotonic() + VERIFIER_CACHE_SECONDS)
    if early is not None:
        result = VerifyOut(valid=False, code=early[0], message=early[1])  # type: ignore[arg-type]
    else:
        outcome = await judge_key_hot(hot, settings, row, now, tool=body.tool,
                                      access=body.access)
        result = VerifyOut(valid=outcome.valid, code=outcome.code,  # type: ignore[arg-type]
                           message=outcome.message, key=outcome.key,
                           ratelimit=outcome.ratelimit)
    return Response(result.model_dump_json(), media_type="application/json")


router.add_api_route(
    "/v1/verify", verify, methods=["POST"], route_class_override=_RequestOnlyRoute,
    response_model=VerifyOut, tags=["agents"],
    summary="Check an agent key (always 200; see valid and code)",
    openapi_extra={"security": [{"HTTPBearer": []}], **_BODY_DOC},
)


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
