"""Stream the admin key listing to a CSV or JSON file, page by page.

Shared by the TUI's Admin export and `agentkeys admin keys --csv`. It never holds more
than one page in memory, so an export of 1,000,000 keys costs what one page costs. The
file is written next to its destination and renamed into place at the end, so a failed
or cancelled export never leaves a half-written file under the chosen name.

CSV cells hold untrusted text (names, descriptions, user names, tool names): the
characters domain/sanitize.py calls unsafe (control, bidi, zero-width …) are stripped,
and a cell that a spreadsheet would read as a formula (starting with = + - @, tab or
CR) gets a leading apostrophe (OWASP "CSV injection"). JSON needs neither: the encoder
escapes control characters and nothing evaluates it.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Literal

from tui_app.client.api import ApiClient
from tui_app.domain.clock import to_rfc3339
from tui_app.domain.models import AgentKey, UserRef
from tui_app.domain.sanitize import clean

ExportFormat = Literal["csv", "json"]
Progress = Callable[[int, int | None], None]

PAGE_SIZE = 500  # the server's maximum page size: fewest round trips

# Filters admin_list_keys accepts; anything else in the dict (cursor, limit) is ours.
FILTER_PARAMS = frozenset(
    {"status", "owner", "team", "q", "stale_days", "never_used", "expiring_within_days",
     "sort", "order"}
)

CSV_COLUMNS = (
    "id", "name", "owner_name", "owner_email", "status", "status_reason", "scope",
    "created_at", "expires_at", "last_used_at", "last_used_tool", "description",
    "allowed_tools", "blocked_tools", "rate_limit_rpm", "hint", "created_by",
    "revoked_at", "disabled_at", "version",
)

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> str:
    """Untrusted text as a CSV cell a spreadsheet shows literally and never evaluates."""
    if value is None:
        return ""
    text = str(value)
    # Check the raw first character too: a tab/CR lead is itself a formula trick.
    risky = text.startswith(_FORMULA_START)
    # Unsafe characters go (tab, CR and LF included: one record per line), as everywhere
    # untrusted text is shown.
    text = clean(text, replacement="")
    if risky or text.startswith(_FORMULA_START):
        text = "'" + text
    return text


def _user(ref: UserRef | None) -> dict[str, str] | None:
    return None if ref is None else {"id": ref.id, "name": ref.name, "email": ref.email}


def key_to_json(key: AgentKey) -> dict[str, Any]:
    """A key as the API shapes it, for the JSON export."""
    return {
        "id": key.id,
        "name": key.name,
        "description": key.description,
        "owner": _user(key.owner),
        "created_by": _user(key.created_by),
        "created_at": to_rfc3339(key.created_at),
        "expires_at": to_rfc3339(key.expires_at),
        "scope": key.scope,
        "allowed_tools": list(key.allowed_tools),
        "blocked_tools": list(key.blocked_tools),
        "rate_limit_rpm": key.rate_limit_rpm,
        "hint": key.hint,
        "last_used_at": to_rfc3339(key.last_used_at),
        "last_used_tool": key.last_used_tool,
        "revoked_at": to_rfc3339(key.revoked_at),
        "revoked_by": _user(key.revoked_by),
        "disabled_at": to_rfc3339(key.disabled_at),
        "disabled_by": _user(key.disabled_by),
        "status": str(key.status),
        "status_reason": key.status_reason,
        "version": key.version,
    }


def key_to_csv_row(key: AgentKey) -> list[str]:
    created_by = key.created_by.email or key.created_by.name if key.created_by else ""
    return [
        key.id,  # ours (key_ + ULID): safe as is
        csv_safe(key.name),
        csv_safe(key.owner.name),
        csv_safe(key.owner.email),
        str(key.status),
        key.status_reason or "",
        key.scope,
        to_rfc3339(key.created_at) or "",
        to_rfc3339(key.expires_at) or "",
        to_rfc3339(key.last_used_at) or "",
        csv_safe(key.last_used_tool),
        csv_safe(key.description),
        csv_safe(" ".join(key.allowed_tools)),
        csv_safe(" ".join(key.blocked_tools)),
        "" if key.rate_limit_rpm is None else str(key.rate_limit_rpm),
        csv_safe(key.hint),
        csv_safe(created_by),
        to_rfc3339(key.revoked_at) or "",
        to_rfc3339(key.disabled_at) or "",
        str(key.version),
    ]


STATUSES = ("active", "inactive", "expired", "revoked")


def count_from_totals(totals: dict[str, int] | None, status: object = None) -> int | None:
    """How many rows a listing holds, from its `totals` (counts per status and "all").

    With a status filter, the sum over the chosen statuses: right whether the server's
    per-status counts ignore the status filter or apply it.
    """
    if not totals:
        return None
    if status is None or status == "all":
        return totals.get("all")
    chosen = status.split(",") if isinstance(status, str) else list(status)  # type: ignore[call-overload]
    if "all" in chosen:
        return totals.get("all")
    return sum(int(totals.get(s, 0)) for s in chosen if s in STATUSES)


@contextmanager
def _atomic_writer(path: Path) -> Iterator[IO[str]]:
    """A text file that appears at `path` only once fully written."""
    path = path.expanduser()
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


async def export_keys(
    api: ApiClient,
    filters: dict[str, Any],
    path: Path,
    fmt: ExportFormat,
    progress: Progress | None = None,
) -> int:
    """Write every key matching `filters` to `path`; returns how many were written.

    `filters` takes the keyword arguments of `ApiClient.admin_list_keys` (status, owner,
    team, q, stale_days, never_used, expiring_within_days, sort, order). `progress` is
    called after each page with (written so far, total or None if unknown). Overwriting
    is the caller's decision: this function replaces `path` if it exists.
    """
    if fmt not in ("csv", "json"):
        raise ValueError(f"unknown export format: {fmt!r}")
    params = {k: v for k, v in filters.items() if k in FILTER_PARAMS and v is not None}
    written = 0
    total: int | None = None
    cursor: str | None = None
    with _atomic_writer(Path(path)) as handle:
        writer = csv.writer(handle) if fmt == "csv" else None
        if writer is not None:
            writer.writerow(CSV_COLUMNS)
        else:
            handle.write("[")
        first_page = True
        while True:
            page = await api.admin_list_keys(
                **params, limit=PAGE_SIZE, cursor=cursor, include_totals=first_page
            )
            if first_page:
                total = count_from_totals(page.totals, params.get("status"))
            first_page = False
            for key in page.items:
                if writer is not None:
                    writer.writerow(key_to_csv_row(key))
                else:
                    handle.write("\n  " if written == 0 else ",\n  ")
                    # ASCII output: no raw C1 or bidi character lands in the file.
                    handle.write(json.dumps(key_to_json(key)))
                written += 1
            if progress is not None:
                progress(written, total)
            cursor = page.next_cursor
            if not cursor or not page.items:
                break
        if writer is None:
            handle.write("\n]\n" if written else "]\n")
    return written
