"""Copying a secret, honestly.

Over SSH the useful clipboard is the one of the terminal the person sits at, reached
with OSC 52 (`App.copy_to_clipboard`); pyperclip would fill the remote machine's
clipboard. Locally pyperclip is tried first (in a thread: it runs xclip/xsel/pbcopy);
where it has no mechanism it raises, and OSC 52 is the fallback. OSC 52 gets no
acknowledgement, so its label says "sent to your terminal", never "copied".

Nothing here logs or shows the text being copied: messages are fixed strings.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class CopyMethod(StrEnum):
    LOCAL = "local"  # the desktop clipboard, through pyperclip
    OSC52 = "osc52"  # an escape sequence to the terminal


SSH_LABEL = (
    "Sent to your terminal's clipboard (OSC 52) — paste to check; "
    "tmux needs set-clipboard on"
)
LOCAL_LABEL = "Copied to your clipboard — paste to check."
def fallback_label(where_shown: str) -> str:
    """What a copy says when no desktop clipboard took the text and OSC 52 carried it."""
    return ("No desktop clipboard here, so it was sent to your terminal's clipboard "
            f"(OSC 52) instead — paste to check, or select {where_shown}.")


FALLBACK_LABEL = fallback_label("the key above")


@dataclass(frozen=True, slots=True)
class CopyOutcome:
    method: CopyMethod
    label: str


class LocalClipboard(Protocol):
    """A desktop clipboard; `copy` raises when there is none (tests pass a small fake)."""

    def copy(self, text: str) -> None: ...


class PyperclipClipboard:
    """The real desktop clipboard. Blocking: call it from a thread."""

    def copy(self, text: str) -> None:
        import pyperclip  # imported late: it probes the system on first use

        pyperclip.copy(text)


def over_ssh(env: Mapping[str, str] | None = None) -> bool:
    env = os.environ if env is None else env
    return bool(env.get("SSH_TTY") or env.get("SSH_CONNECTION"))


def copy_locally(clipboard: LocalClipboard, text: str) -> bool:
    """Try the desktop clipboard; False (never an exception) when it is not there.

    Any exception counts as "no clipboard": PyperclipException is the usual one, but a
    broken xclip or a missing DBus can raise others, and a copy must never crash the app.
    """
    try:
        clipboard.copy(text)
    except Exception:  # see docstring; the message could not help the user
        return False
    return True
