"""The Admin triage screen: every key you may manage, filtered, sorted and paged by the
server (`GET /v1/admin/keys`, `POST /v1/admin/keys/bulk`).

Admins see the organisation; managers their teams' keys (the server decides, the title
says which). Members are refused politely.

The table (`KeyTable`) never holds the whole set; everything that needs "every key of
the filter" — `*` marking, export — walks the server's pages in a worker (walks.py).
Marks are key ids (with their names, for the confirmation), so they survive scrolling,
sorting and filter changes. Every filter or sort change cancels the loads in flight
(the table's exclusive worker); typing is debounced by the filter bar.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Input, Static

from tui_app.client.errors import ApiError, ServerUnreachable
from tui_app.client.export import count_from_totals, export_keys
from tui_app.domain.models import AgentKey
from tui_app.ui.admin import bulk_flow, walks
from tui_app.ui.admin.columns import SORT_KEYS
from tui_app.ui.admin.details import AdminDetails, scope_title
from tui_app.ui.admin.filter_bar import FilterBar
from tui_app.ui.admin.filters import PRESETS, Filters
from tui_app.ui.admin.key_table import KeyTable
from tui_app.ui.admin.modals import ExportModal, default_export_path
from tui_app.ui.admin.owner_suggester import OwnerSuggester
from tui_app.ui.admin.totals import Counts, count_keys, totals_line
from tui_app.ui.admin.walks import both_ways
from tui_app.ui.admin_view import AdminViewScreen
from tui_app.ui.connect.binding import CONNECT_BINDING
from tui_app.ui.modals.confirm import ConfirmModal
from tui_app.ui.safe import safe_message, safe_text

MARK_ALL_CONFIRM_ABOVE = 10_000

__all__ = ["PRESETS", "AdminScreen", "Filters"]


class AdminScreen(AdminViewScreen):
    """Triage every key you may manage."""

    CSS_PATH = "admin.tcss"  # loaded when first shown, not before the first frame
    TITLE = "Admin"
    BINDINGS: ClassVar[list[BindingType]] = [
        # htop style: space marks and moves down, so holding it marks a run of rows.
        Binding("space", "table('toggle_mark')", "Mark ↓", id="admin-mark",
                tooltip="Mark or unmark the highlighted key and move down a row "
                "(marks survive filters and sorting)"),
        Binding("u", "table('clear_marks')", "Unmark", id="admin-clear-marks",
                tooltip="Unmark every key"),
        # k9s style: Shift+letter sorts by a column; the same key again flips the order.
        *(
            Binding(letter, f"table('sort(\"{key}\")')",
                    "Sort" if letter == "N" else f"Sort by {key.replace('_at', '')}",
                    show=letter == "N", key_display="⇧N/O/S/A/E/L" if letter == "N" else None,
                    id=f"admin-sort-{key.replace('_', '-')}",
                    tooltip=f"Sort by {key.replace('_', ' ')}; again to reverse"
                    if letter != "N" else "Shift+N name, O owner, S status, A created (age), "
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
        CONNECT_BINDING,
        Binding("x", "export", "Export", id="admin-export",
                tooltip="Export the current filter to CSV or JSON"),
        Binding("r", "refresh", "Refresh", id="admin-refresh", tooltip="Reload from the server"),
        Binding("escape", "focus_table", "Back to the table", show=False,
                id="admin-focus-table", tooltip="From the filter fields, back to the keys"),
    ]

    AUTO_FOCUS = "#admin-table"

    table = getters.query_one("#admin-table", KeyTable)
    filter_bar = getters.query_one("#admin-filters", FilterBar)
    title_line = getters.query_one("#admin-title", Static)
    totals_widget = getters.query_one("#admin-totals", Static)
    details_widget = getters.query_one("#admin-details", AdminDetails)

    def __init__(self) -> None:
        super().__init__(id="admin")
        self.filters = Filters()
        self.preset_index = 0
        self.counts: Counts | None = None
        self.progress_text = ""
        self.last_export: Path | None = None
        self._query_serial = 0  # which query the counts belong to

    # -- layout ----------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        yield Static("", id="admin-title")
        yield FilterBar(owner_suggester=OwnerSuggester(lambda: self.session.api),
                        id="admin-filters")
        yield Static("", id="admin-totals")
        yield KeyTable(clock=self.session.clock, id="admin-table")
        yield AdminDetails(id="admin-details")

    def _connected(self, first: bool) -> None:
        self._show_title()
        self.reload(keep_position=not first)

    def _show_title(self) -> None:
        preset = PRESETS[self.preset_index]
        title = scope_title(self.session.me, preset.label, changed=preset.filters != self.filters)
        self.title_line.update(title, layout=False)

    # -- querying --------------------------------------------------------------

    def query_params(self) -> dict[str, Any]:
        """Filters and sort, as admin_list_keys keyword arguments (export uses the same)."""
        table = self.table
        return {**self.filters.params(), "sort": table.sort, "order": table.order}

    def reload(self, *, keep_position: bool = False) -> None:
        """Show the current filters and sort; cancels whatever was loading."""
        if not self._usable:
            return
        table = self.table
        row = table.cursor_row
        self.counts = None
        self._query_serial += 1
        self.workers.cancel_group(self, "admin-totals")
        api = self.session.api
        assert api is not None  # usable only once connected
        table.reset(both_ways(api, self.query_params()))
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
        api = self.session.api
        if api is None:
            return
        try:
            counts = await count_keys(api, self.filters.params())
        except (ApiError, ServerUnreachable):
            return  # the table's own load reports the failure
        if serial != self._query_serial:
            return  # a newer query took over while these counts were on their way
        self.counts = counts
        self.table.set_total(counts.matching)
        self._show_totals()

    def _show_totals(self) -> None:
        line = totals_line(self.counts, self.filters.status, marks=len(self.table.marks),
                           progress=self.progress_text)
        self.totals_widget.update(line, layout=False)

    def _set_progress(self, text: str) -> None:
        self.progress_text = text
        self._show_totals()

    # -- filters ---------------------------------------------------------------

    def apply_filters(self, filters: Filters) -> None:
        """Set the filter widgets and reload (presets and tests use this)."""
        self.filter_bar.show(filters)
        self.filters = filters
        self.reload()

    @on(FilterBar.Changed)
    def _filters_changed(self, event: FilterBar.Changed) -> None:
        if event.filters != self.filters:
            self.filters = event.filters
            self.reload()

    @on(FilterBar.Submitted)
    def _filters_submitted(self, event: FilterBar.Submitted) -> None:
        self._filters_changed(FilterBar.Changed(event.filters))
        self.table.focus()

    async def action_table(self, action: str) -> None:
        """Run a table action from the screen's keys (marks, sorting)."""
        if self._usable:
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

    def action_connect_agent(self) -> None:
        if self._usable:
            from tui_app.ui.connect.screen import open_connect

            open_connect(self, self.session, self.table.highlighted)

    # -- table events ----------------------------------------------------------

    @on(KeyTable.SortChanged)
    def _sort_changed(self, event: KeyTable.SortChanged) -> None:
        self.reload()

    @on(KeyTable.MarksChanged)
    def _marks_changed(self, event: KeyTable.MarksChanged) -> None:
        self._show_totals()

    @on(KeyTable.Highlighted)
    def _highlighted(self, event: KeyTable.Highlighted) -> None:
        self.details_widget.show(event.key, table_empty=self.table.row_count == 0,
                                 neighbours=self.table.neighbours)

    @on(KeyTable.LoadFailed)
    def _load_failed(self, event: KeyTable.LoadFailed) -> None:
        self.session.report(event.error, "Loading keys")

    # -- marks -----------------------------------------------------------------

    def action_mark_all(self) -> None:
        if self._usable:
            self._mark_all(self.filters.params())

    @work(exclusive=True, group="admin-mark-all", exit_on_error=False)
    async def _mark_all(self, params: dict[str, Any]) -> None:
        """Mark every key matching the filter, walking the server's pages for ids."""
        first = await walks.first_id_page(self.session, params)
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
        found = await walks.every_id(self.session, params, first, total, self._set_progress)
        marks = self.table.marks
        added = len(set(found) - set(marks))
        marks.update(found)
        self.table.set_marks(marks)
        self.notify(f"Marked {added:,} more keys ({len(marks):,} marked).", markup=False,
                    timeout=4)

    # -- bulk actions ----------------------------------------------------------

    def action_bulk(self, action: str) -> None:
        if not self._usable:
            return
        marked = bulk_flow.targets(self.table)
        if not marked:
            self.notify("Mark keys with space (or * for the whole filter) first.",
                        markup=False, timeout=4)
            return
        self._run_bulk(action, marked)

    @work(exclusive=True, group="admin-bulk", exit_on_error=False)
    async def _run_bulk(self, action: str, marked: dict[str, AgentKey]) -> None:
        await bulk_flow.run_bulk(self, self.session, self.table, action, marked,
                                 self._set_progress, lambda: self.reload(keep_position=True))

    # -- export ----------------------------------------------------------------

    def action_export(self) -> None:
        if self._usable:
            self._export()

    @work(exclusive=True, group="admin-export", exit_on_error=False)
    async def _export(self) -> None:
        api = self.session.api
        assert api is not None  # the screen is usable only once connected
        today = self.session.clock().date()
        count = self.counts.matching if self.counts and self.counts.totals else None
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
            written = await export_keys(api, params, request.path, request.fmt,
                                        progress)
        except (ApiError, ServerUnreachable) as error:
            self.session.report(error, "Export")
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
