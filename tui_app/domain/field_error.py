"""The one error every rule raises: which field is wrong, and why, in words for people.

The server turns it into a VALIDATION_FAILED detail, a form shows it beside its field,
the CLI prints it.
"""

from __future__ import annotations


class FieldError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
