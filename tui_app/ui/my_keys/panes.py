"""What the two panes of My keys show: which keys, in which order, under which titles.

Plain values, no Textual: the screen hands the lists to its KeyLists and the words to
their borders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from tui_app.domain.expiry import is_expiring_soon
from tui_app.domain.status import KeyStatus

if TYPE_CHECKING:
    from tui_app.domain.models import AgentKey


def matches(key: AgentKey, needle: str) -> bool:
    haystack = " ".join(
        (key.name, key.description, key.id, key.hint, *key.allowed_tools, *key.blocked_tools)
    ).casefold()
    return needle in haystack


@dataclass(frozen=True, slots=True)
class Panes:
    """The keys of each pane, in order, and the words around them."""

    active: list[AgentKey]
    inactive: list[AgentKey]
    active_title: str
    inactive_title: str
    active_subtitle: str
    inactive_subtitle: str
    sub_title: str  # the screen's: a warning when keys expire soon


def panes(keys: list[AgentKey], filter_text: str, now: datetime) -> Panes:
    """Active keys soonest to expire first; inactive ones most recently ended first."""
    needle = filter_text.casefold().strip()
    shown = [k for k in keys if not needle or matches(k, needle)]
    active = sorted(
        (k for k in shown if k.status is KeyStatus.ACTIVE),
        key=lambda k: (k.expires_at is None, k.expires_at or k.created_at, k.name.casefold()),
    )
    inactive = sorted(
        (k for k in shown if k.status is not KeyStatus.ACTIVE),
        key=lambda k: -(k.revoked_at or k.disabled_at or k.expires_at
                        or k.created_at).timestamp(),
    )
    total_active = sum(1 for k in keys if k.status is KeyStatus.ACTIVE)
    total_inactive = len(keys) - total_active
    soon = sum(1 for k in keys if is_expiring_soon(k.status, k.expires_at, now))
    filtered = bool(needle)
    active_title = (
        f"Active ({len(active)} of {total_active})" if filtered else f"Active ({total_active})"
    ) + (f" · {soon} expiring soon" if soon else "")
    inactive_title = (
        f"Inactive ({len(inactive)} of {total_inactive})" if filtered
        else f"Inactive ({total_inactive})"
    )
    return Panes(
        active=active,
        inactive=inactive,
        active_title=active_title,
        inactive_title=inactive_title,
        active_subtitle="" if active else (
            "no matches" if filtered else "no active keys — n creates one"),
        inactive_subtitle="" if inactive or not filtered else "no matches",
        sub_title=(
            (f"! {soon} keys expire within 7 days" if soon > 1
             else "! 1 key expires within 7 days") if soon else ""
        ),
    )
