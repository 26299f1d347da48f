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

import ipaddress
from collections.abc import Sequence

from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tui_app.server.api.errors import envelope

# As they appear in a Host header: an IPv6 literal keeps its brackets there.
LOOPBACK_HOSTS: tuple[str, ...] = ("127.0.0.1", "localhost", "[::1]")
ANY_HOST = "*"

REFUSED_MESSAGE = (
    "This server does not answer to the host name this request was sent to (its Host "
    "header). Use the address the server was set up with; its operator can allow more "
    "names with AGENTKEYS_ALLOWED_HOSTS."
)


def parse_allowed_hosts(text: str) -> tuple[str, ...]:
    """`keys.example.com, *.example.org, 10.0.0.5, ::1` as names to compare with a Host
    header: lower-case, IPv6 literals in brackets. `*` alone allows any name. Raises
    ValueError with the fix for an entry that could never match."""
    hosts: list[str] = []
    for entry in (part.strip().lower() for part in text.split(",")):
        if not entry:
            continue
        if "/" in entry:
            raise ValueError(f"AGENTKEYS_ALLOWED_HOSTS: {entry!r}: list host names, not "
                             "URLs (keys.example.com, not https://keys.example.com/).")
        name = _bracketed_if_ipv6(entry)
        if name.startswith("[") and not _is_ipv6_literal(name):
            raise ValueError(f"AGENTKEYS_ALLOWED_HOSTS: {entry!r} is not an IPv6 address.")
        if not name.startswith("[") and ":" in name:
            raise ValueError(f"AGENTKEYS_ALLOWED_HOSTS: list names without a port "
                             f"({name.rsplit(':', 1)[0]!r}, not {entry!r}).")
        if "*" in name and name != ANY_HOST and not (
                name.startswith("*.") and "*" not in name[1:]):
            raise ValueError(f"AGENTKEYS_ALLOWED_HOSTS: {entry!r}: a wildcard is `*` alone "
                             "or at the start of a domain, like *.example.com.")
        hosts.append(name)
    if not hosts:
        raise ValueError("AGENTKEYS_ALLOWED_HOSTS lists no names; leave it unset or list "
                         "the names clients use, like keys.example.com.")
    return tuple(hosts)


def is_loopback(bind_host: str) -> bool:
    """True for an address to bind that only this machine can reach."""
    host = bind_host.strip().strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def loopback_names(bind_host: str) -> tuple[str, ...]:
    """The names a server bound to this loopback address answers to: the usual three and
    the address itself (127.0.0.2 is loopback too, and clients will write it)."""
    own = _bracketed_if_ipv6(bind_host.strip().strip("[]").lower())
    return LOOPBACK_HOSTS if own in LOOPBACK_HOSTS else (*LOOPBACK_HOSTS, own)


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


def _bracketed_if_ipv6(name: str) -> str:
    try:
        return f"[{ipaddress.IPv6Address(name)}]"
    except ValueError:
        return name


def _is_ipv6_literal(name: str) -> bool:
    try:
        ipaddress.IPv6Address(name[1:-1])
    except ValueError:
        return False
    return name.endswith("]")
