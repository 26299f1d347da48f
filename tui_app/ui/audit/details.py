"""The highlighted audit event in full, under the table: who did what to which key, and
for an edit or an extension what each field was before and after.

Names, descriptions and people are untrusted text (sanitised); times recorded as
RFC 3339 are shown like every absolute time in the app.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

from tui_app.domain.clock import parse_rfc3339
from tui_app.domain.models import AuditEvent
from tui_app.domain.timefmt import absolute
from tui_app.ui.safe import safe_text

FIELD_NAMES = {"name": "Name", "description": "Description", "expires_at": "Expires"}
MAX_CHANGES = 3  # the panel stays a few lines high at 80x24


def _value(field: str, value: Any) -> Text:
    if value is None:
        return Text("never" if field == "expires_at" else "—", style="dim")
    if field.endswith("_at") and isinstance(value, str):
        try:
            return Text(absolute(parse_rfc3339(value)))
        except ValueError:
            pass
    return safe_text(value if isinstance(value, str) else str(value))


def event_details(event: AuditEvent | None) -> Text:
    if event is None:
        return Text("No event highlighted.", style="dim")
    text = Text()  # wraps: at 80 columns the key's id and the time take a second line
    text.append_text(safe_text(event.action, "bold"))
    text.append("  ")
    text.append_text(safe_text(event.key_name or event.key_id or "—"))
    if event.key_id and event.key_name:
        text.append(f" ({event.key_id})", style="dim")
    text.append("  by ")
    actor = event.actor
    text.append_text(safe_text((actor.name or actor.email) if actor else "—"))
    text.append(f" via {event.source}, {absolute(event.at)}", style="dim")
    before = event.details.get("before")
    after = event.details.get("after")
    if isinstance(before, dict) and isinstance(after, dict):
        for field in list(after)[:MAX_CHANGES]:
            text.append("\n")
            text.append_text(safe_text(f"{FIELD_NAMES.get(field, field)}: ", "bold"))
            text.append_text(_value(field, before.get(field)))
            text.append(" → ")
            text.append_text(_value(field, after[field]))
    return text
