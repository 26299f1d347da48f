"""The verify judgement: may this agent key make this call now?

Written once, for every door that checks an agent key (POST /v1/verify for gateways,
GET /v1/agent/whoami for the agent itself). The order is the contract: the key as
presented (missing, malformed: no database access), then whether it is known, then its
status (revoked, expired, inactive — disabled or its owner deactivated), then the tool
lists (exact names), then the scope, and last the rate limit, which counts only calls
that passed everything else. Effective permission = owner's role ∩ key scope ∩ tool
lists; a call that names no access is a read.

Pure: the server reads the key, asks `judge`, and does the writes this module tells it
are due (count the call in its minute, record the use).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol

from tui_app.domain import keyformat
from tui_app.domain.keyformat import TokenKind, TokenMalformed
from tui_app.domain.roles import Role
from tui_app.domain.status import KeyStatus, derive_status
from tui_app.domain.validation import Scope, is_tool_name

Code = Literal[
    "VALID", "TOKEN_MISSING", "TOKEN_MALFORMED", "TOKEN_INVALID", "TOKEN_EXPIRED",
    "TOKEN_REVOKED", "TOKEN_INACTIVE", "TOOL_FORBIDDEN", "SCOPE_FORBIDDEN", "RATE_LIMITED",
]

MESSAGES: dict[Code, str | None] = {
    "VALID": None,
    "TOKEN_MISSING": "No key was given.",
    "TOKEN_MALFORMED": "This is not a well-formed agent key.",
    "TOKEN_INVALID": "This key is not known here.",
    "TOKEN_EXPIRED": "This key has expired.",
    "TOKEN_REVOKED": "This key was revoked.",
    "TOKEN_INACTIVE": "This key is disabled, or its owner was deactivated.",
    "TOOL_FORBIDDEN": "This key may not call that tool.",
    "SCOPE_FORBIDDEN": "This key may only read.",
    "RATE_LIMITED": "This key has made too many requests this minute.",
}

_STATUS_CODES: dict[KeyStatus, Code] = {
    KeyStatus.REVOKED: "TOKEN_REVOKED",
    KeyStatus.EXPIRED: "TOKEN_EXPIRED",
    KeyStatus.INACTIVE: "TOKEN_INACTIVE",
}


class KeyFacts(Protocol):
    """What the judgement reads of a key record (the server's rows have more)."""

    @property
    def revoked_at(self) -> datetime | None: ...
    @property
    def expires_at(self) -> datetime | None: ...
    @property
    def disabled_at(self) -> datetime | None: ...
    @property
    def owner_active(self) -> bool: ...
    @property
    def owner_role(self) -> str: ...
    @property
    def scope(self) -> str: ...
    @property
    def allowed_tools(self) -> list[str]: ...
    @property
    def blocked_tools(self) -> list[str]: ...


# --- The key as presented --------------------------------------------------------------

# keyformat.parse walks the body character by character (~20 µs); a well-formed key is
# recognised by one regular expression and the checksum instead, and anything else goes
# to parse, which refuses it with its exact message.
_AGENT_SHAPE = re.compile(
    rf"ak_(?:{'|'.join(map(re.escape, keyformat.ENVIRONMENTS))})"
    rf"_[0-9A-Za-z]{{{keyformat.BODY_LENGTH + keyformat.CHECK_LENGTH}}}"
)


def check_agent_key_format(key: str) -> None:
    """Raises TokenMalformed exactly as keyformat.parse(key, TokenKind.AGENT) does."""
    token = key.strip()
    cut = -keyformat.CHECK_LENGTH
    if _AGENT_SHAPE.fullmatch(token) and keyformat.checksum(token[:cut]) == token[cut:]:
        return
    keyformat.parse(key, TokenKind.AGENT)


def is_session_token(key: str) -> bool:
    """A key session's access token (aks_…) rather than an agent key: it acts as its key."""
    return key.strip().startswith(f"{TokenKind.SESSION.value}_")


def presented_key_problem(key: str | None) -> tuple[Code, str | None] | None:
    """Why the key as presented cannot be an agent key or a key session (code and
    message), or None.

    Decided before any database access: a look-alike or a typo costs no lookup."""
    if not key or not key.strip():
        return "TOKEN_MISSING", MESSAGES["TOKEN_MISSING"]
    try:
        if is_session_token(key):
            keyformat.parse(key, TokenKind.SESSION)
        else:
            check_agent_key_format(key)
    except TokenMalformed as exc:
        return "TOKEN_MALFORMED", str(exc)
    return None


class SessionFacts(Protocol):
    @property
    def revoked_at(self) -> datetime | None: ...
    @property
    def access_expires_at(self) -> datetime: ...


def judge_session(session: SessionFacts, now: datetime) -> Code:
    """A key session's own state, after its key's: ended, or its access token expired
    (its client refreshes it, or connects again)."""
    if session.revoked_at is not None:
        return "TOKEN_REVOKED"
    if session.access_expires_at <= now:
        return "TOKEN_EXPIRED"
    return "VALID"


# --- The key as read ---------------------------------------------------------------------

def tool_allowed(tool: str, allowed: list[str], blocked: list[str]) -> bool:
    """Exact names only: "delete\\n" or "Delete" is not "delete", and is never allowed by
    a list that does not hold it as written."""
    if not is_tool_name(tool):
        return False
    if tool in blocked:
        return False
    return not allowed or tool in allowed


def judge(key: KeyFacts | None, now: datetime, *, tool: str | None,
          access: str | None) -> Code:
    """The outcome for a key as read (None: no key has that digest), before its rate
    limit: VALID here means "count the call against the limit; then it is valid"."""
    if key is None:
        return "TOKEN_INVALID"
    status, _ = derive_status(now=now, revoked_at=key.revoked_at, expires_at=key.expires_at,
                              disabled_at=key.disabled_at, owner_active=key.owner_active)
    refused = _STATUS_CODES.get(status)
    if refused is not None:
        return refused
    if tool is not None and not tool_allowed(tool, list(key.allowed_tools or []),
                                             list(key.blocked_tools or [])):
        return "TOOL_FORBIDDEN"
    writes = (access or "read") == "write"
    if writes and (key.scope != Scope.READ_WRITE or not Role(key.owner_role).may_write):
        return "SCOPE_FORBIDDEN"
    return "VALID"


# --- The rate limit: calls per calendar minute -------------------------------------------

WINDOW_SECONDS = 60


def window_start(now: datetime) -> int:
    """The start of the minute `now` falls in, in seconds since the epoch: the window a
    call is counted in (every process sharing the database agrees on it)."""
    return int(now.timestamp()) // WINDOW_SECONDS * WINDOW_SECONDS


@dataclass(frozen=True, slots=True)
class RateWindow:
    """A key's calls in one minute, this call included."""

    limit: int
    count: int
    start: int  # window_start

    @property
    def exceeded(self) -> bool:
        return self.count > self.limit

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.count)

    @property
    def reset_at(self) -> datetime:
        return datetime.fromtimestamp(self.start + WINDOW_SECONDS, tz=UTC)

    def retry_after(self, now: datetime) -> int:
        """Whole seconds until the next minute, at least one (a Retry-After header)."""
        return max(1, int((self.reset_at - now).total_seconds() + 0.999))


# --- Last use: at most once per resolution per key ---------------------------------------

def use_is_due(last_used_at: datetime | None, now: datetime, resolution: timedelta) -> bool:
    """Whether this call's use is worth a write: a busy key costs one write a minute, not
    one per call, and last_used_at stays accurate to within `resolution`."""
    return last_used_at is None or last_used_at <= now - resolution
