"""A dialog that shows a secret this once: `c` copies it, `enter` closes.

Nobody can show the secret again later, so closing before anything was copied asks
first. A subclass composes the body around the secret and yields `copy_status` (the
line that copies it and says where it went) and `buttons()`; everything about copying
and closing lives here. A copy of other text that carries the secret (a card of
connection settings, say) posts the same CopyStatus.Copied message and counts too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import ModalScreen
from textual.widgets import Button

from tui_app.ui.clipboard import CopyOutcome, LocalClipboard
from tui_app.ui.modals.confirm import ConfirmModal
from tui_app.ui.widgets.copy_status import CopyStatus


def copy_once_bindings(id_prefix: str, what: str) -> list[BindingType]:
    """The dialog's keys, with ids (`<id_prefix>-copy`, `-continue`) a keymap can name."""
    return [
        Binding("c", "copy_secret", "Copy", id=f"{id_prefix}-copy",
                tooltip=f"Copy {what} (desktop clipboard, or OSC 52 over SSH)"),
        Binding("enter", "continue", "I copied it, continue", id=f"{id_prefix}-continue",
                tooltip="Close the dialog; asks again if nothing was copied"),
        Binding("escape", "continue", "Close", show=False),
    ]


class CopyOnceDialog(ModalScreen[None]):
    """Shows a secret once; `outcome` says how it was copied, None until it was."""

    ID_PREFIX: ClassVar[str]  # widget ids: <prefix>-copy, -continue, -buttons
    STATUS_ID: ClassVar[str]
    WHERE_SHOWN: ClassVar[str]  # where to select the secret by hand: "the key above"
    NOT_COPIED: ClassVar[str]  # the question when closing before a copy

    def __init__(
        self,
        secret: str,
        *,
        clipboard: LocalClipboard | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__()
        self._secret = secret
        self.outcome: CopyOutcome | None = None
        self.copy_status = CopyStatus(
            Text("Press c to copy, or select it by hand.", style="dim"),
            read=self._read_secret, where_shown=self.WHERE_SHOWN,
            clipboard=clipboard, env=env, id=self.STATUS_ID,
        )

    def _read_secret(self) -> str:
        return self._secret

    @property
    def copied(self) -> bool:
        return self.outcome is not None

    def buttons(self) -> Horizontal:
        return Horizontal(
            Button("Copy  c", id=f"{self.ID_PREFIX}-copy", compact=True),
            Button("I copied it, continue  enter", id=f"{self.ID_PREFIX}-continue",
                   variant="primary", compact=True),
            id=f"{self.ID_PREFIX}-buttons",
        )

    def on_mount(self) -> None:
        self.query_one(f"#{self.ID_PREFIX}-continue", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == f"{self.ID_PREFIX}-copy":
            self.action_copy_secret()
        elif event.button.id == f"{self.ID_PREFIX}-continue":
            self.action_continue()

    # -- copy --------------------------------------------------------------------------

    def action_copy_secret(self) -> None:
        self.copy_status.copy()

    @on(CopyStatus.Copied)
    def _count_copy(self, event: CopyStatus.Copied) -> None:
        # The secret's own copy says how it went; other text that carries the secret
        # counts only while nothing else was copied.
        if event.copy_status is self.copy_status or self.outcome is None:
            self.outcome = event.outcome

    # -- close -------------------------------------------------------------------------

    def action_continue(self) -> None:
        if self.copied:
            self.dismiss(None)
            return
        self.app.push_screen(
            ConfirmModal("Close without copying?", self.NOT_COPIED, "Close anyway"),
            self._closing_confirmed,
        )

    def _closing_confirmed(self, close: bool | None) -> None:
        if close:
            self.dismiss(None)
