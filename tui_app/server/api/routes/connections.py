"""Approving an agent's connection (the person's side of OAuth), and key sessions."""

from __future__ import annotations

from fastapi import APIRouter, Request

from tui_app.server.api.connection_schemas import (
    ApprovalOut,
    ApproveIn,
    KeySessionList,
    KeySessionOut,
    PendingConnectionOut,
    UserCodeIn,
)
from tui_app.server.api.deps import KeyUser, Source, backend_of
from tui_app.server.api.schemas import ERROR_RESPONSES
from tui_app.server.services import connections
from tui_app.server.services import key_sessions as sessions

router = APIRouter(tags=["connections"], responses=ERROR_RESPONSES)


@router.get("/v1/connections/pending/{user_code}", response_model=PendingConnectionOut,
            summary="A connection request by its code: which client asks, and for what")
def pending(request: Request, caller: KeyUser, user_code: str) -> PendingConnectionOut:
    return PendingConnectionOut.of(
        connections.pending_for(backend_of(request), caller, user_code))


@router.post("/v1/connections/approve", response_model=ApprovalOut,
             summary="Approve a connection with one of your keys (an expired one is "
                     "extended by 30 days)")
def approve(request: Request, caller: KeyUser, body: ApproveIn,
            source: Source = None) -> ApprovalOut:
    return ApprovalOut.of(connections.approve(backend_of(request), caller, body.user_code,
                                              body.key_id, source=source))


@router.post("/v1/connections/deny", status_code=204, summary="Refuse a connection")
def deny(request: Request, caller: KeyUser, body: UserCodeIn, source: Source = None) -> None:
    connections.deny(backend_of(request), caller, body.user_code, source=source)


@router.get("/v1/keys/{key_id}/sessions", response_model=KeySessionList,
            summary="A key's sessions, newest first")
def list_key_sessions(request: Request, caller: KeyUser, key_id: str) -> KeySessionList:
    found = sessions.key_sessions(backend_of(request), caller, key_id)
    return KeySessionList(items=[KeySessionOut.of(session) for session in found])


@router.post("/v1/sessions/{session_id}/revoke", response_model=KeySessionOut,
             summary="End a key session")
def revoke_session(request: Request, caller: KeyUser, session_id: str,
                   source: Source = None) -> KeySessionOut:
    return KeySessionOut.of(sessions.revoke_session(
        backend_of(request), caller, session_id, source=source))
