"""Activity (`4`): what agents did with the keys you may see, newest first, live.

A member sees their own keys' calls, a manager their team's, an admin everyone's: the
server decides. Pages come from the server (cursor); the next one loads as the view
nears the end of what is here. While the screen is shown and the newest entries are in
view, the first page is asked for again every couple of seconds and what is newer than
the top entry goes on top (the live tail). Scrolled down, the tail pauses so the rows
being read stay put; `g` or `home` goes back to the top and it resumes. A screen that
is not shown asks for nothing.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from rich.text import Text
from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, Static
from textual.worker import Worker

from tui_app.domain.timefmt import absolute
from tui_app.ui.activity.filters import RESULTS, ActivityFilters, Resolved, resolve
from tui_app.ui.activity.table import ActivityTable
from tui_app.ui.safe import safe_text
from tui_app.ui.session import Session, SessionApp
from tui_app.ui.widgets.status_bar import StatusBar
from tui_app.ui.widgets.title_bar import TitleBar

if TYPE_CHECKING:
    from tui_app.domain.models import ActivityEntry, Me

FIRST_PAGE = 60  # a screenful at 40 lines: the first rows come sooner
PAGE = 200
POLL_SECONDS = 2.0
TYPING_PAUSE = 0.3  # a filter is applied once the typing stops this long


def seq(entry: ActivityEntry) -> int:
    """Entries are numbered in the order they were written: 'act_42' → 42."""
    try:
        return int(entry.id.removeprefix("act_"))
    except ValueError:
        return 0


class ActivityScreen(Screen[None]):
    """Agent calls of the keys you may see; filter by key, tool and result; live."""

    CSS_PATH = "activity.tcss"  # loaded when first shown, not before the first frame
    TITLE = "Activity"
    BINDINGS = [
        Binding("g", "resume_tail", "Top/live", id="activity-top",
                tooltip="Back to the newest entries; the live tail resumes"),
        Binding("k", "focus_filter('#activity-key')", "Key", id="activity-filter-key",
                tooltip="Show the calls of one key (its name or id)"),
        Binding("t", "focus_filter('#activity-tool')", "Tool", id="activity-filter-tool",
                tooltip="Show the calls of one tool"),
        Binding("f", "next_result", "Result", id="activity-filter-result",
                tooltip="Show all calls, then accepted only, then refused only"),
        Binding("r", "refresh_activity", "Refresh", id="refresh-activity",
                tooltip="Load the newest entries again"),
        Binding("escape", "focus_table", "Back to the table", show=False,
                id="activity-focus-table", tooltip="From the filter fields, back to the calls"),
    ]

    app = getters.app(SessionApp)
    table = getters.query_one("#activity-table", ActivityTable)
    entry_line = getters.query_one("#activity-entry", Static)

    def __init__(self) -> None:
        super().__init__(id="activity")
        self.filters = ActivityFilters()
        self.result_index = 0  # which of RESULTS `f` has chosen
        self.resolved = Resolved({})
        self.next_cursor: str | None = None
        self.loaded = False
        self.polls = 0  # how many times the tail asked (tests read it)
        self._generation = 0
        self._poll_timer: Timer | None = None
        self._was_live = True

    def compose(self) -> ComposeResult:
        yield TitleBar()
        with Horizontal(id="activity-filters"):
            yield Input(placeholder="key: name or id", id="activity-key", compact=True)
            yield Input(placeholder="tool", id="activity-tool", compact=True)
            # A label that `f` cycles, not a drop-down: three choices need no menu, and
            # the screen opens sooner without one.
            yield Static(self._result_label(), id="activity-result")
        yield ActivityTable(clock=self.session.clock, id="activity-table")
        yield Static("", id="activity-entry", markup=False)
        yield StatusBar(id="status-bar")
        yield Footer(compact=True, show_command_palette=False)

    @property
    def session(self) -> Session:
        return self.app.session

    def on_mount(self) -> None:
        table = self.table
        table.border_title = "Activity (loading…)"
        table.focus()
        self._poll_timer = self.set_interval(POLL_SECONDS, self._tick, pause=True)
        self.session.ready.subscribe(self, self._on_backend_ready)
        if self.session.connected and self.session.me is not None:
            self._on_backend_ready(self.session.me)

    def _on_backend_ready(self, me: Me) -> None:
        self.table.show_owner = me.user.role.sees_admin_view
        self.reload()

    def on_screen_resume(self) -> None:
        if self._poll_timer is not None:
            self._poll_timer.resume()
        if self.loaded and self.session.connected:
            self._tick()

    def on_screen_suspend(self) -> None:
        # Not shown (another screen, a modal on top): no requests at all.
        if self._poll_timer is not None:
            self._poll_timer.pause()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.session.report_worker_failure(event)  # worker events do not bubble

    # -- filters -------------------------------------------------------------------------

    def _read_filters(self) -> ActivityFilters:
        return ActivityFilters(key=self.query_one("#activity-key", Input).value,
                               tool=self.query_one("#activity-tool", Input).value,
                               result=RESULTS[self.result_index][1])

    def _result_label(self) -> Text:
        return Text.assemble(("f ", "bold"), RESULTS[self.result_index][0])

    def action_next_result(self) -> None:
        self.result_index = (self.result_index + 1) % len(RESULTS)
        self.query_one("#activity-result", Static).update(self._result_label())
        self._filters_changed()

    @on(Input.Changed)
    def _filters_changed(self) -> None:
        filters = self._read_filters()
        if filters != self.filters:
            self.filters = filters
            self.reload(delay=TYPING_PAUSE)

    @on(Input.Submitted)
    def _filter_submitted(self) -> None:
        self.table.focus()

    def action_focus_filter(self, selector: str) -> None:
        self.query_one(selector).focus()

    def action_focus_table(self) -> None:
        self.table.focus()

    # -- loading -------------------------------------------------------------------------

    def action_refresh_activity(self) -> None:
        self.reload()

    def reload(self, delay: float = 0.0) -> None:
        self._generation += 1
        self.next_cursor = None
        self._load_first(self._generation, self.filters, delay)

    @work(exclusive=True, group="activity-load", exit_on_error=False)
    async def _load_first(self, generation: int, filters: ActivityFilters,
                          delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)  # typing: only the last keystroke asks
        session = self.session
        resolved = await session.call(lambda api: resolve(api, session.me, filters),
                                      what="Finding the key")
        if resolved is None or generation != self._generation:
            return
        self.resolved = resolved
        if resolved.nothing:
            self._show_first((), None)
            return
        page = await session.call(
            lambda api: api.activity(**resolved.params, limit=FIRST_PAGE),
            what="Loading activity")
        if page is None or generation != self._generation:
            return
        self._show_first(page.items, page.next_cursor)

    def _show_first(self, items: tuple[ActivityEntry, ...], cursor: str | None) -> None:
        self.next_cursor = cursor
        self.loaded = True
        self.table.replace(items, more=cursor is not None)
        self._show_state()

    @on(ActivityTable.NeedMore)
    def _need_more(self) -> None:
        if self.next_cursor and not self._busy("activity-more"):
            self._load_more(self._generation, self.next_cursor)

    def _busy(self, group: str) -> bool:
        return any(w.group == group and w.is_running for w in self.workers)

    @work(exclusive=True, group="activity-more", exit_on_error=False)
    async def _load_more(self, generation: int, cursor: str) -> None:
        params = self.resolved.params
        page = await self.session.call(
            lambda api: api.activity(**params, limit=PAGE, cursor=cursor),
            what="Loading older activity")
        if page is None or generation != self._generation:
            return
        self.next_cursor = page.next_cursor
        self.table.append(page.items, more=page.next_cursor is not None)
        self._show_state()

    # -- the live tail -------------------------------------------------------------------

    def _tick(self) -> None:
        if (self.loaded and self.table.at_top and self.session.connected
                and not self.resolved.nothing and not self._busy("activity-load")
                and not self._busy("activity-poll")):
            self._poll(self._generation)

    @work(exclusive=True, group="activity-poll", exit_on_error=False)
    async def _poll(self, generation: int) -> None:
        self.polls += 1
        api = self.session.api
        if api is None:
            return
        try:
            page = await api.activity(**self.resolved.params, limit=FIRST_PAGE)
        except Exception:  # a missed beat: the next tick asks again; loads report errors
            return
        if generation != self._generation:
            return
        table = self.table
        top = seq(table.entries[0]) if table.entries else 0
        newer = [e for e in page.items if seq(e) > top]
        if newer and len(newer) == len(page.items) and page.next_cursor:
            # More arrived than one page holds: start again from the newest.
            self._show_first(page.items, page.next_cursor)
            return
        if newer:
            table.prepend(newer)
            self._show_state()

    def action_resume_tail(self) -> None:
        table = self.table
        table.focus()
        table.action_cursor_home()
        table.scroll_to(y=0, animate=False, immediate=True)
        self._tick()

    @on(ActivityTable.Moved)
    def _moved(self) -> None:
        live = self.table.at_top
        if live != self._was_live:
            self._was_live = live
            if live:
                self._tick()
        self._show_state()

    # -- what the screen says ------------------------------------------------------------

    def _show_state(self) -> None:
        table = self.table
        count = len(table.entries)
        table.border_title = f"Activity ({count:,}{'+' if self.next_cursor else ''})"
        if not self.loaded:
            state = "loading…"
        elif self.resolved.nothing:
            state = "no key of that name"
        elif table.at_top:
            state = "live · newest first" + (f" · {self.resolved.note}"
                                             if self.resolved.note else "")
        else:
            state = "paused — press g or home to resume"
        if self.loaded and not count and not self.resolved.nothing:
            state = "no calls match" if not self.filters.empty else "no calls yet · live"
        table.border_subtitle = state
        self.entry_line.update(self._entry_text(table.entry), layout=False)

    @staticmethod
    def _entry_text(entry: ActivityEntry | None) -> Text:
        if entry is None:
            return Text("")
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(absolute(entry.at), style="bold")
        text.append("  ")
        text.append_text(safe_text(entry.key_name or entry.key_id))
        text.append(f"  {entry.channel} ", style="dim")
        text.append_text(safe_text(entry.tool or "—"))
        text.append("  ")
        text.append_text(safe_text(entry.code))
        text.append("  ")
        text.append_text(safe_text(entry.client or "unknown client", "dim"))
        text.append(" from ", style="dim")
        text.append_text(safe_text(entry.ip or "?"))
        if entry.session_id:
            text.append("  session ", style="dim")
            text.append_text(safe_text(entry.session_id))
        return text
