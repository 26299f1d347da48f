"""The copy-once secret dialog: the only place a key's plaintext is ever shown.

The secret is rendered as plain Text in a selectable box (so it can be selected by
hand where no clipboard works), copied with `c`, and never passed to a log, a
notification or a worker's arguments. Closing without copying asks again.

Below it, the "Connect an agent" card gives each client's lines with the secret in
them, each with its own copy action (`1` to `6`); copying those counts as a copy too,
since the secret goes with them.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Footer, Static

from tui_app.domain.connect import all_connection_settings, mcp_url
from tui_app.domain.models import CreatedKey
from tui_app.ui.clipboard import (
    FALLBACK_LABEL,
    LOCAL_LABEL,
    SSH_LABEL,
    CopyMethod,
    CopyOutcome,
    LocalClipboard,
    PyperclipClipboard,
    copy_locally,
    over_ssh,
)
from tui_app.ui.connect.card import CARD_CSS, COPY_BINDINGS, CardModal, ConnectCard
from tui_app.ui.modals.confirm import ConfirmModal
from tui_app.ui.safe import safe_text

NOT_COPIED = "You have not copied the key. It will not be shown again. Close anyway?"


class SecretDialog(CardModal):
    # Loaded when first shown, not before the first frame.
    CSS_PATH = ["secret.tcss", CARD_CSS]
    BINDINGS = [
        Binding("c", "copy_secret", "Copy", id="secret-copy",
                tooltip="Copy the key (desktop clipboard, or OSC 52 over SSH)"),
        Binding("enter", "continue", "I copied it, continue", id="secret-continue",
                tooltip="Close the dialog; asks again if nothing was copied"),
        Binding("escape", "continue", "Close", show=False),
        *COPY_BINDINGS,
    ]

    def __init__(
        self,
        created: CreatedKey,
        server_url: str,
        *,
        clipboard: LocalClipboard | None = None,
        env: Mapping[str, str] | None = None,
        public_url: str | None = None,
    ) -> None:
        super().__init__()
        self._created = created
        self.server_url = server_url.rstrip("/")
        self._clipboard: LocalClipboard = clipboard or PyperclipClipboard()
        self._env = env  # None: os.environ, read when copying
        self.outcome: CopyOutcome | None = None
        settings = all_connection_settings(mcp_url(self.server_url, public_url),
                                           created.secret)
        self.card = ConnectCard(settings, clipboard=self._clipboard, env=env,
                                id="connect-card")

    def __repr__(self) -> str:  # the default repr is harmless, but say so explicitly
        return f"SecretDialog(key={self._created.key.id!r})"

    @property
    def copied(self) -> bool:
        return self.outcome is not None

    def compose(self) -> ComposeResult:
        secret = self._created.secret
        with Vertical(id="secret-dialog"):
            title = Text("Your new key: ", style="bold")
            title.append_text(safe_text(self._created.key.name, "bold"))
            yield Static(title, id="secret-title")
            with VerticalScroll(id="secret-body"):
                yield Static(
                    Text(
                        "Copy it now: this is the only time the full key is shown. "
                        "It will not be shown again.",
                        style="bold",
                    ),
                    id="secret-warning",
                )
                yield Static(Text(secret), id="secret-value")
                yield Static(
                    Text("Press c to copy, or select it by hand.", style="dim"), id="copy-status"
                )
                yield Static(self._curl(secret), id="secret-curl")
                yield Static(
                    Text(
                        "Use keys from backend services only: never in a browser, a mobile "
                        "app or a public repository."
                    ),
                    id="secret-reminder",
                )
                yield self.card
            with Horizontal(id="secret-buttons"):
                yield Button("Copy  c", id="secret-copy", compact=True)
                yield Button(
                    "I copied it, continue  enter",
                    id="secret-continue",
                    variant="primary",
                    compact=True,
                )
        yield Footer(compact=True)  # the modal's own keys, not the screen's below

    def _curl(self, secret: str) -> Text:
        text = Text("# Test it (prints this key's details):\n", style="dim")
        text.append("curl ")
        text.append_text(safe_text(f"{self.server_url}/v1/agent/whoami"))
        text.append(f' \\\n  -H "Authorization: Bearer {secret}"')
        return text

    def on_mount(self) -> None:
        self.query_one("#secret-continue", Button).focus()

    # -- copy --------------------------------------------------------------------------

    @on(Button.Pressed, "#secret-copy")
    def action_copy_secret(self) -> None:
        if over_ssh(self._env):
            self._send_osc52(SSH_LABEL)
        else:
            self._copy_local()

    @work(thread=True, exclusive=True, group="secret-copy", exit_on_error=False)
    def _copy_local(self) -> None:
        # The secret is read here, not passed as an argument, so no worker repr holds it.
        ok = copy_locally(self._clipboard, self._created.secret)
        self.app.call_from_thread(self._after_local_copy, ok)

    def _after_local_copy(self, ok: bool) -> None:
        if ok:
            self._report(CopyOutcome(CopyMethod.LOCAL, LOCAL_LABEL))
        else:
            self._send_osc52(FALLBACK_LABEL)

    def _send_osc52(self, label: str) -> None:
        try:
            self.app.copy_to_clipboard(self._created.secret)
        except Exception:  # a terminal write failing must not crash the dialog
            self._show_status(Text("Could not copy here: select the key above by hand."))
            return
        self._report(CopyOutcome(CopyMethod.OSC52, label))

    def _report(self, outcome: CopyOutcome) -> None:
        self.outcome = outcome
        self._show_status(Text("✓ " + outcome.label))

    def _show_status(self, text: Text) -> None:
        self.query_one("#copy-status", Static).update(text)

    @on(ConnectCard.Copied)
    def _lines_copied(self, event: ConnectCard.Copied) -> None:
        if self.outcome is None:  # the secret went with the lines
            self.outcome = event.outcome

    # -- close -------------------------------------------------------------------------

    @on(Button.Pressed, "#secret-continue")
    def action_continue(self) -> None:
        if self.copied:
            self.dismiss(None)
            return
        self.app.push_screen(
            ConfirmModal("Close without copying?", NOT_COPIED, "Close anyway"),
            self._closing_confirmed,
        )

    def _closing_confirmed(self, close: bool | None) -> None:
        if close:
            self.dismiss(None)
