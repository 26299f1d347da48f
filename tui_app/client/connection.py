"""Which server to talk to and with which token: one answer for the TUI and every command.

Server, first match wins: `--server`, `--profile NAME`, `AGENTKEYS_SERVER`, the config's
`default_profile`, else None — the embedded local server, which mints its own token.
Token: `AGENTKEYS_TOKEN`, then the keyring, then the credentials file (credentials.py).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from tui_app.client.config import ConfigError, load_config, normalize_server_url
from tui_app.client.credentials import EMBEDDED_LOCATION, CredentialStore

ENV_SERVER = "AGENTKEYS_SERVER"


@dataclass(frozen=True, slots=True)
class Connection:
    server_url: str | None  # None: the embedded local server
    token: str | None
    credential_location: str | None  # where the token came from; None: not logged in
    profile: str | None
    keyring_problem: str | None = None  # why the keyring was skipped, for `whoami`

    @property
    def embedded(self) -> bool:
        return self.server_url is None

    def __repr__(self) -> str:  # never let the token reach a log through repr()
        token = "…" if self.token else None
        return (
            f"Connection(server_url={self.server_url!r}, token={token!r}, "
            f"credential_location={self.credential_location!r}, profile={self.profile!r})"
        )


def resolve_server(
    server: str | None, profile: str | None, *, env: Mapping[str, str] | None = None
) -> tuple[str | None, str | None]:
    """(server URL or None for embedded, profile name or None). Raises ConfigError."""
    env = os.environ if env is None else env
    config = load_config()
    if server:
        url = normalize_server_url(server)
        if profile is None:
            match = config.profile_for_server(url)
            profile = match.name if match else None
        return url, profile
    if profile:
        if profile not in config.profiles:
            known = ", ".join(sorted(config.profiles)) or "none yet"
            raise ConfigError(
                f"No profile named '{profile}' (profiles: {known}). "
                f"Add it with: agentkeys login --profile {profile} --server URL"
            )
        return config.profiles[profile].server, profile
    env_server = env.get(ENV_SERVER, "").strip()
    if env_server:
        url = normalize_server_url(env_server)
        match = config.profile_for_server(url)
        return url, match.name if match else None
    if config.default_profile:
        default = config.profiles.get(config.default_profile)
        if default is None:
            raise ConfigError(
                f"default_profile '{config.default_profile}' has no "
                f"[profiles.{config.default_profile}] section in the config file; "
                "fix the file or log in again."
            )
        return default.server, default.name
    return None, None


def resolve_connection(
    server: str | None = None,
    profile: str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> Connection:
    """The server and token to use. Raises ConfigError or credentials.CredentialError.

    Reads the keyring (in a thread with a timeout): the TUI calls it from a thread worker.
    With no server configured, the token is None and the caller starts the embedded
    server (`tui_app.server.embedded.start_embedded()`) and uses its in-memory token.
    """
    url, profile_name = resolve_server(server, profile, env=env)
    if url is None:
        return Connection(None, None, EMBEDDED_LOCATION, profile_name)
    kwargs = {} if timeout is None else {"timeout": timeout}
    store = CredentialStore(url, env=env, **kwargs)  # type: ignore[arg-type]
    token = store.load()
    return Connection(url, token, store.location, profile_name, store.keyring_problem)
