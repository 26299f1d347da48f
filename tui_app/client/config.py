"""Profiles for several servers in `<config_dir>/config.toml`.

```toml
default_profile = "work"

[profiles.work]
server = "https://keys.example.com"

[server]                 # the local server's key policy, as `agentkeys serve` takes it
max_lifetime_days = 0    # from AGENTKEYS_MAX_LIFETIME_DAYS etc.; those variables win
require_terms = true
key_env = "test"
```

The file holds no secret (tokens live in the keyring or credentials.toml), so it is an
ordinary file; it is still written atomically so a crash never leaves half a config.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from tui_app import paths
from tui_app.private_files import atomic_write

CONFIG_FILE = "config.toml"


class ConfigError(Exception):
    """The configuration or a connection option is wrong; the message says how to fix it."""


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    server: str


# [server] keys and the variables `agentkeys serve` reads them from.
SERVER_SETTINGS = {
    "max_lifetime_days": "AGENTKEYS_MAX_LIFETIME_DAYS",
    "require_terms": "AGENTKEYS_REQUIRE_TERMS",
    "key_env": "AGENTKEYS_KEY_ENV",
}


@dataclass(slots=True)
class Config:
    default_profile: str | None = None
    profiles: dict[str, Profile] = field(default_factory=dict)
    # The [server] table: the local server's settings (local_server_environment).
    server: dict[str, int | bool | str] = field(default_factory=dict)

    def profile_for_server(self, server_url: str) -> Profile | None:
        for profile in self.profiles.values():
            if profile.server == server_url:
                return profile
        return None


def config_path() -> Path:
    return paths.config_dir() / CONFIG_FILE


def normalize_server_url(url: str) -> str:
    """`keys.example.com` → `https://keys.example.com`; no trailing slash; localhost → http."""
    url = url.strip()
    if not url:
        raise ConfigError("The server URL is empty.")
    if "://" not in url:
        host = url.split("/")[0].split(":")[0]
        scheme = "http" if host in ("localhost", "127.0.0.1", "::1", "[::1]") else "https"
        url = f"{scheme}://{url}"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"'{url[:200]}' is not a server URL; use http(s)://host[:port], "
            "e.g. https://keys.example.com."
        )
    return url.rstrip("/")


def sends_tokens_in_clear(url: str) -> bool:
    """http:// to anything but this machine: a token would cross the network readable."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    loopback = host in ("localhost", "::1") or host.startswith("127.")
    return parts.scheme == "http" and not loopback


def load_config(path: Path | None = None) -> Config:
    path = path or config_path()
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        return Config()
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML ({exc}); fix or remove it.") from None
    except OSError as exc:
        raise ConfigError(f"Cannot read {path}: {exc.strerror}.") from None
    profiles: dict[str, Profile] = {}
    raw_profiles = data.get("profiles", {})
    if not isinstance(raw_profiles, dict):
        raise ConfigError(f"{path}: [profiles] should be a table of [profiles.NAME] sections.")
    for name, body in raw_profiles.items():
        if not isinstance(body, dict) or not isinstance(body.get("server"), str):
            raise ConfigError(f'{path}: [profiles.{name}] needs server = "https://…".')
        try:
            server = normalize_server_url(body["server"])
        except ConfigError as exc:
            raise ConfigError(f"{path}: [profiles.{name}]: {exc}") from None
        profiles[name] = Profile(name=name, server=server)
    default = data.get("default_profile")
    if default is not None and not isinstance(default, str):
        raise ConfigError(f"{path}: default_profile should be a profile name.")
    return Config(default_profile=default or None, profiles=profiles,
                  server=_server_table(path, data.get("server", {})))


def _server_table(path: Path, table: object) -> dict[str, int | bool | str]:
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [server] should be a table.")
    for key, value in table.items():
        valid = ((key == "max_lifetime_days" and type(value) is int and value >= 0)
                 or (key == "require_terms" and isinstance(value, bool))
                 or (key == "key_env" and value in ("live", "test")))
        if not valid:
            raise ConfigError(
                f"{path}: [server] {key} = {str(value)[:40]!r} is not a setting; use "
                "max_lifetime_days = DAYS (0: no limit), require_terms = true|false or "
                'key_env = "live"|"test".')
    return dict(table)


def local_server_environment(env: Mapping[str, str], path: Path | None = None
                             ) -> dict[str, str]:
    """`env` with the config's [server] settings filled in where their variable is not
    set: the environment the local server is started with."""
    merged = dict(env)
    for key, value in load_config(path).server.items():
        text = ("1" if value else "0") if isinstance(value, bool) else str(value)
        merged.setdefault(SERVER_SETTINGS[key], text)
    return merged


def save_config(config: Config, path: Path | None = None) -> Path:
    import tomli_w

    path = path or config_path()
    data: dict[str, object] = {}
    if config.default_profile:
        data["default_profile"] = config.default_profile
    data["profiles"] = {name: {"server": p.server} for name, p in sorted(config.profiles.items())}
    if config.server:
        data["server"] = dict(config.server)
    atomic_write(path, tomli_w.dumps(data).encode(), mode=0o644)
    return path


def remember_server(server_url: str, profile_name: str | None = None) -> Profile:
    """After a login: make sure a profile points at the server; the first one becomes default.

    Without a name, an existing profile for that server is reused, else one named after
    the host is added, so `agentkeys login --server URL` alone is enough to get going.
    """
    config = load_config()
    if profile_name is None:
        existing = config.profile_for_server(server_url)
        if existing is not None:
            profile_name = existing.name
        else:
            profile_name = urlsplit(server_url).hostname or "default"
            if profile_name in config.profiles:
                profile_name = urlsplit(server_url).netloc.replace(":", "-")
    profile = Profile(name=profile_name, server=server_url)
    config.profiles[profile_name] = profile
    if config.default_profile is None or config.default_profile not in config.profiles:
        config.default_profile = profile_name
    save_config(config)
    return profile
