"""API errors as exceptions that carry the server's code and a message safe to show."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """The server answered with an error envelope."""

    def __init__(
        self, status: int, code: str, message: str, details: Any = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.retry_after = retry_after

    @property
    def is_auth(self) -> bool:
        return self.status == 401

    def field_errors(self) -> dict[str, str]:
        """Per-field messages of a VALIDATION_FAILED answer: {field: message}."""
        if not isinstance(self.details, list):
            return {}
        errors: dict[str, str] = {}
        for item in self.details:
            if isinstance(item, dict) and "field" in item and "message" in item:
                errors.setdefault(str(item["field"]), str(item["message"]))
        return errors

    def __str__(self) -> str:
        return f"{self.message} ({self.code})"


class ServerUnreachable(Exception):
    """No answer from the server: it is down, restarting, or the network is gone."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"Cannot reach the server at {url}: {reason}")
        self.url = url
        self.reason = reason
