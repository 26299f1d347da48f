"""Who may talk to the MCP endpoint: a usable agent key, checked on every HTTP request
before the SDK sees it.

Our middleware, not the SDK's `auth=`: keys and key sessions are our tokens, checked
the way verify checks them. A refused request gets the API's error envelope with its
code and `WWW-Authenticate: Bearer error="invalid_token", resource_metadata="…"` (where
an MCP client finds how to connect with OAuth), on the very next request after a key is
revoked, disabled or its owner deactivated: every request reads the key. Protocol
messages are not counted as uses; tool calls are (calls.py).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from tui_app.server.api.errors import ApiProblem
from tui_app.server.api.oauth.urls import resource_metadata_url
from tui_app.server.services.backend import Backend
from tui_app.server.services.verify import Admission, admit_key

_ADMISSION = "agentkeys.admission"


def refused(request: Request, code: str, message: str) -> ApiProblem:
    challenge = (f'Bearer error="invalid_token", '
                 f'resource_metadata="{resource_metadata_url(request)}"')
    return ApiProblem(401, code, message, headers={"WWW-Authenticate": challenge})


def presented_key(request: Request) -> str | None:
    """The bearer token as sent (None when there is none to read)."""
    header = request.headers.get("authorization", "").strip()
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def admission_of(request: Request) -> Admission:
    """The gate's judgement of this request's key (always admitted past the gate)."""
    admission: Admission = request.scope["state"][_ADMISSION]
    return admission


class McpGate:
    """ASGI middleware in front of the SDK's app: no usable key, no further."""

    def __init__(self, app: ASGIApp, backend: Backend) -> None:
        self.app = app
        self.backend = backend

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        token = presented_key(request)
        if token is None:
            header = request.headers.get("authorization", "").strip()
            raise refused(request, "TOKEN_MALFORMED" if header else "TOKEN_MISSING",
                          "Send your agent key: Authorization: Bearer ak_…")
        admission = await admit_key(self.backend, token)
        if not admission.admitted:
            raise refused(request, admission.code,
                          admission.message or "This key is not accepted.")
        # Per request: the app's shared state is copied, never written.
        scope = {**scope, "state": {**scope.get("state", {}), _ADMISSION: admission}}
        await self.app(scope, receive, send)
