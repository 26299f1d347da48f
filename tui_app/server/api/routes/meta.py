"""Liveness and the caller's own identity and the server's policy."""

from __future__ import annotations

from fastapi import APIRouter, Request

from tui_app.server.api.deps import User, settings_of
from tui_app.server.api.schemas import ERROR_RESPONSES, HealthOut, MeOut, PolicyOut, ServerOut
from tui_app.server.store import users as users_store

router = APIRouter(responses=ERROR_RESPONSES)


@router.get("/healthz", response_model=HealthOut, tags=["meta"], summary="Liveness")
async def healthz(request: Request) -> HealthOut:
    return HealthOut(status="ok", version=settings_of(request).version)


@router.get("/v1/me", response_model=MeOut, tags=["meta"], summary="Who am I, and the policy")
def me(request: Request, caller: User) -> MeOut:
    settings = settings_of(request)
    user = users_store.UserOut(
        id=caller.id, email=caller.email, name=caller.name, role=caller.role.value,
        teams=list(caller.team_names), active=caller.active,
        created_at=users_store.to_rfc3339(caller.created_at),
    )
    return MeOut(
        user=user,
        policy=PolicyOut(max_lifetime_days=settings.max_lifetime_days,
                         require_terms=settings.require_terms,
                         key_env=settings.key_env),  # type: ignore[arg-type]
        server=ServerOut(version=settings.version),
    )
