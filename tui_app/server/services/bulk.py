"""One action on many keys (the admin view's selection)."""

from __future__ import annotations

from collections.abc import Sequence

from tui_app.domain.checks import FieldErrors
from tui_app.domain.errors import DomainError
from tui_app.domain.field_error import FieldError
from tui_app.domain.keyformat import looks_like_token
from tui_app.domain.models import BulkResult
from tui_app.domain.sanitize import clean
from tui_app.server.services.backend import Backend
from tui_app.server.services.key_actions import act_on_key
from tui_app.server.store.users import Caller


def bulk_action(backend: Backend, caller: Caller, action: str, key_ids: Sequence[str], *,
                days: int | None = None, source: str | None = None) -> list[BulkResult]:
    """Each id runs in its own transaction: one failure does not undo the others, and
    each result says what happened to its key. Repeated ids count once."""
    if action == "extend" and days is None:
        raise FieldErrors([FieldError("days", "Say by how many days to extend.")])
    if any(looks_like_token(key_id) for key_id in key_ids):
        # Each result repeats its id: a secret pasted here must not come back.
        raise FieldErrors([FieldError(
            "ids", "One of these is a key's secret, not its id; never paste a secret here.")])
    results: list[BulkResult] = []
    for key_id in dict.fromkeys(key_ids):
        try:
            key = act_on_key(backend, caller, key_id, action, days=days, source=source)
        except DomainError as error:
            results.append(_failed(key_id, error.code, error.message))
        except FieldErrors as errors:
            results.append(_failed(key_id, "VALIDATION_FAILED", errors.errors[0].message))
        else:
            results.append(BulkResult(id=key_id, ok=True, code=None, message=None, key=key))
    return results


def _failed(key_id: str, code: str, message: str) -> BulkResult:
    # The id came from the client and is repeated back: made safe to print, and short.
    return BulkResult(id=clean(key_id[:64]), ok=False, code=code, message=message, key=None)
