"""Request and response bodies of the connections API (approving agents, key sessions)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from tui_app.domain.clock import to_rfc3339
from tui_app.domain.connections import Approval, KeySession, PendingConnection
from tui_app.server.api.schemas import Strict


class UserCodeIn(Strict):
    user_code: str = Field(max_length=32)


class ApproveIn(Strict):
    user_code: str = Field(max_length=32)
    key_id: str = Field(max_length=64)


class PendingConnectionOut(BaseModel):
    user_code: str
    client_id: str
    client_name: str
    flow: str
    scope: str
    expires_at: str
    status: str

    @classmethod
    def of(cls, pending: PendingConnection) -> PendingConnectionOut:
        return cls(user_code=pending.user_code, client_id=pending.client_id,
                   client_name=pending.client_name, flow=pending.flow, scope=pending.scope,
                   expires_at=to_rfc3339(pending.expires_at) or "", status=pending.status)


class ApprovalOut(BaseModel):
    user_code: str
    key_id: str
    scope: str
    extended_to: str | None  # the key's new expiry, when it had expired

    @classmethod
    def of(cls, approval: Approval) -> ApprovalOut:
        return cls(user_code=approval.user_code, key_id=approval.key_id,
                   scope=approval.scope, extended_to=to_rfc3339(approval.extended_to))


class KeySessionOut(BaseModel):
    id: str
    key_id: str
    client_name: str
    scope: str
    created_at: str
    last_used_at: str | None
    expires_at: str
    revoked_at: str | None

    @classmethod
    def of(cls, session: KeySession) -> KeySessionOut:
        return cls(id=session.id, key_id=session.key_id, client_name=session.client_name,
                   scope=session.scope, created_at=to_rfc3339(session.created_at) or "",
                   last_used_at=to_rfc3339(session.last_used_at),
                   expires_at=to_rfc3339(session.expires_at) or "",
                   revoked_at=to_rfc3339(session.revoked_at))


class KeySessionList(BaseModel):
    items: list[KeySessionOut]
