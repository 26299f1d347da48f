"""Token format `<prefix>_<env>_<body><check>`, GitHub's scheme.

The CRC32 checksum lets clients and the server reject look-alikes and typos offline,
before any database access; it is not a security property (the body's 238 bits are).
"""

from __future__ import annotations

import re
import secrets
import zlib
from dataclasses import dataclass
from enum import StrEnum

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
BODY_LENGTH = 40
CHECK_LENGTH = 6
ENVIRONMENTS = ("live", "test")


class TokenKind(StrEnum):
    AGENT = "ak"  # agent keys, used by agents
    PERSONAL = "akp"  # management (login) tokens, used by people and the TUI/CLI
    SESSION = "aks"  # key sessions (device flow, later)


class TokenMalformed(ValueError):
    """The token is not of our format; the message says what is wrong, never the token."""


@dataclass(frozen=True, slots=True)
class ParsedToken:
    kind: TokenKind
    env: str


def _base62(number: int, width: int) -> str:
    digits = []
    while number:
        number, rem = divmod(number, 62)
        digits.append(BASE62[rem])
    return "".join(reversed(digits)).rjust(width, "0")


def checksum(text: str) -> str:
    return _base62(zlib.crc32(text.encode("ascii")), CHECK_LENGTH)


def generate(kind: TokenKind = TokenKind.AGENT, env: str = "live") -> str:
    if env not in ENVIRONMENTS:
        raise ValueError(f"env must be one of {ENVIRONMENTS}")
    body = "".join(secrets.choice(BASE62) for _ in range(BODY_LENGTH))
    stem = f"{kind.value}_{env}_{body}"
    return stem + checksum(stem)


def parse(token: str, expected: TokenKind | None = None) -> ParsedToken:
    """Check a token offline. Raises TokenMalformed with a message safe to show."""
    token = token.strip()
    if not token:
        raise TokenMalformed("The token is empty.")
    parts = token.split("_")
    if len(parts) != 3:
        raise TokenMalformed("The token should look like ak_live_… or akp_live_….")
    prefix, env, rest = parts
    try:
        kind = TokenKind(prefix)
    except ValueError:
        raise TokenMalformed(
            "The token should start with ak_ (agent key) or akp_ (login token)."
        ) from None
    if expected is not None and kind is not expected:
        wanted = {TokenKind.AGENT: "an agent key (ak_…)",
                  TokenKind.PERSONAL: "a login token (akp_…)",
                  TokenKind.SESSION: "a key session (aks_…)"}[expected]
        raise TokenMalformed(f"This is not {wanted}.")
    if env not in ENVIRONMENTS:
        raise TokenMalformed("The token's environment should be live or test.")
    if len(rest) != BODY_LENGTH + CHECK_LENGTH or any(c not in BASE62 for c in rest):
        raise TokenMalformed(
            "The token is the wrong length or has characters that do not belong; "
            "was it copied whole?"
        )
    stem = token[: -CHECK_LENGTH]
    if checksum(stem) != token[-CHECK_LENGTH:]:
        raise TokenMalformed("The token's checksum does not match; was it copied whole?")
    return ParsedToken(kind=kind, env=env)


def is_well_formed(token: str, expected: TokenKind | None = None) -> bool:
    try:
        parse(token, expected)
    except TokenMalformed:
        return False
    return True


# Anything that starts like one of our tokens: a prefix, an environment and a run of
# base62. Whole or cut short, such text is treated as a secret: refused where a name is
# expected, never quoted back in an error, and redacted from logs (redact.py, which
# also decodes first).
TOKEN_SHAPE = re.compile(
    rf"(?:{'|'.join(kind.value for kind in TokenKind)})"
    rf"_(?:{'|'.join(ENVIRONMENTS)})_[0-9A-Za-z]{{8,}}"
)


def looks_like_token(text: str) -> bool:
    return TOKEN_SHAPE.search(text) is not None


def hint(token: str) -> str:
    """What may be shown of a token forever: its prefix and last four characters."""
    prefix, env, _ = token.split("_", 2)
    return f"{prefix}_{env}_…{token[-4:]}"
