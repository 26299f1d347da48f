"""A yes/no confirmation whose focus starts on Cancel (k9s's habit for destructive dialogs).

Pressing enter by reflex cancels; `tab` (or →) moves to the confirming button and
enter presses it. The body is plain text: a str is cleaned and never parsed as markup,
a rich Text is shown as given (build it with tui_app.ui.safe.safe_text).
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Static

from tui_app.ui.safe import safe_text


class ConfirmModal(ModalScreen[bool]):
    CSS_PATH = "confirm.tcss"  # loaded when first shown, not before the first frame
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="confirm-cancel",
                tooltip="Close without doing it"),
        Binding("left", "app.focus_previous", "Previous button", show=False),
        Binding("right", "app.focus_next", "Next button", show=False),
    ]

    def __init__(
        self,
        title: str,
        body: Text | str,
        confirm_label: str,
        *,
        destructive: bool = True,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.body = body if isinstance(body, Text) else safe_text(body, keep_newlines=True)
        self.confirm_label = confirm_label
        self.destructive = destructive

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog", classes="-destructive" if self.destructive else ""):
            yield Static(safe_text(self.title_text), id="confirm-title")
            yield Static(self.body, id="confirm-body")
            with Horizontal(id="confirm-buttons"):
                yield Button("Cancel", id="confirm-cancel")
                yield Button(
                    safe_text(self.confirm_label),
                    id="confirm-ok",
                    variant="error" if self.destructive else "primary",
                )
        yield Footer(compact=True)  # the modal's own keys, not the screen's below

    def on_mount(self) -> None:
        self.query_one("#confirm-cancel", Button).focus()

    @on(Button.Pressed, "#confirm-cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#confirm-ok")
    def confirm(self) -> None:
        self.dismiss(True)
