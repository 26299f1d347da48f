"""The line under the People table: the highlighted person, in full."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from tui_app.domain.models import User
from tui_app.domain.timefmt import relative
from tui_app.ui.safe import safe_text


def details_text(user: User | None, now: datetime, *, empty: bool = False) -> Text:
    if user is None:
        return Text("Nobody matches." if empty else "", style="dim")
    text = safe_text(user.name, "bold")
    text.append_text(safe_text(f" <{user.email}>"))
    text.append(f" · {user.role.value}")
    if not user.active:
        text.append(" · deactivated", style="yellow")
    text.append(" · teams: ")
    text.append_text(safe_text(", ".join(user.teams) or "none"))
    text.append("\n")
    working, total = user.active_keys or 0, user.keys or 0
    text.append(f"{working} of {total} key{'' if total == 1 else 's'} working", style="dim")
    if user.last_used_at is not None:
        text.append(f" · last used {relative(user.last_used_at, now)}", style="dim")
    if user.created_at is not None:
        text.append(f" · added {user.created_at:%Y-%m-%d}", style="dim")
    return text
