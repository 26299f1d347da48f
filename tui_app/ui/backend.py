"""Where the TUI connects, worked out off the path to the first paint.

Everything here may block (the keyring, config files, a local server starting), so the
app calls `Target.open()` from a thread worker after its first frame is on screen
(the server never holds back the first paint: see startup.py). Imports stay inside the
functions for the same reason.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from tui_app.client.local_server import LocalServer
    from tui_app.client.prefetch import Prefetch


# NamedTuples, not frozen dataclasses: defining one of those costs ~0.8 ms, and this
# module loads before Textual does, on the path to the first frame.
class Connection(NamedTuple):
    """An open connection: URL, token, and where the credential lives (status bar)."""

    url: str
    token: str | None
    credential: str
    embedded: bool = False
    close: Callable[[], None] | None = None

    def __repr__(self) -> str:  # never the token
        return (f"Connection(url={self.url!r}, credential={self.credential!r}, "
                f"embedded={self.embedded!r})")


class Target(NamedTuple):
    """What the command line asked for: a configured server, or the embedded default."""

    server: str | None = None
    profile: str | None = None
    demo: bool = False
    demo_keys: int = 300
    home: Path | None = None
    # The local server, found or already starting (the command line does that before
    # Textual is imported), and the first screenful being fetched from it.
    local: LocalServer | None = None
    prefetch: Prefetch | None = None

    @property
    def label(self) -> str:
        if self.server:
            return self.server
        return "embedded demo server" if self.demo else "embedded server"

    def open(self, *, again: bool = False) -> Connection:
        """Blocking. `again`: after a lost connection — the local server may have
        stopped (idle, killed, upgraded) and is found or started anew."""
        from tui_app.client import local_server

        local = self.local
        if local is None or (again and not local.demo):
            if not self.demo and local is None:
                configured = _configured(self.server, self.profile)
                if configured is not None:
                    return configured
            local = (local_server.start_demo(self.demo_keys) if self.demo
                     else local_server.connect(self.home))
        url, token = local.wait()
        return Connection(url=url, token=token, credential=local.credential, embedded=True,
                          close=local.close)


def surely_embedded(server: str | None, profile: str | None) -> bool:
    """True when no server can be configured: no flag, no variable, no config file.

    Cheap (no config parsing), so the command line can find or start the local server
    before anything else; anything less certain is left to `Target.open`."""
    import os

    from tui_app import paths

    if server or profile or os.environ.get("AGENTKEYS_SERVER"):
        return False
    return not (paths.config_dir() / "config.toml").exists()


def _configured(server: str | None, profile: str | None) -> Connection | None:
    """A server from --server/--profile/AGENTKEYS_SERVER/the config file.

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
