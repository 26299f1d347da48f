"""Page cursors: opaque to clients, checked whole before any query sees them.

A key listing's cursor carries its sort, its order and the last row's sort value and
id (store.listing.After); the audit log's, the last entry's sequence number. A cursor
that does not decode, or belongs to another sort, is refused as a field error: the
client starts again from the first page.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from tui_app.domain.checks import FieldErrors
from tui_app.domain.field_error import FieldError
from tui_app.domain.sanitize import is_storable
from tui_app.domain.validation import whole_number
from tui_app.server.store.listing import STATUS_RANKS, TEXT_SORTS, After

CURSOR_MAX = 2000


def _b64(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _unb64(cursor: str) -> bytes:
    return base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode("ascii"))


def encode_key_cursor(sort: str, order: str, after: After | None) -> str | None:
    if after is None:
        return None
    raw = json.dumps({"s": sort, "o": order, "v": after.value, "i": after.key_id},
                     separators=(",", ":"))
    return _b64(raw)


def _bad_key_cursor() -> FieldErrors:
    return FieldErrors([FieldError(
        "cursor", "This cursor is not valid for this listing; start again from the first page."
    )])


def decode_key_cursor(cursor: str | None, sort: str, order: str) -> After | None:
    if not cursor:
        return None
    if len(cursor) > CURSOR_MAX:
        raise _bad_key_cursor()
    try:
        data = json.loads(_unb64(cursor))
    except (ValueError, binascii.Error, UnicodeError):
        raise _bad_key_cursor() from None
    if not isinstance(data, dict) or data.get("s") != sort or data.get("o") != order:
        raise _bad_key_cursor()
    value, key_id = data.get("v"), data.get("i")
    # JSON escapes can spell a NUL or a lone surrogate, which no database can compare.
    if not isinstance(key_id, str) or len(key_id) > 64 or not is_storable(key_id):
        raise _bad_key_cursor()
    if not _sort_value_ok(sort, value):
        raise _bad_key_cursor()
    return After(value, key_id)


def _sort_value_ok(sort: str, value: Any) -> bool:
    if sort in TEXT_SORTS:
        return isinstance(value, str) and len(value) <= 400 and is_storable(value)
    if not isinstance(value, int) or isinstance(value, bool) or abs(value) >= 2**62:
        return False
    return sort != "status" or value in STATUS_RANKS


def encode_audit_cursor(seq: int | None) -> str | None:
    return encode_seq_cursor(seq, "a")


def decode_audit_cursor(cursor: str | None) -> int | None:
    return decode_seq_cursor(cursor, "a")


def encode_seq_cursor(seq: int | None, kind: str) -> str | None:
    """A cursor into an append-only log read newest first (audit "a", activity "v")."""
    return None if seq is None else _b64(f"{kind}:{seq}")


def decode_seq_cursor(cursor: str | None, kind: str) -> int | None:
    if not cursor:
        return None
    try:
        prefix, _, number = _unb64(cursor).decode("ascii").partition(":")
        seq = whole_number(number)
        if prefix != kind or seq is None:
            raise ValueError
        return seq
    except (ValueError, binascii.Error, UnicodeError):
        raise FieldErrors([FieldError(
            "cursor", "This cursor is not valid; start again from the first page."
        )]) from None


def encode_user_cursor(email: str | None) -> str | None:
    """People are listed by email: the cursor is the last email of the page."""
    return None if email is None else _b64(f"u:{email}")


def decode_user_cursor(cursor: str | None) -> str | None:
    if not cursor:
        return None
    try:
        if len(cursor) > CURSOR_MAX:
            raise ValueError
        prefix, _, email = _unb64(cursor).decode("utf-8").partition(":")
        if prefix != "u" or not email or len(email) > 400 or not is_storable(email):
            raise ValueError
        return email
    except (ValueError, binascii.Error, UnicodeError):
        raise FieldErrors([FieldError(
            "cursor", "This cursor is not valid; start again from the first page."
        )]) from None
