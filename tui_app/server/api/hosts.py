"""The host names the server answers to (the request's Host header).

A Host header is whatever the client wrote. Answering any name lets a web page whose
name resolves to 127.0.0.1 talk to a server on this machine (DNS rebinding), and lets a
request put a name of its choosing into any address the server builds from it. So the
server answers only the names it is set up with, and refuses the rest with the error
envelope: the local server its loopback names, `agentkeys serve` the names in
AGENTKEYS_ALLOWED_HOSTS (when bound to a loopback address and given none: the loopback
names too).
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tui_app.server.api.errors import envelope

REFUSED_MESSAGE = (
    "This server does not answer to the host name this request was sent to (its Host "
    "header). Use the address the server was set up with; its operator can allow more "
    "names with AGENTKEYS_ALLOWED_HOSTS."
)


class AllowedHosts(TrustedHostMiddleware):
    """Starlette's TrustedHostMiddleware (its Host parsing, IPv6 literals and wildcards),
    with the refusal as our error envelope rather than plain text, and no redirect to a
    www. name: an answer never carries a name the client made up.

    The base class either calls the wrapped app with the `send` it was given or uses
    that `send` itself to refuse. So it gets a `_Refusal` around the real one: the app
    is called with the real `send` unwrapped again, and only a refusal reaches
    `_Refusal`, which answers with the envelope instead."""

    def __init__(self, app: ASGIApp, allowed_hosts: Sequence[str]) -> None:
        super().__init__(self._allowed, allowed_hosts=list(allowed_hosts), www_redirect=False)
        self.wrapped = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await super().__call__(scope, receive, _Refusal(send))

    async def _allowed(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert isinstance(send, _Refusal)
        await self.wrapped(scope, receive, send.send)


class _Refusal:
    def __init__(self, send: Send) -> None:
        self.send = send

    async def __call__(self, message: Message) -> None:
        if message["type"] != "http.response.start":
            return  # the base class's plain-text body: replaced below
        response = envelope(400, "HOST_NOT_ALLOWED", REFUSED_MESSAGE)
        await self.send({"type": "http.response.start", "status": 400,
                         "headers": response.raw_headers})
        await self.send({"type": "http.response.body", "body": response.body})
