"""Verification for gateways, and the agent's own view of its key.

Both ask the verify service (services/verify.py); this module only knows HTTP: the
gateway's bearer token, the body, and the answer's shape.
"""

from __future__ import annotations

import email.message
import json
import time
from collections.abc import Callable, Coroutine
from functools import lru_cache
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import ValidationError
from starlette.requests import ClientDisconnect

from tui_app.domain.clock import to_rfc3339
from tui_app.domain.keyformat import TokenKind
from tui_app.domain.validation import FieldError
from tui_app.server import security
from tui_app.server.api.deps import (
    VERIFIER_CACHE_SECONDS,
    backend_of,
    bearer_token,
    settings_of,
    unauthorized,
)
from tui_app.server.api.errors import ApiProblem, validation_failed
from tui_app.server.api.peers import agent_call
from tui_app.server.api.schemas import (
    ERROR_RESPONSES,
    AgentKeyOut,
    RateLimitOut,
    VerifyIn,
    VerifyOut,
)
from tui_app.server.services.auth import check_format
from tui_app.server.services.verify import Verdict, verify_key

router = APIRouter(responses=ERROR_RESPONSES)
_VERIFIER_CACHE_MAX = 1024


def _gateway_token(request: Request) -> tuple[str, bool]:
    """The digest of the caller's login token (format checked), and whether its sign-in
    is remembered.

    Called before the body is read, so a stranger gets 401, never 422."""
    token = bearer_token(request)
    digest = security.digest(settings_of(request).pepper_bytes, token)
    remembered = request.app.state.verifier_cache.get(digest)
    if remembered is not None and remembered > time.monotonic():
        return digest, True  # only well-formed tokens are remembered
    check_format(token, TokenKind.PERSONAL)
    return digest, False


def _remember_gateway(request: Request, digest: str) -> None:
    cache = request.app.state.verifier_cache
    if len(cache) >= _VERIFIER_CACHE_MAX:
        cache.clear()
    cache[digest] = time.monotonic() + VERIFIER_CACHE_SECONDS


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
    The receive channel is the app's, so BodySizeLimit (api/middleware.py) still bounds it."""
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


def _verify_out(verdict: Verdict) -> VerifyOut:
    window = verdict.ratelimit
    return VerifyOut(
        valid=verdict.valid, code=verdict.code, message=verdict.message,
        key=AgentKeyOut.of(verdict.key) if verdict.key is not None else None,
        ratelimit=None if window is None else RateLimitOut(
            limit=window.limit, remaining=window.remaining,
            reset_at=to_rfc3339(window.reset_at) or ""),
    )


# The hot path: `async def`, database work inline (a few indexed reads, no thread-pool
# hop: services/verify.py), and the response serialised once. The caller is checked
# before the body: a stranger gets 401, not 422.
async def verify(request: Request) -> Response:
    gateway_digest, remembered = _gateway_token(request)
    body = await _verify_body(request)
    verdict = await verify_key(
        backend_of(request), body.key, tool=body.tool, access=body.access,
        gateway_digest=None if remembered else gateway_digest,
        call=agent_call(request, "verify"))
    if verdict.gateway is not None:
        _remember_gateway(request, gateway_digest)
    return Response(_verify_out(verdict).model_dump_json(), media_type="application/json")


router.add_api_route(
    "/v1/verify", verify, methods=["POST"], route_class_override=_RequestOnlyRoute,
    response_model=VerifyOut, tags=["agents"],
    summary="Check an agent key (always 200; see valid and code)",
    openapi_extra={"security": [{"HTTPBearer": []}], **_BODY_DOC},
)


@router.get("/v1/agent/whoami", response_model=AgentKeyOut, tags=["agents"],
            summary="The calling agent key's own metadata (counts as a use)")
async def whoami(request: Request) -> Response:
    verdict = await verify_key(backend_of(request), bearer_token(request), use_tool="whoami",
                               call=agent_call(request, "whoami"))
    if verdict.code == "RATE_LIMITED":
        raise ApiProblem(429, "RATE_LIMITED", verdict.message or "",
                         headers={"Retry-After": str(verdict.retry_after or 60)})
    if not verdict.valid or verdict.key is None:
        raise unauthorized(verdict.code, verdict.message or "This key is not accepted.")
    return Response(AgentKeyOut.of(verdict.key).model_dump_json(), media_type="application/json")
