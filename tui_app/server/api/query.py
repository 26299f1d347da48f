"""Query-string values the key listings share."""

from __future__ import annotations

from typing import Literal

from fastapi import Request

from tui_app.domain.checks import FieldErrors
from tui_app.domain.field_error import FieldError
from tui_app.domain.status import KeyStatus

Sort = Literal["name", "owner", "status", "created_at", "expires_at", "last_used_at"]
Order = Literal["asc", "desc"]


def statuses(request: Request, value: str | None) -> tuple[KeyStatus, ...]:
    """`?status=active,expired`, or `?status=active&status=expired` (both ways mean
    both: FastAPI alone would silently keep only the last); `all` or empty: no filter."""
    values = request.query_params.getlist("status")
    text = ",".join(values) if len(values) > 1 else value
    if text is None or not text.strip():
        return ()
    out: list[KeyStatus] = []
    for part in text.split(","):
        part = part.strip().lower()
        if not part:
            continue
        if part == "all":
            return ()
        try:
            status = KeyStatus(part)
        except ValueError:
            raise FieldErrors([FieldError(
                "status", "Status must be active, inactive, expired, revoked or all "
                "(several separated by commas)."
            )]) from None
        if status not in out:
            out.append(status)
    return tuple(out)
