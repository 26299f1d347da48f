"""A key's agent activity beside its details: calls per day for 30 days as a sparkline,
and its latest calls, apart from the audit events (which say what people changed).

The panel follows the highlighted key. Holding a cursor key down must not send a
request per row, so a load starts only once the cursor has rested (the exclusive
worker's first await is a short sleep: a newer key cancels it before any request).
What was loaded is kept for a short while per key, so moving back and forth costs
nothing. Once the key's activity is shown, the panel also loads its neighbours' (the
rows above and below), so a one-row move shows the next key's activity at once: one
repaint instead of a placeholder and then the data, which over a slow link is most of a
keystroke's bytes. A failed load says so in the panel; the details stay useful without
it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.text import Text
from textual import getters, work
from textual.cache import LRUCache

from tui_app.client.errors import ApiError, ServerUnreachable
from tui_app.ui.activity.render import (
    Sparkline,
    bars,
    entry_line,
    last_seen,
    usage_label,
)
from tui_app.ui.safe import safe_message
from tui_app.ui.session import SessionApp
from tui_app.ui.widgets.line_panel import LinePanel

if TYPE_CHECKING:
    # Annotations only: the models load with the client, after the first frame.
    from tui_app.domain.models import ActivityEntry, UsageDay

DAYS = 30
LATEST = 5
REST_SECONDS = 0.2  # the cursor must rest this long before a load starts
KEEP_SECONDS = 30.0  # how long a key's activity is shown again without asking
KEEP_KEYS = 100  # how many keys' activity is kept at most


@dataclass(frozen=True, slots=True)
class KeyActivity:
    usage: tuple[UsageDay, ...]
    latest: tuple[ActivityEntry, ...]
    loaded_at: float


class KeyActivityPanel(LinePanel):
    """`follow(key_id)` shows that key's activity (None: nothing). `compact` is Admin's
    one-line form: the sparkline, the totals and the last client and address, with
    `entries` latest calls under it."""

    app = getters.app(SessionApp)

    def __init__(self, *, compact: bool = False, entries: int = LATEST,
                 id: str | None = None) -> None:
        super().__init__("", id=id)
        self.compact = compact
        self.entries = entries
        self.key_id: str | None = None
        # Bounded: scrolling through thousands of keys must not keep each one's activity.
        self.cache: LRUCache[str, KeyActivity] = LRUCache(KEEP_KEYS)
        self.failed: str | None = None
        self.waiting = False  # the "loading activity…" placeholder is up

    def follow(self, key_id: str | None, neighbours: Sequence[str] = ()) -> None:
        """Show `key_id`'s activity, then have `neighbours`' ready for the next move."""
        loading = any(w.group == "key-activity" and w.is_running for w in self.workers)
        if key_id is not None and key_id == self.key_id and loading:
            return  # already on its way (the lists are shown again often)
        self.key_id = key_id
        self.failed = None
        if key_id is None:
            self.workers.cancel_group(self, "key-activity")
            self.waiting = False
            self.show("")
            return
        cached = self._fresh(key_id)
        if cached is not None:
            self._show(cached)
        else:
            # As high as what it replaces: a panel that changes height relays the whole
            # details pane out and repaints it, where same-height content costs its lines.
            self.show(Text("loading activity…" + "\n" * max(0, self.size.height - 1),
                           style="dim"))
            self.waiting = True
        wanted = [key for key in (key_id, *neighbours) if self._fresh(key) is None]
        if wanted:
            self._load(wanted)
        else:
            self.workers.cancel_group(self, "key-activity")

    def _fresh(self, key_id: str) -> KeyActivity | None:
        cached = self.cache.get(key_id)
        if cached is not None and time.monotonic() - cached.loaded_at < KEEP_SECONDS:
            return cached
        return None

    @work(exclusive=True, group="key-activity", exit_on_error=False)
    async def _load(self, key_ids: list[str]) -> None:
        """Load each key in turn (the shown one first); a newer move cancels the rest."""
        await asyncio.sleep(REST_SECONDS)
        session = self.app.session
        api = session.api
        if api is None:
            return
        for key_id in key_ids:
            try:
                usage, page = await asyncio.gather(
                    api.key_usage(key_id, days=DAYS),
                    api.key_activity(key_id, limit=LATEST))
            except ServerUnreachable as error:
                session.report(error)
                self._fail(key_id, "server unreachable")
                return
            except ApiError as error:
                self._fail(key_id, safe_message(error.message))
                continue
            loaded = KeyActivity(usage, page.items, time.monotonic())
            self.cache[key_id] = loaded
            if self.key_id == key_id:
                self._show(loaded)

    def _fail(self, key_id: str, why: str) -> None:
        if self.key_id == key_id:
            self.failed = why
            self.waiting = False
            self.show(Text(f"Activity not available: {why}", style="dim"))

    def _show(self, loaded: KeyActivity) -> None:
        self.waiting = False
        self.show(self.compact_view(loaded) if self.compact else self.full_view(loaded))

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
