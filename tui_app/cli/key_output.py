"""Finding and printing keys on the command line: by id or exact name; a table row,
details, CSV. Untrusted text goes through the one sanitiser before it reaches the
terminal."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from tui_app.cli.common import CliError, stdout_is_tty, when_text
from tui_app.domain.sanitize import clean
from tui_app.domain.validation import scope_words

if TYPE_CHECKING:
    from tui_app.client.api import ApiClient
    from tui_app.domain.models import AgentKey


async def find_key(api: ApiClient, ref: str) -> AgentKey:
    """A key by id, or one of your own keys by exact name."""
    ref = ref.strip()
    if ref.startswith("key_"):
        return await api.get_key(ref)
    matches = [k for k in await api.list_all_keys("all", q=ref) if k.name == ref]
    if len(matches) > 1:
        matches = [k for k in matches if k.status.value != "revoked"] or matches
    if not matches:
        raise CliError(f"You have no key named '{clean(ref)}'; see: agentkeys keys list")
    if len(matches) > 1:
        listed = ", ".join(f"{clean(k.id)} ({k.status.value})" for k in matches[:10])
        raise CliError(f"Several keys are named '{clean(ref)}': {listed}. Use the id.")
    return matches[0]


def status_text(key: AgentKey) -> str:
    if key.status.value == "inactive" and key.status_reason == "owner_deactivated":
        return "inactive (owner deactivated)"
    return key.status.value


def key_row(key: AgentKey, now: Any, tty: bool) -> list[str]:
    return [
        key.id, key.name, key.status.value,
        when_text(key.expires_at, now, tty=tty) or ("never" if tty else ""),
        when_text(key.last_used_at, now, tty=tty),
        scope_words(key.scope) if tty else key.scope,  # piped: the value scripts match
    ]


def print_details(key: AgentKey, now: Any) -> None:
    from tui_app.domain.clock import to_rfc3339

    tty = stdout_is_tty()

    def when(value: Any) -> str:
        if value is None:
            return "never"
        stamp = to_rfc3339(value) or ""
        return f"{stamp} ({when_text(value, now, tty=True)})" if tty else stamp

    def who(ref: Any) -> str:
        return f"{clean(ref.name)} <{clean(ref.email)}>" if ref else "—"

    rows = [
        ("Name", clean(key.name)),
        ("ID", clean(key.id)),
        ("Status", status_text(key)),
        ("Owner", who(key.owner)),
        ("Created", when(key.created_at) + (f" by {who(key.created_by)}" if key.created_by
                                            and key.created_by.id != key.owner.id else "")),
        ("Expires", when(key.expires_at)),
        ("Scope", scope_words(clean(key.scope))),
        ("Allowed tools", ", ".join(clean(t) for t in key.allowed_tools) or "all"),
        ("Blocked tools", ", ".join(clean(t) for t in key.blocked_tools) or "none"),
        ("Rate limit", f"{key.rate_limit_rpm} per minute" if key.rate_limit_rpm else "none"),
        ("Hint", clean(key.hint)),
        ("Last used", when(key.last_used_at)
         + (f" ({clean(key.last_used_tool)})" if key.last_used_tool else "")),
    ]
    if key.disabled_at:
        rows.append(("Disabled", f"{when(key.disabled_at)} by {who(key.disabled_by)}"))
    if key.revoked_at:
        rows.append(("Revoked", f"{when(key.revoked_at)} by {who(key.revoked_by)}"))
    rows.append(("Version", str(key.version)))
    for label, value in rows:
        print(f"{label + ':':<15}{value}")
    if key.description:
        print("Description:")
        for line in clean(key.description, keep_newlines=True).splitlines():
            print(f"  {line}")


def print_keys_csv(keys: Any) -> None:
    import csv

    from tui_app.client.export import CSV_COLUMNS, key_to_csv_row

    writer = csv.writer(sys.stdout)
    writer.writerow(CSV_COLUMNS)
    for key in keys:
        writer.writerow(key_to_csv_row(key))
