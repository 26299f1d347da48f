"""The Admin triage screen: every key you may manage, filtered, sorted and paged by the
server (SPEC §4 Admin, §2 `GET /v1/admin/keys`, `POST /v1/admin/keys/bulk`).

Admins see the organisation; managers their teams' keys (the server decides; the title
says which). Members never get here: the app hides `2`, and this screen refuses politely
if opened anyway.

The table (`KeyTable`) never holds the whole set; everything that needs "every key of
the filter" — `*` marking, export — walks the server's pages in a worker. Marks are key
ids (with their names, for the confirmation), so they survive scrolling, sorting and
filter changes. Every filter or sort change cancels the loads in flight (the table's
exclusive worker) and typing is debounced.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, Select, Static

from tui_app.client.errors import ApiError, ServerUnreachable
from tui_app.client.export import count_from_totals, export_keys
from tui_app.domain.models import AgentKey, BulkResult, Me, Page
from tui_app.domain.roles import Role
from tui_app.domain.timefmt import absolute
from tui_app.ui.modals.bulk import (
    BulkResultsModal,
    ExportModal,
    ExtendDaysModal,
    bulk_confirm_body,
    bulk_confirm_title,
    default_export_path,
)
from tui_app.ui.modals.confirm import ConfirmModal
from tui_app.ui.safe import safe_message, safe_text
from tui_app.ui.widgets.key_table import SORT_KEYS, KeyTable
from tui_app.ui.widgets.title_bar import TitleBar

T = TypeVar("T")

MARK_ALL_CONFIRM_ABOVE = 10_000
BULK_CHUNK = 1000  # the server's limit per bulk request
ID_PAGE = 500
TYPING_DEBOUNCE = 0.3
STALE_FOR_TOTALS = 90
EXPIRING_FOR_TOTALS = 7


@dataclass(frozen=True, slots=True)
class Filters:
    status: str | None = None  # comma-separated statuses, None = all
    stale: str | None = None  # "30" / "90" / "365" days unused, or "never"
    expiring: int | None = None  # days
    owner: str = ""
    team: str = ""
    q: str = ""

    def params(self) -> dict[str, Any]:
        """The filters as `ApiClient.admin_list_keys` keyword arguments."""
        params: dict[str, Any] = {
            "status": self.status,
            "owner": self.owner.strip() or None,
            "team": self.team.strip() or None,
            "q": self.q.strip() or None,
            "expiring_within_days": self.expiring,
        }
        if self.stale == "never":
            params["never_used"] = True
        elif self.stale:
            params["stale_days"] = int(self.stale)
        return {k: v for k, v in params.items() if v is not None}


@dataclass(frozen=True, slots=True)
class Preset:
    label: str
    filters: Filters


PRESETS = (
    Preset("All", Filters()),
    Preset("Stale 90 d", Filters(status="active,inactive", stale="90")),
    Preset("Never used", Filters(status="active,inactive", stale="never")),
    Preset("Expiring 7 d", Filters(status="active,inactive", expiring=7)),
    Preset("Expired", Filters(status="expired")),
    Preset("Revoked", Filters(status="revoked")),
)

STATUS_OPTIONS = [
    ("Any status", "all"), ("Active", "active"), ("Inactive", "inactive"),
    ("Expired", "expired"), ("Revoked", "revoked"), ("Not revoked", "active,inactive,expired"),
    ("Active+inactive", "active,inactive"),
]
STALE_OPTIONS = [
    ("Any use", "any"), ("Unused 30 d", "30"), ("Unused 90 d", "90"),
    ("Unused 365 d", "365"), ("Never used", "never"),
]
EXPIRING_OPTIONS = [("Any expiry", "any"), ("Expiring 7 d", "7"), ("Expiring 30 d", "30")]


class AdminScreen(Screen[None]):
    """Triage every key you may manage."""

    CSS_PATH = "admin.tcss"  # loaded when first shown, not before the first frame

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "table('toggle_mark')", "Mark", id="admin-mark",
                tooltip="Mark or unmark the highlighted key (marks survive filters)"),
        Binding("u", "table('clear_marks')", "Clear marks", id="admin-clear-marks",
                tooltip="Unmark every key"),
        # k9s style: Shift+letter sorts by a column; the same key again flips the order.
        *(
            Binding(letter, f"table('sort(\"{key}\")')",
                    "Sort" if letter == "N" else f"Sort by {key.replace('_at', '')}",
                    show=letter == "N", key_display="⇧N/O/S/C/E/L" if letter == "N" else None,
                    id=f"admin-sort-{key.replace('_', '-')}",
                    tooltip=f"Sort by {key.replace('_', ' ')}; again to reverse"
                    if letter != "N" else "Shift+N name, O owner, S status, C created, "
                    "E expires, L last used; the same key again reverses")
            for letter, key in SORT_KEYS.items()
        ),
        Binding("slash", "focus_search", "Filter", key_display="/", id="admin-filter",
                tooltip="Free-text filter on names and descriptions"),
        Binding("p", "next_preset", "Preset", id="admin-preset",
                tooltip="Cycle the triage presets: all, stale, never used, expiring, …"),
        Binding("asterisk", "mark_all", "Mark all", key_display="*", id="admin-mark-all",
                tooltip="Mark every key matching the filter (not only those on screen)"),
        Binding("R", "bulk('revoke')", "Revoke", id="admin-revoke",
                tooltip="Revoke the marked keys (or the highlighted one)"),
        Binding("d", "bulk('disable')", "Disable", id="admin-disable",
                tooltip="Disable the marked keys (or the highlighted one)"),
        Binding("a", "bulk('enable')", "Enable", id="admin-enable",
                tooltip="Enable the marked keys (or the highlighted one)"),
        Binding("e", "bulk('extend')", "Extend", id="admin-extend",
                tooltip="Extend the expiry of the marked keys (or the highlighted one)"),
        Binding("x", "export", "Export", id="admin-export",
                tooltip="Export the current filter to CSV or JSON"),
        Binding("r", "refresh", "Refresh", id="admin-refresh", tooltip="Reload from the server"),
        Binding("escape", "focus_table", "Table", show=False, id="admin-focus-table"),
    ]

    AUTO_FOCUS = "#admin-table"

    def __init__(self) -> None:
        super().__init__(id="admin")
        self.filters = Filters()
        self.preset_index = 0
        self.totals: dict[str, int] | None = None
        self.stale_count: int | None = None
        self.expiring_count: int | None = None
        self.progress_text = ""
        self.last_export: Path | None = None
        self._debounce: Timer | None = None
        self._syncing_widgets = False
        self._ready = False
        self._refused = False
        self._query_serial = 0  # which query the totals belong to

    # -- layout ----------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield TitleBar()
        with Vertical(id="admin-body"):
            yield Static("", id="admin-title")
            with Horizontal(id="admin-filters"):
                yield Select(STATUS_OPTIONS, value="all", allow_blank=False, compact=True,
                             id="admin-status")
                yield Select(STALE_OPTIONS, value="any", allow_blank=False, compact=True,
                             id="admin-stale")
                yield Select(EXPIRING_OPTIONS, value="any", allow_blank=False, compact=True,
                             id="admin-expiring")
                yield Input(placeholder="owner", compact=True, id="admin-owner")
                yield Input(placeholder="team", compact=True, id="admin-team")
                yield Input(placeholder="/ search", compact=True, id="admin-search")
            yield Static("", id="admin-totals")
            yield KeyTable(clock=self._clock, id="admin-table")
            yield Static("", id="admin-details")
        yield Static("", id="admin-refused")
        if hasattr(self.app, "status"):  # the shell's status bar watches app.status
            from tui_app.ui.widgets.status_bar import StatusBar

            yield StatusBar(id="status-bar")
        yield Footer()

    def _clock(self) -> Any:
        return self.app.clock()  # type: ignore[attr-defined]

    @property
    def table(self) -> KeyTable:
        return self.query_one("#admin-table", KeyTable)

    def on_mount(self) -> None:
        self.query_one("#admin-refused").display = False
        ready = getattr(self.app, "backend_ready", None)
        if ready is not None:
            ready.subscribe(self, self._on_backend_ready)
        me = getattr(self.app, "me", None)
        if me is not None and getattr(self.app, "api", None) is not None:
            self._on_backend_ready(me)
        else:
            self._show_title()

    def _on_backend_ready(self, me: Me) -> None:
        if not me.user.role.sees_admin_view:
            self._refuse()
            return
        first = not self._ready
        self._ready = True
        self._show_title()
        if first:
            self.reload()
        else:
            self.reload(keep_position=True)

    def _refuse(self) -> None:
        self._refused = True
        self.query_one("#admin-body").display = False
        refused = self.query_one("#admin-refused", Static)
        refused.display = True
        refused.update("The Admin screen is for managers and admins. "
                       "Press 1 for your own keys.")

    def _show_title(self) -> None:
        me: Me | None = getattr(self.app, "me", None)
        if me is None:
            scope = "Connecting…"
        elif me.user.role is Role.ADMIN:
            scope = "All keys in the organisation"
        else:
            teams = ", ".join(me.user.teams)
            scope = "Your teams' keys" + (f" ({teams})" if teams else "")
        title = Text(scope, style="bold")
        title.append(f"  ·  preset: {PRESETS[self.preset_index].label}", style="dim")
        if not self._preset_matches():
            title.append(" (changed)", style="dim")
        self.query_one("#admin-title", Static).update(title, layout=False)

    def _preset_matches(self) -> bool:
        return PRESETS[self.preset_index].filters == self.filters

    # -- querying --------------------------------------------------------------

    def query_params(self) -> dict[str, Any]:
        """Filters and sort, as admin_list_keys keyword arguments (export uses the same)."""
        table = self.table
        return {**self.filters.params(), "sort": table.sort, "order": table.order}

    def _fetcher(self) -> Callable[[str | None, int, bool], Awaitable[Page[AgentKey]]]:
        params = self.query_params()
        reverse = {**params, "order": "asc" if params["order"] == "desc" else "desc"}
        api = self.app.api  # type: ignore[attr-defined]

        async def fetch(cursor: str | None, limit: int, tail: bool) -> Page[AgentKey]:
            page: Page[AgentKey] = await api.admin_list_keys(
                **(reverse if tail else params), cursor=cursor, limit=limit)
            return page

        return fetch

    def reload(self, *, keep_position: bool = False) -> None:
        """Show the current filters and sort; cancels whatever was loading."""
        if not self._ready or self._refused:
            return
        table = self.table
        row = table.cursor_row
        self.totals = None
        self.stale_count = self.expiring_count = None
        self._query_serial += 1
        self.workers.cancel_group(self, "admin-totals")
        table.reset(self._fetcher())
        if keep_position and row:
            table.cursor_row = row
        self._show_title()
        self._show_totals()

    @on(KeyTable.PageLoaded)
    def _page_loaded(self, event: KeyTable.PageLoaded) -> None:
        # Counting starts once the first rows are in: the counts (three COUNT queries over
        # the whole filter) must not delay them.
        if event.first_page:
            self.call_after_refresh(self._load_totals, self._query_serial)

    @work(exclusive=True, group="admin-totals", exit_on_error=False)
    async def _load_totals(self, serial: int) -> None:
        api = self.app.api  # type: ignore[attr-defined]
        base = self.filters.params()

        async def count(extra: dict[str, Any]) -> Page[AgentKey]:
            page: Page[AgentKey] = await api.admin_list_keys(
                **{**base, **extra}, limit=1, include_totals=True)
            return page

        stale_extra: dict[str, Any] = {"stale_days": STALE_FOR_TOTALS}
        expiring_extra: dict[str, Any] = {"expiring_within_days": EXPIRING_FOR_TOTALS}
        try:
            main, stale, expiring = await asyncio.gather(
                count({}), count(stale_extra), count(expiring_extra))
        except (ApiError, ServerUnreachable):
            return  # the table's own load reports the failure
        if serial != self._query_serial:
            return  # a newer query took over while these counts were on their way
        self.totals = main.totals
        self.stale_count = count_from_totals(stale.totals, base.get("status"))
        self.expiring_count = count_from_totals(expiring.totals, base.get("status"))
        self.table.set_total(count_from_totals(main.totals, base.get("status")))
        self._show_totals()

    def _show_totals(self) -> None:
        """Count, marks and progress first (they must show at 80 columns), then detail."""
        line = Text(no_wrap=True, overflow="ellipsis")
        totals = self.totals
        if totals is None:
            line.append("counting…", style="dim")
        else:
            count = count_from_totals(totals, self.filters.status)
            line.append(f"{count or 0:,} keys", style="bold")
        line.append_text(self._marks_text())
        if self.progress_text:
            line.append(f"  {self.progress_text}", style="bold italic")
        if totals is not None:
            chosen = (self.filters.status or "all").split(",")
            for status in ("active", "inactive", "expired", "revoked"):
                if status in chosen or "all" in chosen:
                    line.append(f" · {totals.get(status, 0):,} {status}")
            if self.stale_count is not None:
                line.append(f" · {self.stale_count:,} stale {STALE_FOR_TOTALS} d")
            if self.expiring_count is not None:
                line.append(f" · {self.expiring_count:,} expiring {EXPIRING_FOR_TOTALS} d")
        self.query_one("#admin-totals", Static).update(line, layout=False)

    def _marks_text(self) -> Text:
        marks = len(self.table.marks)
        marked = Text(" ")
        marked.append(f"({marks:,} marked)", style="bold reverse" if marks else "dim")
        return marked

    def _set_progress(self, text: str) -> None:
        self.progress_text = text
        self._show_totals()

    # -- filters ---------------------------------------------------------------

    def _read_widgets(self) -> Filters:
        status = self.query_one("#admin-status", Select).value
        stale = self.query_one("#admin-stale", Select).value
        expiring = self.query_one("#admin-expiring", Select).value
        return Filters(
            status=None if status in ("all", Select.BLANK) else str(status),
            stale=None if stale in ("any", Select.BLANK) else str(stale),
            expiring=None if expiring in ("any", Select.BLANK) else int(str(expiring)),
            owner=self.query_one("#admin-owner", Input).value,
            team=self.query_one("#admin-team", Input).value,
            q=self.query_one("#admin-search", Input).value,
        )

    def apply_filters(self, filters: Filters) -> None:
        """Set the filter widgets and reload (presets and tests use this)."""
        self._syncing_widgets = True
        try:
            self._select("#admin-status", STATUS_OPTIONS, filters.status or "all",
                         (filters.status or "").replace(",", "+"))
            self._select("#admin-stale", STALE_OPTIONS, filters.stale or "any",
                         f"Unused {filters.stale} d")
            self._select("#admin-expiring", EXPIRING_OPTIONS,
                         str(filters.expiring) if filters.expiring else "any",
                         f"Expiring {filters.expiring} d")
            self.query_one("#admin-owner", Input).value = filters.owner
            self.query_one("#admin-team", Input).value = filters.team
            self.query_one("#admin-search", Input).value = filters.q
        finally:
            # Widgets post Changed events later: ignore those from this programmatic set.
            self.call_after_refresh(self._end_sync)
        self.filters = filters
        self._cancel_debounce()
        self.reload()

    def _select(self, selector: str, options: list[tuple[str, str]], value: str,
                label: str) -> None:
        """Set a filter select, adding the value as an option if it is not one yet (a
        combination of statuses, or a number of days the presets do not offer)."""
        select: Select[str] = self.query_one(selector, Select)
        if value not in {v for _, v in options}:
            select.set_options([*options, (label, value)])
        select.value = value

    def _end_sync(self) -> None:
        self._syncing_widgets = False

    def _filters_changed(self, delay: float) -> None:
        if self._syncing_widgets:
            return
        self._cancel_debounce()
        self._debounce = self.set_timer(delay, self._apply_widget_filters)

    def _cancel_debounce(self) -> None:
        if self._debounce is not None:
            self._debounce.stop()
            self._debounce = None

    def _apply_widget_filters(self) -> None:
        self._debounce = None
        filters = self._read_widgets()
        if filters != self.filters:
            self.filters = filters
            self.reload()

    @on(Select.Changed)
    def _select_changed(self, event: Select.Changed) -> None:
        event.stop()
        self._filters_changed(0.01)  # coalesces the events of one change

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._filters_changed(TYPING_DEBOUNCE)

    @on(Input.Submitted)
    def _input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._cancel_debounce()
        self._apply_widget_filters()
        self.table.focus()

    async def action_table(self, action: str) -> None:
        """Run a table action from the screen's keys (marks, sorting)."""
        if self._ready and not self._refused:
            await self.table.run_action(action)

    def action_focus_search(self) -> None:
        self.query_one("#admin-search", Input).focus()

    def action_focus_table(self) -> None:
        self.table.focus()

    def action_next_preset(self) -> None:
        self.preset_index = (self.preset_index + 1) % len(PRESETS)
        self.apply_filters(PRESETS[self.preset_index].filters)
        self.notify(f"Preset: {PRESETS[self.preset_index].label}", markup=False, timeout=2)

    def action_refresh(self) -> None:
        self.reload(keep_position=True)

    # -- table events ----------------------------------------------------------

    @on(KeyTable.SortChanged)
    def _sort_changed(self, event: KeyTable.SortChanged) -> None:
        self.reload()

    @on(KeyTable.MarksChanged)
    def _marks_changed(self, event: KeyTable.MarksChanged) -> None:
        self._show_totals()

    @on(KeyTable.Highlighted)
    def _highlighted(self, event: KeyTable.Highlighted) -> None:
        self.query_one("#admin-details", Static).update(self._details(event.key), layout=False)

    @on(KeyTable.LoadFailed)
    def _load_failed(self, event: KeyTable.LoadFailed) -> None:
        self._report(event.error, "Loading keys")

    def _report(self, error: Exception, what: str) -> None:
        if isinstance(error, ServerUnreachable) and hasattr(self.app, "mark_unreachable"):
            self.app.mark_unreachable(error)
        elif isinstance(error, ApiError) and hasattr(self.app, "report_api_error"):
            self.app.report_api_error(error, what=what)
        else:
            self.notify(f"{what} failed: {safe_message(error)}", severity="error",
                        markup=False, timeout=8)

    def _details(self, key: AgentKey | None) -> Text:
        if key is None:
            return Text("No key highlighted." if self.table.row_count == 0 else "loading…",
                        style="dim")
        # Five lines, each cut with an ellipsis rather than wrapped: the panel never grows.
        text = Text(no_wrap=True, overflow="ellipsis")

        def field(label: str, value: Text | str, end: str = "   ") -> None:
            text.append(f"{label}: ", style="bold")
            text.append_text(value if isinstance(value, Text) else Text(value))
            text.append(end)

        reason = (key.status_reason or "").replace("_", " ")
        status = str(key.status) + (f" ({reason})" if reason and reason != str(key.status)
                                    else "")
        field("Name", safe_text(key.name))
        field("Status", status)
        field("Id", key.id, "\n")
        field("Owner", safe_text(f"{key.owner.name} <{key.owner.email}>"))
        created_by = (key.created_by.name or key.created_by.email) if key.created_by else "—"
        field("Created by", safe_text(created_by), "\n")
        field("Created", absolute(key.created_at))
        field("Expires", absolute(key.expires_at))
        last = absolute(key.last_used_at)
        field("Last used", safe_text(last + (f" ({key.last_used_tool})"
                                             if key.last_used_tool else "")), "\n")
        field("Scope", key.scope)
        field("Rate limit", f"{key.rate_limit_rpm}/min" if key.rate_limit_rpm else "none")
        field("Tools", safe_text(" ".join(key.allowed_tools) or "all"))
        field("Blocked", safe_text(" ".join(key.blocked_tools) or "none"), "\n")
        field("Description", safe_text(key.description or "—"), "")
        return text

    # -- marks -----------------------------------------------------------------

    async def _call(self, call: Callable[[], Awaitable[T]], what: str) -> T | None:
        try:
            return await call()
        except (ApiError, ServerUnreachable) as error:
            self._report(error, what)
            return None

    def action_mark_all(self) -> None:
        if self._ready and not self._refused:
            self._mark_all(self.filters.params())

    @work(exclusive=True, group="admin-mark-all", exit_on_error=False)
    async def _mark_all(self, params: dict[str, Any]) -> None:
        """Mark every key matching the filter, walking the server's pages for ids."""
        api = self.app.api  # type: ignore[attr-defined]
        first = await self._call(
            lambda: api.admin_list_keys(**params, limit=ID_PAGE, include_totals=True),
            "Marking keys")
        if first is None:
            return
        total = count_from_totals(first.totals, params.get("status"))
        if total is not None and total > MARK_ALL_CONFIRM_ABOVE:
            confirmed = await self.app.push_screen_wait(ConfirmModal(
                f"Mark {total:,} keys?",
                f"The current filter matches {total:,} keys. Marking them all fetches "
                f"every id from the server.",
                "Mark all", destructive=False))
            if not confirmed:
                return
        found: dict[str, str] = {}
        page: Page[AgentKey] | None = first
        try:
            while page is not None:
                found.update((key.id, key.name) for key in page.items)
                self._set_progress(f"marking… {len(found):,}"
                                   + (f" / {total:,}" if total is not None else ""))
                cursor = page.next_cursor
                if not cursor or not page.items:
                    break
                page = await self._call(
                    partial(api.admin_list_keys, **params, limit=ID_PAGE, cursor=cursor),
                    "Marking keys")
        finally:
            self._set_progress("")
        marks = self.table.marks
        added = len(set(found) - set(marks))
        marks.update(found)
        self.table.set_marks(marks)
        self.notify(f"Marked {added:,} more keys ({len(marks):,} marked).", markup=False,
                    timeout=4)

    # -- bulk actions ----------------------------------------------------------

    def _targets(self) -> dict[str, str]:
        if self.table.marks:
            return dict(self.table.marks)
        key = self.table.highlighted
        return {key.id: key.name} if key is not None else {}

    def action_bulk(self, action: str) -> None:
        if not self._ready or self._refused:
            return
        targets = self._targets()
        if not targets:
            self.notify("Mark keys with space (or * for the whole filter) first.",
                        markup=False, timeout=4)
            return
        self._run_bulk(action, targets)

    @work(exclusive=True, group="admin-bulk", exit_on_error=False)
    async def _run_bulk(self, action: str, targets: dict[str, str]) -> None:
        days: int | None = None
        if action == "extend":
            days = await self.app.push_screen_wait(ExtendDaysModal())
            if days is None:
                return
        names = list(targets.values())
        confirmed = await self.app.push_screen_wait(ConfirmModal(
            bulk_confirm_title(action, len(targets), days),
            bulk_confirm_body(action, names, len(targets)),
            bulk_confirm_title(action, len(targets), days).rstrip("?"),
            destructive=action in ("revoke", "disable"),
        ))
        if not confirmed:
            return
        api = self.app.api  # type: ignore[attr-defined]
        ids = list(targets)
        results: list[BulkResult] = []
        for start in range(0, len(ids), BULK_CHUNK):
            chunk = ids[start : start + BULK_CHUNK]
            self._set_progress(f"{action}… {start:,} / {len(ids):,}")
            answer = await self._call(partial(api.bulk, action, chunk, days=days),
                                      action.capitalize())
            if answer is None:
                break
            results.extend(answer)
        self._set_progress("")
        if not results:
            return
        done = {r.id for r in results if r.ok}
        # Keys that worked leave the marks; failures stay marked to look at again.
        self.table.set_marks({i: n for i, n in self.table.marks.items() if i not in done})
        self.reload(keep_position=True)
        await self.app.push_screen_wait(BulkResultsModal(action, results, targets))

    # -- export ----------------------------------------------------------------

    def action_export(self) -> None:
        if self._ready and not self._refused:
            self._export()

    @work(exclusive=True, group="admin-export", exit_on_error=False)
    async def _export(self) -> None:
        today = self._clock().date()
        count = count_from_totals(self.totals, self.filters.status) if self.totals else None
        request = await self.app.push_screen_wait(
            ExportModal(default_export_path(today), count))
        if request is None:
            return
        if request.path.exists():
            overwrite = await self.app.push_screen_wait(ConfirmModal(
                "Replace the file?", Text.assemble(
                    safe_text(str(request.path)), " exists. Replace it with the export?"),
                "Replace"))
            if not overwrite:
                return
        params = self.query_params()

        def progress(done: int, total: int | None) -> None:
            self._set_progress(f"exporting… {done:,}" + (f" / {total:,}" if total else ""))

        try:
            written = await export_keys(self.app.api, params, request.path,  # type: ignore[attr-defined]
                                        request.fmt, progress)
        except (ApiError, ServerUnreachable) as error:
            self._report(error, "Export")
            return
        except OSError as error:
            self.notify(f"Export failed: {safe_message(error.strerror or error)}",
                        severity="error", markup=False, timeout=8)
            return
        finally:
            self._set_progress("")
        self.last_export = request.path
        self.notify(f"Exported {written:,} keys to {safe_message(str(request.path))}.",
                    markup=False, timeout=6)
