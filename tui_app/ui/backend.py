"""Where the TUI connects, worked out off the path to the first paint.

Everything here is blocking and heavy (keyring, fastapi, uvicorn, sqlalchemy), so the
app calls `Target.open()` from a thread worker after its first frame is on screen
(issue 3: the embedded server never holds back the first paint). Imports stay inside
the functions for the same reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui_app.domain.clock import Clock


@dataclass(slots=True)
class Connection:
    """An open connection: URL, token, and where the credential lives (status bar)."""

    url: str
    token: str | None = field(repr=False)
    credential: str
    embedded: bool = False
    close: Callable[[], None] | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class Target:
    """What the command line asked for: a configured server, or the embedded default."""

    server: str | None = None
    profile: str | None = None
    demo: bool = False
    demo_keys: int = 300
    home: Path | None = None
    clock: Clock | None = None  # the embedded server's clock (tests move it)
    # The embedded server already starting in a child process (see embedded_child).
    child: Any = field(default=None, compare=False)

    @property
    def label(self) -> str:
        if self.server:
            return self.server
        return "embedded demo server" if self.demo else "embedded server"

    def open(self) -> Connection:
        if self.child is not None:
            return _from_child(self)
        if not self.demo:
            configured = _configured(self.server, self.profile)
            if configured is not None:
                return configured
        return _embedded(self)


def surely_embedded(server: str | None, profile: str | None) -> bool:
    """True when no server can be configured: no flag, no variable, no config file.

    Cheap (no config parsing), so the command line can start the embedded server's
    process before anything else; anything less certain is left to `Target.open`."""
    import os

    from tui_app import paths

    if server or profile or os.environ.get("AGENTKEYS_SERVER"):
        return False
    return not (paths.config_dir() / "config.toml").exists()


def _from_child(target: Target) -> Connection:
    url, token = target.child.wait()
    where = "demo login, in memory" if target.demo else "embedded server, in memory"
    return Connection(url=url, token=token, credential=where, embedded=True,
                      close=target.child.close)


def _embedded(target: Target) -> Connection:
    from tui_app.server.embedded import start_embedded

    server = start_embedded(
        target.home, demo=target.demo, demo_keys=target.demo_keys, clock=target.clock
    )
    where = "demo login, in memory" if target.demo else "embedded server, in memory"
    return Connection(
        url=server.url, token=server.token, credential=where, embedded=True, close=server.stop
    )


def _configured(server: str | None, profile: str | None) -> Connection | None:
    """A server from --server/--profile/AGENTKEYS_SERVER/the config file (issue 5).

    Returns None when nothing is configured, which means the embedded default. Reads
    the keyring, so it runs in the app's thread worker like everything else here.
    """
    from tui_app.client.connection import resolve_connection

    resolved = resolve_connection(server=server, profile=profile)
    if resolved.embedded or not resolved.server_url:
        return None
    return Connection(
        url=resolved.server_url,
        token=resolved.token,
        credential=resolved.credential_location or "not logged in (run: agentkeys login)",
    )
