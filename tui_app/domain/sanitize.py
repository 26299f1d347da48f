"""Which characters untrusted text may carry onto a terminal, a form or a file.

One rule, by Unicode category, shared by every check and every display: a character is
unsafe when it is a control (Cc: C0, DEL, C1 — ESC starts every terminal escape), a
format character (Cf: bidi marks, embeddings, overrides and isolates, zero-width space
and joiners, the soft hyphen, invisible operators, tag characters, interlinear
annotation marks, the BOM), a surrogate (Cs: JSON can carry a lone one; UTF-8 and
databases cannot), a private-use character (Co), unassigned (Cn), a line or paragraph
separator (Zl, Zp), or one of the few letters that are drawn as nothing at all (the
Hangul fillers). Plain spaces of every width (Zs) are fine.

Names refuse unsafe characters (validation.py); everything shown or exported replaces
them (`clean`), so an escape sequence from data never reaches the terminal and a bidi
trick shows as what it is. Markup is not this module's business: the UI renders the
result as plain `Text`, never as markup.
"""

from __future__ import annotations

import unicodedata

REPLACEMENT = "\N{REPLACEMENT CHARACTER}"  # U+FFFD

_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
# Letters (Lo) by category, yet default-ignorable: drawn as nothing, so a name made of
# them shows blank.
_INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0")


def is_unsafe(char: str) -> bool:
    return unicodedata.category(char) in _UNSAFE_CATEGORIES or char in _INVISIBLE_LETTERS


def _all_safe(text: str) -> bool:
    # The fast path, for the text nearly every string is: str.isprintable() is False
    # exactly for the unsafe categories and the spaces other than " ", in C.
    return text.isprintable() and (text.isascii() or _INVISIBLE_LETTERS.isdisjoint(text))


def has_unsafe(text: str) -> bool:
    if _all_safe(text):
        return False
    return any(is_unsafe(char) for char in text)


def clean(text: str | None, *, keep_newlines: bool = False,
          replacement: str = REPLACEMENT) -> str:
    """Replace every unsafe character (by U+FFFD unless told otherwise); with
    keep_newlines, plain line breaks stay."""
    if not text:
        return ""
    if keep_newlines:
        return "\n".join(clean(line, replacement=replacement) for line in text.split("\n"))
    if _all_safe(text):
        return text
    return "".join(replacement if is_unsafe(char) else char for char in text)


def is_storable(text: str) -> bool:
    """Whether a database can hold this text as it is: no NUL (PostgreSQL's text cannot)
    and no lone surrogate (UTF-8 cannot). Text decoded from a client — JSON escapes in a
    cursor, a header — is checked with this before it goes near a query."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
