"""What a use case refuses, said without HTTP: the server's services raise these and its
API layer turns each kind into its status and error envelope (server/api/errors.py).

Each error carries a stable `code` (what a client branches on) and a `message` for
people; `details` holds structured extras such as a key's current version. Field rules
raise `domain.checks.FieldErrors` instead: every wrong field at once.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "ERROR"

    def __init__(self, message: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        if code is not None:
            self.code = code


class NotFound(DomainError):
    """Absent, or not visible to the caller: the two are never told apart, so nobody
    learns that a key they may not see exists."""

    code = "NOT_FOUND"

    def __init__(self, what: str = "key") -> None:
        super().__init__(f"No such {what}, or you may not see it.")


class Conflict(DomainError):
    """The request is valid but the thing's current state refuses it (CONFLICT,
    KEY_ACTIVE)."""

    code = "CONFLICT"


class IdempotencyMismatch(Conflict):
    """An Idempotency-Key reused for a different request."""

    code = "IDEMPOTENCY_MISMATCH"

    def __init__(self) -> None:
        super().__init__("This Idempotency-Key was used with a different request; "
                         "use a new key for a new request.")


class Forbidden(DomainError):
    code = "FORBIDDEN"

    def __init__(self, message: str = "Your role may not do this.") -> None:
        super().__init__(message)


class Unauthorized(DomainError):
    """Who is calling could not be established; `code` says why (TOKEN_MISSING,
    TOKEN_MALFORMED, TOKEN_INVALID, TOKEN_REVOKED, TOKEN_EXPIRED, TOKEN_INACTIVE)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, code=code)
