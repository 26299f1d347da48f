"""A key's agent activity beside its details: calls per day for 30 days as a sparkline,
and its latest calls, apart from the audit events (which say what people changed).

It follows the highlighted key as every details panel does (widgets/key_panel.py: loaded
once the cursor rests, the neighbouring rows' too, kept a short while).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.text import Text

from tui_app.ui.activity.render import (
    Sparkline,
    bars,
    entry_line,
    last_seen,
    usage_label,
)
from tui_app.ui.widgets.key_panel import KeyPanel

if TYPE_CHECKING:
    # Annotations only: the models load with the client, after the first frame.
    from tui_app.client.api import ApiClient
    from tui_app.domain.models import ActivityEntry, UsageDay

DAYS = 30
LATEST = 5


@dataclass(frozen=True, slots=True)
class KeyActivity:
    usage: tuple[UsageDay, ...]
    latest: tuple[ActivityEntry, ...]


class KeyActivityPanel(KeyPanel[KeyActivity]):
    """A key's activity. `compact` is Admin's one-line form: the sparkline, the totals
    and the last client and address, with `entries` latest calls under it."""

    def __init__(self, *, compact: bool = False, entries: int = LATEST,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.compact = compact
        self.entries = entries

    async def fetch(self, api: ApiClient, key_id: str) -> KeyActivity:
        usage, page = await asyncio.gather(
            api.key_usage(key_id, days=DAYS), api.key_activity(key_id, limit=LATEST))
        return KeyActivity(usage, page.items)

    def placeholder(self) -> RenderableType:
        # As high as what it replaces: a panel that changes height relays the whole
        # details pane out and repaints it, where same-height content costs its lines.
        return Text("loading activity…" + "\n" * max(0, self.size.height - 1), style="dim")

    def failure(self, why: str) -> RenderableType:
        return Text(f"Activity not available: {why}", style="dim")

    def draw(self, loaded: KeyActivity) -> RenderableType:
        return self.compact_view(loaded) if self.compact else self.full_view(loaded)

    def full_view(self, loaded: KeyActivity) -> RenderableType:
        now = self.app.session.clock()
        lines: list[RenderableType] = [usage_label(loaded.usage), Sparkline(loaded.usage)]
        if not loaded.latest:
            lines.append(Text("no calls yet", style="dim"))
        lines += [entry_line(entry, now) for entry in loaded.latest[: self.entries]]
        return Group(*lines)

    def compact_view(self, loaded: KeyActivity) -> RenderableType:
        now = self.app.session.clock()
        head = Text(no_wrap=True, overflow="ellipsis")
        head.append_text(bars(loaded.usage))
        head.append(" ")
        head.append_text(usage_label(loaded.usage))
        head.append("   Last client: ", style="bold")
        head.append_text(last_seen(loaded.latest[0] if loaded.latest else None))
        lines: list[RenderableType] = [head]
        lines += [entry_line(entry, now) for entry in loaded.latest[: self.entries]]
        return Group(*lines)
