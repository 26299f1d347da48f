"""Who is calling, as far as HTTP can tell: the peer's address (or the one a trusted
proxy names) and the client's own name for itself."""

from __future__ import annotations

from starlette.requests import Request

from tui_app.server.api.deps import settings_of
from tui_app.server.services.activity_recorder import AgentCall


def client_ip(request: Request) -> str | None:
    """The peer's address; behind a proxy listed in AGENTKEYS_TRUSTED_PROXIES, the
    address that proxy saw (the last hop it appended to X-Forwarded-For). From anyone
    else the header is ignored: a client can send whatever it likes."""
    peer = request.client.host if request.client else None
    if peer is None or peer not in settings_of(request).trusted_proxies:
        return peer
    forwarded = request.headers.get("x-forwarded-for", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    return hops[-1] if hops else peer


def agent_call(request: Request, channel: str, *, client: str | None = None,
               session_id: str | None = None) -> AgentCall:
    """The call as activity records it; `client` defaults to the User-Agent."""
    return AgentCall(channel=channel, client=client or request.headers.get("user-agent"),
                     ip=client_ip(request), session_id=session_id)
