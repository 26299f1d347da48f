"""What the Connections screen says: the code as it is typed, the request, the keys on
offer and the outcome, in words a person reads without knowing OAuth.

Names (of clients and keys) are untrusted: they go through safe_text and are appended
to `Text`, never formatted into markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text

from tui_app.domain.connections import (
    EXTEND_ON_APPROVE,
    USER_CODE_ALPHABET,
    USER_CODE_HALF,
    normalise_user_code,
)
from tui_app.domain.status import KeyStatus
from tui_app.domain.timefmt import absolute, relative
from tui_app.domain.validation import scope_words
from tui_app.ui.safe import safe_text

if TYPE_CHECKING:
    from tui_app.client.errors import ApiError
    from tui_app.domain.connections import Approval, PendingConnection
    from tui_app.domain.models import AgentKey

CODE_LETTERS = 2 * USER_CODE_HALF
EXTEND_DAYS = EXTEND_ON_APPROVE.days
ASK_FOR_CODE = "Type or paste the code the agent shows, like BCDF-GHJK."

_FLOWS = {
    "device": "a command line or headless agent (device code)",
    "code": "an MCP client, from a browser page (authorization code)",
}
# What a request whose answer is already given reads as.
_DONE = {
    "expired": "This code has expired: ask the agent to connect again.",
    "approved": "This request was approved already.",
    "used": "This code was used already: ask the agent to connect again.",
    "denied": "This request was denied. Ask the agent to connect again if that was a mistake.",
}


def code_problem(text: str) -> str | None:
    """Why what was typed is not a code yet, or None when it is one."""
    if normalise_user_code(text) is not None:
        return None
    letters = "".join(ch for ch in text.strip().upper() if ch not in "- ")
    if not letters:
        return ASK_FOR_CODE
    strange = next((ch for ch in letters if ch not in USER_CODE_ALPHABET), None)
    if strange is not None:
        shown = strange if strange.isprintable() else "this character"
        return (f"“{shown}” is never in a code: codes are 8 letters from "
                f"{USER_CODE_ALPHABET} (no vowels, no digits).")
    if len(letters) > CODE_LETTERS:
        return f"A code has {CODE_LETTERS} letters; this has {len(letters)}."
    return f"{len(letters)} of {CODE_LETTERS} letters…"


def request_lines(request: PendingConnection, now: datetime) -> Text:
    """Who asks, for what, how, and until when."""
    text = safe_text(request.client_name, "bold")
    if request.status != "pending":
        text.append(" — ")
        text.append(_DONE.get(request.status, f"This request is {request.status}."))
        return text
    text.append(f" asks to {scope_words(request.scope)} with one of your keys.\n")
    text.append("From ", style="dim")
    text.append(_FLOWS.get(request.flow, request.flow), style="dim")
    text.append(f". The code expires {relative(request.expires_at, now)} "
                f"({absolute(request.expires_at)}).", style="dim")
    return text


def offered_keys(keys: Sequence[AgentKey]) -> list[AgentKey]:
    """The keys a connection may use: active ones, then expired ones (approving extends
    them); revoked and inactive keys are not offered. By name within each."""
    usable = [k for k in keys if k.status in (KeyStatus.ACTIVE, KeyStatus.EXPIRED)]
    return sorted(usable, key=lambda k: (k.status is KeyStatus.EXPIRED, k.name.casefold(),
                                         k.id))


def key_choice(key: AgentKey, now: datetime, name_width: int) -> Text:
    """One key on offer: name, what it allows, its expiry; an expired key says what
    approving does to it."""
    name = safe_text(key.name, "bold")
    name.truncate(name_width, overflow="ellipsis", pad=True)
    line = name + Text("  ") + Text(f"{scope_words(key.scope):<14}  ")
    if key.status is KeyStatus.EXPIRED:
        line.append(f"expired {relative(key.expires_at, now)}", style="yellow")
        # No-break spaces: the list drops plain ones at the start of a line.
        line.append("\n" + "\N{NO-BREAK SPACE}" * (name_width + 2))
        line.append(f"will be extended by {EXTEND_DAYS} days", style="bold yellow")
    elif key.expires_at is None:
        line.append("never expires", style="dim")
    else:
        line.append(f"expires {relative(key.expires_at, now)}", style="dim")
    return line


def approved_lines(request: PendingConnection, key: AgentKey, approval: Approval) -> Text:
    text = Text("Approved: ", style="bold green")
    text.append_text(safe_text(request.client_name))
    text.append(f" can now {scope_words(approval.scope)} as ")
    text.append_text(safe_text(key.name, "bold"))
    text.append(".")
    if approval.extended_to is not None:
        text.append("\n")
        text.append_text(safe_text(key.name, "bold"))
        text.append(f" had expired: extended by {EXTEND_DAYS} days, to "
                    f"{absolute(approval.extended_to)}.", style="yellow")
    return text


def denied_lines(request: PendingConnection) -> Text:
    text = Text("Denied: ", style="bold")
    text.append_text(safe_text(request.client_name))
    text.append(" gets no access. It may ask again with a new code.")
    return text


_ERRORS = {
    "NOT_FOUND": "No request has this code. Check the letters, or ask the agent to "
                 "connect again.",
    "CODE_EXPIRED": _DONE["expired"],
    "CODE_USED": "This code was answered already: ask the agent to connect again.",
}


def error_words(error: ApiError, *, looking_up: bool = False) -> str:
    """The server's refusal, plainly: the known ones in our words, the others in its
    (when approving, NOT_FOUND may be the key rather than the code)."""
    if error.code == "NOT_FOUND" and not looking_up:
        return f"{error.message} ({error.code})"
    return _ERRORS.get(error.code, f"{error.message} ({error.code})")
