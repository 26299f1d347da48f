"""Verification for gateways, and the agent's own view of its key."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from tui_app.server.auth import Verifier, bearer_token, engine_of, settings_of, unauthorized
from tui_app.server.errors import ApiProblem
from tui_app.server.schemas import ERROR_RESPONSES, AgentKeyOut, VerifyIn, VerifyOut
from tui_app.server.verify_core import check_key

router = APIRouter(responses=ERROR_RESPONSES)


# The agent endpoints are the hot path: `async def` with the (sub-millisecond, indexed)
# database work inline, no thread-pool hop, and the already-validated model serialised
# once (returning a Response skips FastAPI's second validation of the response model).
@router.post("/v1/verify", response_model=VerifyOut, tags=["agents"],
             summary="Check an agent key (always 200; see valid and code)")
async def verify(request: Request, _caller: Verifier, body: VerifyIn) -> Response:
    outcome = check_key(engine_of(request), settings_of(request), body.key,
                        tool=body.tool, access=body.access)
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
