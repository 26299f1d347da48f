"""The host names a server answers to, as configured: parsed from
AGENTKEYS_ALLOWED_HOSTS, or the loopback names of a server bound to a loopback address.
The HTTP layer enforces them (api/hosts.py); settings and the CLI choose them.
"""

from __future__ import annotations

import ipaddress

# As they appear in a Host header: an IPv6 literal keeps its brackets there.
LOOPBACK_HOSTS: tuple[str, ...] = ("127.0.0.1", "localhost", "[::1]")
ANY_HOST = "*"


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
