"""Server settings and the pepper.

The pepper (the HMAC key for token digests) lives in a 0600 file outside the database,
so a copy of the database alone cannot be used to test guessed tokens offline.
"""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tui_app import __version__
from tui_app.domain.clock import Clock, system_clock
from tui_app.domain.connections import DEFAULT_SESSION_HOURS
from tui_app.domain.expiry import DEFAULT_MAX_LIFETIME_DAYS

PEPPER_BYTES = 32


class PepperFileError(RuntimeError):
    """The pepper file exists but is unusable (unsafe permissions or bad content)."""


def load_or_create_pepper(path: Path) -> bytes:
    """Read the pepper from `path`, creating it (mode 0600, O_EXCL) on first use."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(PEPPER_BYTES) + "\n")
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise PepperFileError(
            f"{path} is readable by other users; run: chmod 600 {path}"
        )
    text = path.read_text().strip()
    try:
        pepper = bytes.fromhex(text)
    except ValueError:
        raise PepperFileError(f"{path} does not hold a hex pepper.") from None
    if len(pepper) < 16:
        raise PepperFileError(f"{path} holds a pepper that is too short.")
    return pepper


@dataclass
class Settings:
    database_url: str
    pepper: bytes | str
    max_lifetime_days: int = DEFAULT_MAX_LIFETIME_DAYS  # 0 = unlimited
    key_env: str = "live"
    require_terms: bool = False
    clock: Clock = system_clock
    max_body_bytes: int = 64 * 1024
    # last_used_at is written at most this often per key: accurate within a minute, and
    # a busy key costs one write a minute, not one per call.
    last_used_resolution_s: int = 60
    idempotency_window_hours: int = 24
    version: str = __version__
    # Migrations run when the app is created; tests and the embedded server keep this on.
    migrate_on_start: bool = True
    # Host names the server answers to (server/host_names.py); None or ("*",): any name.
    allowed_hosts: tuple[str, ...] | None = None
    # The URL agents reach this server at, when it differs from the one the TUI or CLI
    # uses (a proxy, a public name): connection settings for agents are built from it.
    public_url: str | None = None
    # Agent activity is kept this many days, then pruned.
    activity_days: int = 90
    # Proxies whose X-Forwarded-For names the agent's address in its activity; from any
    # other peer the header is ignored (anyone can send it).
    trusted_proxies: tuple[str, ...] = ()
    # Activity is written in batches off the request path, at most this long after the
    # call: a crash loses at most this much of it (never a key change or audit entry).
    activity_flush_s: float = 1.0
    # A key session's access token lives this long; its client renews it.
    session_hours: int = DEFAULT_SESSION_HOURS
    extra: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.pepper, str):
            self.pepper = self.pepper.encode()
        if not self.pepper:
            raise ValueError("Settings.pepper must not be empty")
        if self.key_env not in ("live", "test"):
            raise ValueError("key_env must be live or test")

    @property
    def pepper_bytes(self) -> bytes:
        assert isinstance(self.pepper, bytes)
        return self.pepper

    def __repr__(self) -> str:  # the pepper never reaches a log
        return (
            f"Settings(database_url={_redact_url(self.database_url)!r}, pepper='…', "
            f"max_lifetime_days={self.max_lifetime_days}, key_env={self.key_env!r})"
        )

    @classmethod
    def from_env(cls, database_url: str | None = None, **overrides: object) -> Settings:
        """Settings for `agentkeys serve`: AGENTKEYS_DATABASE_URL, AGENTKEYS_PEPPER (the
        pepper itself, hex; wins) or AGENTKEYS_PEPPER_FILE (default: config dir/pepper),
        AGENTKEYS_MAX_LIFETIME_DAYS, AGENTKEYS_KEY_ENV, AGENTKEYS_REQUIRE_TERMS,
        AGENTKEYS_ALLOWED_HOSTS (comma-separated host names; unset or empty: None),
        AGENTKEYS_PUBLIC_URL, AGENTKEYS_ACTIVITY_DAYS, AGENTKEYS_TRUSTED_PROXIES
        (comma-separated addresses).

        Every server sharing one database must use the same pepper."""
        url = database_url or os.environ.get("AGENTKEYS_DATABASE_URL") or default_database_url()
        values: dict[str, object] = {"database_url": url, "pepper": pepper_from_env()}
        values.update(policy_from_env(os.environ))
        if os.environ.get("AGENTKEYS_ALLOWED_HOSTS", "").strip():
            from tui_app.server.host_names import parse_allowed_hosts

            values["allowed_hosts"] = parse_allowed_hosts(os.environ["AGENTKEYS_ALLOWED_HOSTS"])
        values.update(agent_settings_from_env(os.environ))
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]


class SettingsError(ValueError):
    """A server setting from the environment is not a value it can take."""


def policy_from_env(env: Mapping[str, str]) -> dict[str, object]:
    """The key policy set in the environment (AGENTKEYS_MAX_LIFETIME_DAYS,
    AGENTKEYS_KEY_ENV, AGENTKEYS_REQUIRE_TERMS), as Settings fields: what `agentkeys
    serve` and the local server both honour."""
    values: dict[str, object] = {}
    days = env.get("AGENTKEYS_MAX_LIFETIME_DAYS", "").strip()
    if days:
        if not (days.isascii() and days.isdigit()):
            raise SettingsError("AGENTKEYS_MAX_LIFETIME_DAYS should be a whole number of "
                                f"days (0: no limit), not {days[:20]!r}.")
        values["max_lifetime_days"] = int(days)
    key_env = env.get("AGENTKEYS_KEY_ENV", "").strip()
    if key_env:
        if key_env not in ("live", "test"):
            raise SettingsError(f"AGENTKEYS_KEY_ENV should be live or test, not {key_env[:20]!r}.")
        values["key_env"] = key_env
    if "AGENTKEYS_REQUIRE_TERMS" in env:
        values["require_terms"] = env["AGENTKEYS_REQUIRE_TERMS"].strip().lower() in (
            "1", "true", "yes", "on",
        )
    return values


def agent_settings_from_env(env: Mapping[str, str]) -> dict[str, object]:
    """AGENTKEYS_PUBLIC_URL, AGENTKEYS_ACTIVITY_DAYS, AGENTKEYS_TRUSTED_PROXIES and
    AGENTKEYS_SESSION_HOURS, as Settings fields."""
    values: dict[str, object] = {}
    public_url = env.get("AGENTKEYS_PUBLIC_URL", "").strip()
    if public_url:
        if not public_url.startswith(("http://", "https://")) or " " in public_url:
            raise SettingsError(
                "AGENTKEYS_PUBLIC_URL should be the URL agents reach the server at, like "
                f"https://keys.example.com, not {public_url[:40]!r}.")
        values["public_url"] = public_url.rstrip("/")
    days = env.get("AGENTKEYS_ACTIVITY_DAYS", "").strip()
    if days:
        if not (days.isascii() and days.isdigit()) or int(days) < 1:
            raise SettingsError("AGENTKEYS_ACTIVITY_DAYS should be a whole number of days "
                                f"(at least 1), not {days[:20]!r}.")
        values["activity_days"] = int(days)
    hours = env.get("AGENTKEYS_SESSION_HOURS", "").strip()
    if hours:
        if not (hours.isascii() and hours.isdigit()) or not 1 <= int(hours) <= 720:
            raise SettingsError("AGENTKEYS_SESSION_HOURS should be a whole number of hours "
                                f"from 1 to 720, not {hours[:20]!r}.")
        values["session_hours"] = int(hours)
    proxies = env.get("AGENTKEYS_TRUSTED_PROXIES", "").strip()
    if proxies:
        import ipaddress

        found = []
        for entry in (part.strip() for part in proxies.split(",")):
            if not entry:
                continue
            try:
                found.append(str(ipaddress.ip_address(entry)))
            except ValueError:
                raise SettingsError("AGENTKEYS_TRUSTED_PROXIES should list the proxies' IP "
                                    f"addresses, comma-separated; {entry[:40]!r} is not one."
                                    ) from None
        values["trusted_proxies"] = tuple(found)
    return values


def pepper_from_env() -> bytes:
    from tui_app import paths

    inline = os.environ.get("AGENTKEYS_PEPPER", "").strip()
    if inline:
        try:
            pepper = bytes.fromhex(inline)
        except ValueError:
            pepper = inline.encode()  # any long random string will do
        if len(pepper) < 16:
            raise PepperFileError("AGENTKEYS_PEPPER is too short: use 32 random bytes in hex.")
        return pepper
    pepper_file = os.environ.get("AGENTKEYS_PEPPER_FILE")
    return load_or_create_pepper(
        Path(pepper_file) if pepper_file else paths.config_dir() / "pepper"
    )


def default_database_url() -> str:
    from tui_app import paths

    return f"sqlite:///{paths.data_dir() / 'agentkeys.db'}"


def _redact_url(url: str) -> str:
    """Hide a password in a database URL (postgresql://user:secret@host/db)."""
    if "://" in url and "@" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        if ":" in creds:
            creds = creds.split(":", 1)[0] + ":***"
        return f"{scheme}://{creds}@{host}"
    return url
