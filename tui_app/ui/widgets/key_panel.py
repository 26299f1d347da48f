"""A details panel that shows what the server says about the highlighted key (its agent
activity, its recent changes), loaded when the cursor rests.

Holding a cursor key down must not send a request per row, so a load starts only once
the cursor has rested (the exclusive worker's first await is a short sleep: a newer key
cancels it before any request). What was loaded is kept for a short while per key, for
a bounded number of keys, so moving back and forth costs nothing. Once the key's data is
shown, the panel also loads its neighbours' (the rows above and below), so a one-row
move shows the next key's at once: one repaint instead of a placeholder and then the
data, which over a slow link is most of a keystroke's bytes. A failed load says so in
the panel; the details stay useful without it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar, Generic, TypeVar

from rich.console import RenderableType
from rich.text import Text
from textual import getters, work
from textual.cache import LRUCache

from tui_app.client.errors import ApiError, ServerUnreachable
from tui_app.ui.safe import safe_message
from tui_app.ui.session import SessionApp
from tui_app.ui.widgets.line_panel import LinePanel

if TYPE_CHECKING:
    from tui_app.client.api import ApiClient

LoadedT = TypeVar("LoadedT")  # what one key's load gives

REST_SECONDS = 0.2  # the cursor must rest this long before a load starts


class KeyPanel(LinePanel, Generic[LoadedT]):
    """`follow(key_id, neighbours)` shows that key's data (None: nothing). A subclass
    says how one key's data is fetched and drawn, and what stands in while it loads."""

    app = getters.app(SessionApp)

    KEEP_SECONDS: ClassVar[float] = 30.0  # how long a key's data is shown again unasked
    KEEP_KEYS: ClassVar[int] = 100  # scrolling through thousands of keys keeps this many

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.key_id: str | None = None
        self.cache: LRUCache[str, tuple[float, LoadedT]] = LRUCache(self.KEEP_KEYS)
        self.failed: str | None = None
        self.waiting = False  # the placeholder is up

    # -- what a subclass says ------------------------------------------------------------

    async def fetch(self, api: ApiClient, key_id: str) -> LoadedT:
        raise NotImplementedError

    def draw(self, loaded: LoadedT) -> RenderableType:
        raise NotImplementedError

    def placeholder(self) -> RenderableType:
        """What stands while the key's data loads."""
        raise NotImplementedError

    def failure(self, why: str) -> RenderableType:
        return Text(f"Not available: {why}", style="dim")

    # -- following the cursor ------------------------------------------------------------

    def follow(self, key_id: str | None, neighbours: Sequence[str] = ()) -> None:
        """Show `key_id`'s data, then have `neighbours`' ready for the next move."""
        loading = any(w.group == "key-panel" and w.is_running for w in self.workers)
        if key_id is not None and key_id == self.key_id and loading:
            return  # already on its way (the lists are shown again often)
        self.key_id = key_id
        self.failed = None
        if key_id is None:
            self.workers.cancel_group(self, "key-panel")
            self.waiting = False
            self.show("")
            return
        cached = self._fresh(key_id)
        if cached is not None:
            self._show(cached)
        else:
            self.show(self.placeholder())
            self.waiting = True
        wanted = [key for key in (key_id, *neighbours) if self._fresh(key) is None]
        if wanted:
            self._load(wanted)
        else:
            self.workers.cancel_group(self, "key-panel")

    def forget(self) -> None:
        """The keys changed (a reload): ask the server again, loads under way too."""
        self.cache.clear()
        self.workers.cancel_group(self, "key-panel")

    def _fresh(self, key_id: str) -> LoadedT | None:
        cached = self.cache.get(key_id)
        if cached is not None and time.monotonic() - cached[0] < self.KEEP_SECONDS:
            return cached[1]
        return None

    @work(exclusive=True, group="key-panel", exit_on_error=False)
    async def _load(self, key_ids: list[str]) -> None:
        """Load each key in turn (the shown one first); a newer move cancels the rest."""
        await asyncio.sleep(REST_SECONDS)
        session = self.app.session
        api = session.api
        if api is None:
            return
        for key_id in key_ids:
            try:
                loaded = await self.fetch(api, key_id)
            except ServerUnreachable as error:
                session.report(error)
                self._fail(key_id, "server unreachable")
                return
            except ApiError as error:
                self._fail(key_id, safe_message(error.message))
                continue
            self.cache[key_id] = (time.monotonic(), loaded)
            if self.key_id == key_id:
                self._show(loaded)

    def _fail(self, key_id: str, why: str) -> None:
        if self.key_id == key_id:
            self.failed = why
            self.waiting = False
            self.show(self.failure(why))

    def _show(self, loaded: LoadedT) -> None:
        self.waiting = False
        self.show(self.draw(loaded))
