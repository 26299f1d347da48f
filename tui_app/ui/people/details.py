"""What the People screen says around its table: the title line with the preset, and
the highlighted person in full under the table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.text import Text

from tui_app.domain.models import Me, User
from tui_app.domain.roles import Role
from tui_app.domain.timefmt import relative
from tui_app.ui.safe import safe_text

# The presets `p` cycles through: a label and the listing's filters.
PRESETS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("everyone", {}),
    ("active", {"active": True}),
    ("deactivated", {"active": False}),
    ("admins", {"role": "admin"}),
    ("managers", {"role": "manager"}),
    ("service accounts", {"role": "service"}),
)


def title_text(me: Me | None, preset: str) -> Text:
    if me is None:
        text = "People"
    elif me.user.role is Role.ADMIN:
        text = f"People · {preset} · n add · e edit · d (de)activate · t login token"
    else:
        text = f"People of your teams · {preset} · read-only"
    return Text(text, style="bold")


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
