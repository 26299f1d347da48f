"""Token digests: only HMAC-SHA256(pepper, token) is ever stored or looked up."""

from __future__ import annotations

import hashlib
import hmac

from tui_app.domain import keyformat
from tui_app.domain.keyformat import TokenKind


def digest(pepper: bytes, token: str) -> str:
    return hmac.new(pepper, token.strip().encode("utf-8"), hashlib.sha256).hexdigest()


def new_token(pepper: bytes, kind: TokenKind, env: str) -> tuple[str, str, str]:
    """A fresh token: (plaintext for the caller only, digest to store, hint to show)."""
    token = keyformat.generate(kind, env)
    return token, digest(pepper, token), keyformat.hint(token)


def request_hash(payload: bytes) -> str:
    """Fingerprint of a create request's body, to detect a reused Idempotency-Key."""
    return hashlib.sha256(payload).hexdigest()
