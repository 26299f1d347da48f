"""Public identifiers: a type prefix and a ULID (time-ordered, so ids sort by creation)."""

from __future__ import annotations

import os
import time

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def ulid(now_ms: int | None = None, randomness: int | None = None) -> str:
    """48 bits of milliseconds, then 80 random bits: from the OS unless given (the seeder
    gives its own, so a seeded database is the same every time)."""
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    if randomness is None:
        randomness = int.from_bytes(os.urandom(10), "big")
    value = (ms << 80) | randomness
    chars = []
    for _ in range(26):
        value, rem = divmod(value, 32)
        chars.append(_CROCKFORD[rem])
    return "".join(reversed(chars))


def new_id(prefix: str, now_ms: int | None = None) -> str:
    return f"{prefix}_{ulid(now_ms)}"
