"""Help (`?`): every key binding, grouped by where it works, searchable.

Read from the bindings themselves (the same source as the footer and the command
palette), plus the keys of forms and dialogs, which only exist while a modal is open.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from rich.text import Text
from textual import getters, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input

from tui_app.ui.widgets.title_bar import TitleBar

# Keys that live in forms and dialogs, and in Textual itself.
DIALOG_KEYS: tuple[tuple[str, str, str], ...] = (
    ("Forms", "ctrl+s", "Submit the form from any field"),
    ("Forms", "escape", "Cancel the form (nothing is saved)"),
    ("Forms", "tab / shift+tab", "Next / previous field"),
    ("Forms", "1-6", "Expiry quick-select: 7, 30, 60, 90 days, 1 year, custom date"),
    ("Forms", "arrows", "Move in the expiry choices and the calendar"),
    ("Secret dialog", "c", "Copy the new key (locally, or sent to your terminal over SSH)"),
    ("Secret dialog", "enter", "I copied it, continue"),
    ("Secret dialog", "1-6", "Copy the lines that connect Claude Code, Codex, VS Code, "
     "Cursor, Claude Desktop or curl, with the new key in them"),
    ("Connect an agent", "1-6", "Copy the lines for Claude Code, Codex, VS Code, Cursor, "
     "Claude Desktop or curl (they read the key from AGENTKEYS_AGENT_KEY)"),
    ("Connect an agent", "escape", "Close"),
    ("Confirmations", "tab / →", "Move from Cancel to the confirming button"),
    ("Confirmations", "enter", "Press the focused button (focus starts on Cancel)"),
    ("Confirmations", "escape", "Cancel"),
    ("Everywhere", "ctrl+p", "Command palette: every action by name"),
)


def _bindings(items: Iterable[Any]) -> Iterator[Binding]:
    for item in items:
        yield item if isinstance(item, Binding) else Binding(*item)


def _screen_groups(app_bindings: list[Any]) -> list[tuple[str, list[Any]]]:
    from tui_app.ui.activity.screen import ActivityScreen
    from tui_app.ui.admin.screen import AdminScreen
    from tui_app.ui.audit.screen import AuditScreen
    from tui_app.ui.connections.screen import ConnectionsScreen
    from tui_app.ui.my_keys.screen import MyKeysScreen
    from tui_app.ui.people.screen import PeopleScreen

    return [
        ("Everywhere", app_bindings),
        ("My keys", MyKeysScreen.BINDINGS),
        ("Admin", AdminScreen.BINDINGS),
        ("Audit log", AuditScreen.BINDINGS),
        ("Activity", ActivityScreen.BINDINGS),
        ("People", PeopleScreen.BINDINGS),
        ("Connections", ConnectionsScreen.BINDINGS),
    ]


def _listed_together(bindings: list[Binding]) -> set[str]:
    """Keys a shown binding already names in its key display ("⇧N/O/S/A/E/L" lists the
    six sort keys): their own hidden bindings would list them a second time."""
    keys: set[str] = set()
    for binding in bindings:
        if binding.show and binding.key_display and "/" in binding.key_display:
            keys.update(part.lstrip("⇧") for part in binding.key_display.split("/"))
    return keys


def help_rows(key_display: Any, app_bindings: list[Any]) -> list[tuple[str, str, str]]:
    """(group, key, what it does) for every binding with a description, each key once;
    the app's own bindings are the ones that work everywhere."""
    rows: list[tuple[str, str, str]] = []
    for group, items in _screen_groups(app_bindings):
        bindings = list(_bindings(items))
        together = _listed_together(bindings)
        for binding in bindings:
            if not binding.description or (not binding.show and binding.key in together):
                continue
            what = binding.description
            if binding.tooltip:
                what = f"{what}: {binding.tooltip}"
            rows.append((group, key_display(binding), what))
    rows.extend(DIALOG_KEYS)
    return rows


class HelpScreen(Screen[None]):
    """Every key, grouped; type to search."""

    CSS_PATH = "help.tcss"  # loaded when first shown, not before the first frame
    TITLE = "Help"
    BINDINGS = [
        Binding("escape", "close", "Close", id="help-close", tooltip="Back to where you were"),
        Binding("question_mark", "close", "Close", show=False, key_display="?"),
        Binding("slash", "search", "Search", key_display="/", id="help-search",
                tooltip="Search the key bindings"),
    ]

    table = getters.query_one("#help-table", DataTable)
    search_box = getters.query_one("#help-search", Input)

    def __init__(self) -> None:
        super().__init__(id="help")
        self.rows: list[tuple[str, str, str]] = []

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Input(placeholder="search keys and actions", id="help-search")
        yield DataTable(id="help-table", cursor_type="row", zebra_stripes=False)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        table = self.table
        self.rows = help_rows(self.app.get_key_display, self.app.BINDINGS)
        table.focus()

    def on_resize(self) -> None:
        self._show(self.search_box.value)

    def _show(self, query: str) -> None:
        table = self.table
        table.clear(columns=True)
        # The last column takes the rest of the width and wraps: nothing is cut off.
        rest = max(20, table.scrollable_content_region.width - 14 - 16 - 3 * 2 - 1)
        table.add_column("Where", width=14)
        table.add_column("Key", width=16)
        table.add_column("What it does", width=rest)
        needle = query.casefold().strip()
        shown = [r for r in self.rows if not needle or needle in " ".join(r).casefold()]
        previous = ""
        for group, key, what in shown:
            label = Text(group if group != previous else "", style="bold")
            previous = group
            table.add_row(label, Text(key), Text(what), height=None)
        table.border_title = (
            f"Keys ({len(shown)} of {len(self.rows)})" if needle else f"Keys ({len(self.rows)})"
        )

    @on(Input.Changed, "#help-search")
    def _search(self, event: Input.Changed) -> None:
        self._show(event.value)

    @on(Input.Submitted, "#help-search")
    def _search_done(self) -> None:
        self.table.focus()

    def action_search(self) -> None:
        self.search_box.focus()

    def action_close(self) -> None:
        search = self.search_box
        if search.has_focus and search.value:
            search.value = ""
            return
        self.dismiss()
