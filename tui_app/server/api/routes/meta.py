"""Liveness and the caller's own identity and the server's policy."""

from __future__ import annotations

from fastapi import APIRouter, Request

from tui_app.server.api.deps import User, backend_of, settings_of
from tui_app.server.api.schemas import (
    ERROR_RESPONSES,
    HealthOut,
    MeOut,
    PolicyOut,
    ServerOut,
    UserOut,
)

router = APIRouter(responses=ERROR_RESPONSES)


@router.get("/healthz", response_model=HealthOut, tags=["meta"], summary="Liveness")
async def healthz(request: Request) -> HealthOut:
    return HealthOut(status="ok", version=settings_of(request).version)


@router.get("/v1/me", response_model=MeOut, tags=["meta"], summary="Who am I, and the policy")
def me(request: Request, caller: User) -> MeOut:
    backend = backend_of(request)
    policy = backend.policy
    return MeOut(
        user=UserOut.of(caller.record()),
        policy=PolicyOut(max_lifetime_days=policy.max_lifetime_days,
                         require_terms=policy.require_terms,
                         key_env=policy.key_env),  # type: ignore[arg-type]
        server=ServerOut(version=backend.settings.version,
                         public_url=backend.settings.public_url),
    )
