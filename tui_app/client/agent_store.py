"""Where an agent's session lives between commands, and the client id it registered.

The session holds a refresh token, a secret as good as a login for as long as it lives,
so it is kept like a login token (credentials.CredentialStore: keyring first, else the
private file after a warning), under its own entry name so it never replaces the
person's login token for the same server. The client id is no secret: a small file in
the state directory, so every later login on this machine reuses the registration.

Refresh tokens are single use, and Claude Code may run `agentkeys agent header` for
several connections at once: two processes refreshing with the same token would look
like a replay to the server, which then ends the session. So a refresh happens under a
file lock, and whoever gets the lock second reads the session the first one stored.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

from tui_app import paths
from tui_app.client.agent_session import AgentOAuth, AgentSession, OAuthError
from tui_app.client.credentials import CredentialError, CredentialStore
from tui_app.client.errors import ServerUnreachable
from tui_app.private_files import atomic_write

CLIENTS_FILE = "agent-clients.json"
LOCK_FILE = "agent-session.lock"
ENTRY_PREFIX = "agent-session:"


class SessionEnded(Exception):
    """There is no usable session for this server: never made, forgotten, or ended by the
    server (revoked, expired, its key gone). The message says which, never a token."""


def session_entry(server_url: str) -> str:
    """The name the session is stored under: never a server URL, which names the
    person's login token."""
    return ENTRY_PREFIX + server_url


# -- the registered client ---------------------------------------------------------------


def _clients_path() -> Path:
    return paths.state_dir() / CLIENTS_FILE


def _read_clients() -> dict[str, str]:
    try:
        data = json.loads(_clients_path().read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError, UnicodeDecodeError):
        return {}  # lost or damaged: registering again costs one request
    if not isinstance(data, dict):
        return {}
    return {str(url): cid for url, cid in data.items() if isinstance(cid, str)}


def remembered_client(server_url: str) -> str | None:
    return _read_clients().get(server_url)


def remember_client(server_url: str, client_id: str) -> None:
    clients = _read_clients()
    clients[server_url] = client_id
    atomic_write(_clients_path(), json.dumps(clients, indent=2).encode(), mode=0o600)


# -- the session -------------------------------------------------------------------------


class SessionStore:
    """The stored session for one server. `.location` says where it is kept."""

    def __init__(self, server_url: str, *, credentials: CredentialStore | None = None) -> None:
        self.server_url = server_url
        self._credentials = credentials or CredentialStore(
            server_url, entry=session_entry(server_url))

    @property
    def location(self) -> str | None:
        return self._credentials.location

    def keyring_available(self) -> bool:
        return self._credentials.keyring_available()

    @property
    def keyring_problem(self) -> str | None:
        return self._credentials.keyring_problem

    @property
    def file_path(self) -> Path:
        return self._credentials.file_path

    def load(self) -> AgentSession | None:
        # The person's AGENTKEYS_TOKEN is a login token, never an agent's session.
        text = self._credentials.load(use_env=False)
        if text is None:
            return None
        try:
            return AgentSession.from_json(text)
        except ValueError as exc:
            raise CredentialError(f"{exc}; run: agentkeys agent login --server "
                                  f"{self.server_url}") from None

    def save(self, session: AgentSession, *, confirm_plaintext: Callable[[str], bool]) -> str:
        return self._credentials.save(session.to_json(), confirm_plaintext=confirm_plaintext)

    def delete(self) -> list[str]:
        return self._credentials.delete()


@contextlib.contextmanager
def refresh_lock() -> Iterator[None]:
    """One refresh at a time on this machine (see the module's docstring)."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock, a rare race instead
        yield
        return
    fd = os.open(paths.state_dir() / LOCK_FILE, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def current_session(
    store: SessionStore, now: Callable[[], datetime], *,
    oauth: Callable[[str], AgentOAuth],
    confirm_plaintext: Callable[[str], bool],
) -> AgentSession:
    """The stored session with an access token good for at least a minute more:
    refreshed (and the rotated refresh token stored at once) when needed.

    SessionEnded when there is none or the server ended it (the stored one is then
    forgotten: its refresh token can never work again).
    """
    login = f"run agentkeys agent login --server {store.server_url} again"
    with refresh_lock():
        session = store.load()
        if session is None:
            raise SessionEnded(f"No agent session for {store.server_url}: {login}.")
        if not session.needs_refresh(now()):
            return session
        with oauth(store.server_url) as client:
            try:
                renewed = client.refresh(session)
            except OAuthError as exc:
                if exc.error in ("invalid_grant", "invalid_client", "unauthorized_client"):
                    store.delete()
                    raise SessionEnded(
                        f"The agent session for {store.server_url} has ended "
                        f"({exc.description or exc.error}): {login}.") from None
                raise
            except ServerUnreachable:
                # Still good for under a minute: better than nothing for this one call.
                if session.access_token and session.access_expires_at and \
                        session.access_expires_at > now():
                    return session
                raise
        store.save(renewed, confirm_plaintext=confirm_plaintext)
        return renewed
