"""Modals of the Admin screen's bulk actions and export.

- `bulk_confirm_body`: what ConfirmModal shows before a bulk action — the count and the
  first names, so nobody revokes 4,000 keys thinking it was 4.
- `ExtendDaysModal`: how many days to extend by → int | None.
- `BulkResultsModal`: per-key results afterwards; failures first, each named with the
  server's reason, then the keys skipped because the action did not apply to them.
- `ExportModal`: where to write the export and in which format → ExportRequest | None.

All untrusted text (key names, server messages) goes through safe_text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import ClassVar, Literal

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label, Static

from tui_app.domain.models import BulkResult
from tui_app.domain.validation import whole_number
from tui_app.ui.safe import safe_text

NAMES_SHOWN = 8  # with the warning and buttons, still fits an 80x24 terminal

ACTION_VERBS = {
    "revoke": ("Revoke", "revoked"),
    "disable": ("Disable", "disabled"),
    "enable": ("Enable", "enabled"),
    "extend": ("Extend", "extended"),
}

ACTION_WARNINGS = {
    "revoke": "All requests using these keys will be rejected immediately. "
              "This cannot be undone.",
    "disable": "Requests using these keys will be rejected until they are enabled again.",
    "enable": "These keys will work again (unless revoked or expired).",
    "extend": "Expired keys among them become active again.",
}


def _plural(count: int) -> str:
    return f"{count:,} key" + ("" if count == 1 else "s")


def bulk_confirm_title(action: str, count: int, days: int | None = None, *,
                       marked: int | None = None) -> str:
    """"Extend 5 keys by 30 days?", or "Extend 5 of 33 marked keys…" when the action
    applies to only some of the marked keys."""
    verb = ACTION_VERBS[action][0]
    suffix = f" by {days} day{'s' if days != 1 else ''}" if action == "extend" else ""
    what = _plural(count) if marked is None or marked == count else (
        f"{count:,} of {marked:,} marked keys")
    return f"{verb} {what}{suffix}?"


def bulk_confirm_label(action: str, count: int) -> str:
    return f"{ACTION_VERBS[action][0]} {_plural(count)}"


def bulk_confirm_body(action: str, names: Sequence[str], count: int,
                      skipped: Sequence[tuple[str, int]] = ()) -> Text:
    """The count, the first names and "and N more", the keys left out and why, then
    what the action does."""
    body = Text()
    body.append(f"{_plural(count)}:\n", style="bold")
    for name in names[:NAMES_SHOWN]:
        body.append("  • ")
        body.append_text(safe_text(name or "(unnamed)"))
        body.append("\n")
    if count > min(len(names), NAMES_SHOWN):
        body.append(f"  and {count - min(len(names), NAMES_SHOWN):,} more\n", style="italic")
    for reason, many in skipped:
        body.append(f"Skipping {_plural(many)}: {reason}.\n", style="dim")
    body.append("\n")
    body.append(ACTION_WARNINGS[action])
    return body


class ExtendDaysModal(ModalScreen[int | None]):
    """Days to add to each key's expiry (from now for expired keys, as the server does)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="extend-cancel"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="extend-dialog", classes="admin-dialog"):
            yield Static("Extend the expiry by how many days?", classes="admin-dialog-title")
            yield Input("30", id="extend-days", type="integer", max_length=5,
                        placeholder="days (1 to 36500)")
            yield Label("", id="extend-error", classes="admin-dialog-error")
            with Horizontal(classes="admin-dialog-buttons"):
                yield Button("Cancel", id="extend-cancel")
                yield Button("Continue", id="extend-ok", variant="primary")
        yield Footer(compact=True)  # the modal's own keys, not the screen's below

    def on_mount(self) -> None:
        self.query_one("#extend-days", Input).focus()

    @on(Button.Pressed, "#extend-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted, "#extend-days")
    @on(Button.Pressed, "#extend-ok")
    def submit(self) -> None:
        days = whole_number(self.query_one("#extend-days", Input).value) or 0
        if not 1 <= days <= 36500:
            self.query_one("#extend-error", Label).update("Enter a number of days, 1 to 36500.")
            return
        self.dismiss(days)


class BulkResultsModal(ModalScreen[None]):
    """What happened to each key: failures named with their reason, then the successes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter", "close", "Close", id="bulk-results-close"),
    ]

    def __init__(self, action: str, results: Sequence[BulkResult], names: Mapping[str, str],
                 skipped: Sequence[tuple[str, str, str]] = ()):
        super().__init__()
        self.action = action
        self.results = list(results)
        self.names = names
        self.skipped = list(skipped)  # (id, name, reason) of keys never sent

    @property
    def failures(self) -> list[BulkResult]:
        return [r for r in self.results if not r.ok]

    def summary(self) -> str:
        done = len(self.results) - len(self.failures)
        past = ACTION_VERBS[self.action][1]
        text = f"{_plural(done)} {past}"
        if self.failures:
            text += f", {len(self.failures):,} failed"
        if self.skipped:
            text += f", {len(self.skipped):,} skipped"
        return text + "."

    def _key_name(self, result: BulkResult) -> str:
        if result.key is not None:
            return result.key.name
        return self.names.get(result.id, result.id)

    def _lines(self) -> Text:
        text = Text()
        for result in self.failures:
            text.append("✗ ", style="bold red")
            text.append_text(safe_text(self._key_name(result)))
            text.append(f" ({result.id}): ", style="dim")
            text.append_text(safe_text(result.message or "failed"))
            if result.code:
                text.append(" [")
                text.append_text(safe_text(result.code))
                text.append("]")
            text.append("\n")
        for key_id, name, reason in self.skipped:
            text.append("- ", style="dim")
            text.append_text(safe_text(name or "(unnamed)"))
            text.append(f" ({key_id}): ", style="dim")
            text.append_text(safe_text(reason))
            text.append("\n")
        for result in self.results:
            if result.ok:
                text.append("✓ ", style="green")
                text.append_text(safe_text(self._key_name(result)))
                text.append(f" ({result.id})\n", style="dim")
        text.rstrip()
        return text

    def compose(self) -> ComposeResult:
        dialog_class = "admin-dialog -partial" if self.failures else "admin-dialog"
        with Vertical(id="bulk-results", classes=dialog_class):
            yield Static(safe_text(self.summary()), id="bulk-results-summary",
                         classes="admin-dialog-title")
            with VerticalScroll(id="bulk-results-list"):
                yield Static(self._lines(), id="bulk-results-lines")
            with Horizontal(classes="admin-dialog-buttons"):
                yield Button("Close", id="bulk-results-ok", variant="primary")
        yield Footer(compact=True)  # the modal's own keys, not the screen's below

    def on_mount(self) -> None:
        self.query_one("#bulk-results-ok", Button).focus()

    @on(Button.Pressed, "#bulk-results-ok")
    def action_close(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True, slots=True)
class ExportRequest:
    path: Path
    fmt: Literal["csv", "json"]


def default_export_path(today: date, fmt: str = "csv") -> Path:
    return Path("~") / f"agentkeys-export-{today.isoformat()}.{fmt}"


class ExportModal(ModalScreen[ExportRequest | None]):
    """Where to write the export; a path ending in .json writes JSON, anything else CSV."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="export-cancel"),
    ]

    def __init__(self, default: Path, count: int | None) -> None:
        super().__init__()
        self.default = default
        self.count = count

    def compose(self) -> ComposeResult:
        what = "the keys of the current filter" if self.count is None else (
            f"{_plural(self.count)} (the current filter)")
        with Vertical(id="export-dialog", classes="admin-dialog"):
            yield Static(f"Export {what}", classes="admin-dialog-title")
            yield Label("File (.csv or .json):")
            yield Input(str(self.default), id="export-path")
            yield Label("", id="export-error", classes="admin-dialog-error")
            with Horizontal(classes="admin-dialog-buttons"):
                yield Button("Cancel", id="export-cancel")
                yield Button("Export", id="export-ok", variant="primary")
        yield Footer(compact=True)  # the modal's own keys, not the screen's below

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    @on(Button.Pressed, "#export-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted, "#export-path")
    @on(Button.Pressed, "#export-ok")
    def submit(self) -> None:
        raw = self.query_one("#export-path", Input).value.strip()
        error = self.query_one("#export-error", Label)
        if not raw:
            error.update("Enter a file name.")
            return
        path = Path(raw).expanduser()
        if path.is_dir():
            error.update("That is a folder: add a file name.")
            return
        if not path.parent.is_dir():
            error.update(safe_text(f"No such folder: {path.parent}"))
            return
        fmt: Literal["csv", "json"] = "json" if path.suffix.lower() == ".json" else "csv"
        self.dismiss(ExportRequest(path, fmt))
