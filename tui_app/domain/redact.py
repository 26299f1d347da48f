"""Tokens out of log text, in whatever percent-encoding they arrive.

A client may put a token in an address (searching for a pasted key, say) and encode any
of its characters: `ak%5Flive%5F…`, `%255F` (encoded twice), `+` for a space. A pattern
run over the text as written misses those, and whoever decodes the log later sees the
token. So the text is decoded level by level, each decoded character remembering which
part of the original it came from, tokens are looked for at every level, and the parts
of the original that spell one are replaced. Everything else stays as written, so a log
line still reads as the request was sent.
"""

from __future__ import annotations

import re

from tui_app.domain.keyformat import ENVIRONMENTS, TOKEN_SHAPE

REDACTED = "[token redacted]"

_ENVS = "|".join(ENVIRONMENTS)
# Text shaped like a token, whole or cut short (keyformat.TOKEN_SHAPE); and, since a
# broken escape just before a token can swallow its first letter when decoded (`%6` +
# `a` is `j`), a token without its prefix, known by `_live_` or `_test_` before 20
# letters and digits, which nothing else we log has.
TOKEN_PATTERN = re.compile(rf"{TOKEN_SHAPE.pattern}|_(?:{_ENVS})_[0-9A-Za-z]{{20,}}")

# Decoding stops after this many levels. No client encodes a token deeper by mistake,
# and each level costs a pass over the text: an address built to nest escapes thousands
# deep must not turn one log line into seconds of work.
MAX_LEVELS = 8

_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})|\+")

# Characters that would break a log line or act on the terminal that shows it: C0, DEL,
# C1 and the Unicode line and paragraph separators.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def redact(text: str) -> str:
    """`text` with every part that decodes to a token replaced by REDACTED."""
    parts: list[list[int]] = []  # [start, end], merged where a token was found twice
    for start, end in sorted(_token_spans(text)):
        if parts and start <= parts[-1][1]:
            parts[-1][1] = max(parts[-1][1], end)
        else:
            parts.append([start, end])
    pieces: list[str] = []
    done = 0
    for start, end in parts:
        pieces += [text[done:start], REDACTED]
        done = end
    pieces.append(text[done:])
    return "".join(pieces)


def escape_controls(text: str) -> str:
    """Control characters as visible escapes (`\\x0a`): a value that decoded to a line
    break must not start a forged log line."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 0x100
                        else f"\\u{ord(m[0]):04x}", text)


def _token_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) in `text` of every part that spells a token at some level."""
    spans: list[tuple[int, int]] = []
    # starts[i]: where in `text` the i-th character of the current level begins; it ends
    # where the next one begins, since each decoded character replaces a whole run.
    current, starts = text, list(range(len(text)))
    for _ in range(MAX_LEVELS + 1):
        for match in TOKEN_PATTERN.finditer(current):
            end = starts[match.end()] if match.end() < len(current) else len(text)
            spans.append((starts[match.start()], end))
        if not _ESCAPE.search(current):
            break
        current, starts = _decode_level(current, starts)
    return spans


def _decode_level(current: str, starts: list[int]) -> tuple[str, list[int]]:
    """One level of form decoding (`%XX` as the byte's character, `+` as a space),
    each new character starting where its escape started."""
    chars: list[str] = []
    new_starts: list[int] = []
    done = 0
    for match in _ESCAPE.finditer(current):
        chars.append(current[done:match.start()])
        new_starts.extend(starts[done:match.start()])
        chars.append(chr(int(match[1], 16)) if match[1] else " ")
        new_starts.append(starts[match.start()])
        done = match.end()
    chars.append(current[done:])
    new_starts.extend(starts[done:])
    return "".join(chars), new_starts
