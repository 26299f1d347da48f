"""Connections: an agent asks for access, a person approves it by picking one of their
keys, and the agent gets a key session that acts as that key and ends on its own.

The rules of it, without I/O: the user code people type, how long codes and sessions
live, what a session may do, and what approving with an expired key does.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from tui_app.domain.clock import parse_rfc3339
from tui_app.domain.validation import Scope

# RFC 8628's alphabet for codes people type: no vowels (no words), no look-alikes.
USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"
USER_CODE_HALF = 4

# A pending request (either flow) waits this long for a person's answer.
REQUEST_LIFETIME = timedelta(minutes=10)
# Device flow polling: the interval a client starts with, and what each too-early poll
# adds to it (for that poll and every later one).
POLL_INTERVAL_S = 5
SLOW_DOWN_STEP_S = 5
# An authorization code is exchanged at once by its client, or never.
CODE_LIFETIME = timedelta(minutes=5)

DEFAULT_SESSION_HOURS = 8
# A session's refresh token lives at most this long, and never past its key's expiry.
REFRESH_LIFETIME = timedelta(days=30)
# Approving with an expired key extends it by this much, from now: an explicit act of
# the key's owner (never of the client asking).
EXTEND_ON_APPROVE = timedelta(days=30)

# What a client may ask for, in OAuth's `scope`: read, or read and write.
SCOPES = {"read": Scope.READ, "read_write": Scope.READ_WRITE}


def new_user_code() -> str:
    """`XXXX-XXXX` from the alphabet: 20^8 (about 2.6e10) codes, from a CSPRNG."""
    letters = [secrets.choice(USER_CODE_ALPHABET) for _ in range(2 * USER_CODE_HALF)]
    return "".join(letters[:USER_CODE_HALF]) + "-" + "".join(letters[USER_CODE_HALF:])


def normalise_user_code(text: str) -> str | None:
    """A code as a person typed or pasted it (any case, with or without the dash, spaces
    around) in its canonical `XXXX-XXXX` form; None when it cannot be one."""
    letters = "".join(ch for ch in text.strip().upper() if ch not in "- ")
    if len(letters) != 2 * USER_CODE_HALF or any(
            ch not in USER_CODE_ALPHABET for ch in letters):
        return None
    return letters[:USER_CODE_HALF] + "-" + letters[USER_CODE_HALF:]


def session_scope(key_scope: str, asked: str | None) -> Scope:
    """What a session may do: what its client asked for, never more than its key (a read
    key gives a read session, whatever was asked)."""
    if key_scope != Scope.READ_WRITE:
        return Scope.READ
    return SCOPES.get((asked or "").strip(), Scope.READ_WRITE)


@dataclass(frozen=True, slots=True)
class SessionTimes:
    access_expires_at: datetime
    refresh_expires_at: datetime


def session_times(now: datetime, key_expires_at: datetime | None, *, session_hours: int,
                  connected_at: datetime | None = None) -> SessionTimes:
    """When a session's access token and refresh token end: hours and days from now,
    the refresh never more than REFRESH_LIFETIME after the connection was made, and
    neither past the key's expiry."""
    access = now + timedelta(hours=session_hours)
    refresh = (connected_at or now) + REFRESH_LIFETIME
    if key_expires_at is not None:
        access, refresh = min(access, key_expires_at), min(refresh, key_expires_at)
    return SessionTimes(access_expires_at=min(access, refresh), refresh_expires_at=refresh)


def extended_for_approval(key_expires_at: datetime | None, now: datetime) -> datetime | None:
    """The key's new expiry when a person approves a connection with it: an expired key
    gets EXTEND_ON_APPROVE from now; any other keeps its expiry (None: unchanged)."""
    if key_expires_at is None or key_expires_at > now:
        return None
    return now + EXTEND_ON_APPROVE


# Schemes that would run or read something in the browser instead of reaching a client.
_NEVER_REDIRECT = frozenset({"javascript", "data", "file", "about", "blob", "vbscript"})


def redirect_uri_problem(uri: str) -> str | None:
    """Why a redirect URI cannot be registered: https anywhere, http only on this
    machine (a native client's loopback listener), or an app's own scheme like
    cursor:// (RFC 8252); never a fragment."""
    try:
        parts = urlsplit(uri)
    except ValueError:
        return "A redirect URI must be an absolute URI."
    if "#" in uri:
        return "A redirect URI has no fragment (#…)."
    scheme = parts.scheme.lower()
    if scheme == "https" and parts.hostname:
        return None
    if scheme == "http":
        if parts.hostname in ("localhost", "127.0.0.1", "::1"):
            return None
        return "Plain http is for this machine only (localhost, 127.0.0.1); use https."
    if scheme and scheme not in _NEVER_REDIRECT and (parts.netloc or parts.path):
        return None
    return "A redirect URI must be https, http on localhost, or an app's own scheme."


# --- Records: what the API returns about connections and sessions ------------------------

@dataclass(frozen=True, slots=True)
class PendingConnection:
    """A request for access as the person answering it sees it."""

    user_code: str
    client_id: str
    client_name: str
    flow: str  # device (a CLI or headless agent) or code (an MCP client in a browser)
    scope: str  # what it asks for: read or read_write
    expires_at: datetime
    status: str  # pending, approved, denied, used

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PendingConnection:
        return cls(user_code=data["user_code"], client_id=data["client_id"],
                   client_name=data["client_name"], flow=data["flow"],
                   scope=data["scope"], status=data["status"],
                   expires_at=parse_rfc3339(data["expires_at"]))  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Approval:
    """What approving did: the session's scope, and the key's new expiry when it had
    expired and was extended."""

    user_code: str
    key_id: str
    scope: str
    extended_to: datetime | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Approval:
        return cls(user_code=data["user_code"], key_id=data["key_id"], scope=data["scope"],
                   extended_to=parse_rfc3339(data.get("extended_to")))


@dataclass(frozen=True, slots=True)
class KeySession:
    id: str
    key_id: str
    client_name: str
    scope: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime  # when the session ends unless renewed: its refresh token's end
    revoked_at: datetime | None

    def active(self, now: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KeySession:
        return cls(
            id=data["id"], key_id=data["key_id"], client_name=data["client_name"],
            scope=data["scope"], created_at=parse_rfc3339(data["created_at"]),  # type: ignore[arg-type]
            last_used_at=parse_rfc3339(data.get("last_used_at")),
            expires_at=parse_rfc3339(data["expires_at"]),  # type: ignore[arg-type]
            revoked_at=parse_rfc3339(data.get("revoked_at")),
        )
