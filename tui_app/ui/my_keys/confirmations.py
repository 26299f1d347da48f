"""What My keys asks before it disables, revokes or deletes a key.

Names are untrusted and go through the sanitiser; the key's hint tells two keys of the
same name apart.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from rich.text import Text

from tui_app.domain.timefmt import relative
from tui_app.ui.safe import safe_text

if TYPE_CHECKING:
    from tui_app.domain.models import AgentKey

REVOKE_WARNING = "All requests using this key will be rejected immediately. This cannot be undone."


def quoted(key: AgentKey) -> Text:
    return Text("“") + safe_text(key.name, "bold") + Text(f"” ({key.hint})")


def disable_question(key: AgentKey) -> Text:
    return Text("Disable ") + quoted(key) + Text(
        "?\n\nRequests using this key will be rejected until you enable it again.")


def revoke_question(key: AgentKey) -> Text:
    return Text("Revoke ") + quoted(key) + Text(f"?\n\n{REVOKE_WARNING}")


def used_recently(key: AgentKey, now: datetime) -> bool:
    """Used in the last 24 hours: something may still depend on it."""
    return key.last_used_at is not None and key.last_used_at > now - timedelta(hours=24)


def delete_question(key: AgentKey, now: datetime) -> Text:
    body = Text("Delete ") + quoted(key) + Text(
        "?\n\nThe key disappears from your lists; its audit entries stay.")
    if used_recently(key, now):
        body.append(
            f"\n\n! It was used {relative(key.last_used_at, now)}: "
            "something may still depend on it.", style="bold")
    return body
