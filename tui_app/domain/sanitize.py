"""Make untrusted text safe to put on a terminal (SPEC §4).

Control characters (C0, C1, DEL), bidi overrides/isolates and zero-width characters are
replaced by a visible stand-in, so an escape sequence from data can never reach the
terminal and a bidi trick shows as what it is. Markup is not this module's business:
the UI renders the result as plain `Text`, never as markup.
"""

from __future__ import annotations

import re

REPLACEMENT = "\N{REPLACEMENT CHARACTER}"  # U+FFFD

_UNSAFE = re.compile(
    "["
    "\x00-\x1f\x7f-\x9f"  # C0, DEL, C1 (ESC, CSI, OSC, BEL …)
    "\u061c\u200e\u200f"  # Arabic letter mark, LRM, RLM
    "\u202a-\u202e"  # bidi embeddings and overrides
    "\u2066-\u2069"  # bidi isolates
    "\u200b-\u200d\u2060\ufeff"  # zero-width space/joiners, word joiner, BOM
    "\u2028\u2029"  # line/paragraph separators
    "\ud800-\udfff"  # lone surrogates (JSON can carry them; UTF-8 and databases cannot)
    "]"
)


def has_unsafe(text: str) -> bool:
    return _UNSAFE.search(text) is not None


def clean(text: str | None, *, keep_newlines: bool = False) -> str:
    """Replace every unsafe character; with keep_newlines, plain line breaks stay."""
    if not text:
        return ""
    if keep_newlines:
        return "\n".join(_UNSAFE.sub(REPLACEMENT, line) for line in text.split("\n"))
    return _UNSAFE.sub(REPLACEMENT, text)
