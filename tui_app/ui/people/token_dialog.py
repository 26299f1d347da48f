"""The copy-once dialog of a login token: a new person's first, or a new one for someone.

The login-token variant of My keys' secret dialog (my_keys/secret.py), with the same
copy rules: `c` copies (pyperclip on a desktop, OSC 52 over SSH, labelled as sent to
the terminal), the token stays selectable by hand, `enter` continues and asks again if
nothing was copied. Instead of an agent's lines it shows the line that hands the token
over: `agentkeys login --server URL --with-token`.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Static

from tui_app.domain.models import User
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
from tui_app.ui.modals.confirm import ConfirmModal
from tui_app.ui.safe import safe_text

NOT_COPIED = ("You have not copied the login token. It will not be shown again "
              "(a new one can be made). Close anyway?")


def login_line(server_url: str) -> str:
    return f"agentkeys login --server {server_url.rstrip('/')} --with-token"


class LoginTokenDialog(ModalScreen[None]):
    BINDINGS = [
        Binding("c", "copy_token", "Copy", id="login-token-copy",
                tooltip="Copy the login token (desktop clipboard, or OSC 52 over SSH)"),
        Binding("enter", "continue", "I copied it, continue", id="login-token-continue",
                tooltip="Close the dialog; asks again if nothing was copied"),
        Binding("escape", "continue", "Close", show=False),
    ]

    def __init__(self, user: User, token: str, server_url: str, *,
                 clipboard: LocalClipboard | None = None,
                 env: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self.user = user
        self._token = token
        self.server_url = server_url
        self._clipboard: LocalClipboard = clipboard or PyperclipClipboard()
        self._env = env  # None: os.environ, read when copying
        self.outcome: CopyOutcome | None = None

    def __repr__(self) -> str:
        return f"LoginTokenDialog(user={self.user.id!r})"

    def compose(self) -> ComposeResult:
        with Vertical(id="login-token-dialog"):
            title = Text("Login token for ", style="bold")
            title.append_text(safe_text(self.user.name, "bold"))
            title.append_text(safe_text(f" <{self.user.email}>"))
            yield Static(title, id="login-token-title")
            yield Static(Text("Copy it now and hand it over privately: it is shown this "
                              "once and signs in as this person.", style="bold"),
                         id="login-token-warning")
            yield Static(Text(self._token), id="login-token-value")
            yield Static(Text("Press c to copy, or select it by hand.", style="dim"),
                         id="login-token-status")
            how = Text("They sign in with (and paste the token when asked):\n", style="dim")
            how.append_text(safe_text(login_line(self.server_url)))
            yield Static(how, id="login-token-how")
            with Horizontal(id="login-token-buttons"):
                yield Button("Copy  c", id="login-token-copy", compact=True)
                yield Button("I copied it, continue  enter", id="login-token-continue",
                             variant="primary", compact=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#login-token-continue", Button).focus()

    # -- copy --------------------------------------------------------------------------

    @on(Button.Pressed, "#login-token-copy")
    def action_copy_token(self) -> None:
        if over_ssh(self._env):
            self._send_osc52(SSH_LABEL)
        else:
            self._copy_local()

    @work(thread=True, exclusive=True, group="login-token-copy", exit_on_error=False)
    def _copy_local(self) -> None:
        # Read here, not passed as an argument, so no worker's repr holds the token.
        ok = copy_locally(self._clipboard, self._token)
        self.app.call_from_thread(self._after_local_copy, ok)

    def _after_local_copy(self, ok: bool) -> None:
        if ok:
            self._report(CopyOutcome(CopyMethod.LOCAL, LOCAL_LABEL))
        else:
            self._send_osc52(FALLBACK_LABEL)

    def _send_osc52(self, label: str) -> None:
        try:
            self.app.copy_to_clipboard(self._token)
        except Exception:  # a terminal write failing must not crash the dialog
            self._show_status(Text("Could not copy here: select the token above by hand."))
            return
        self._report(CopyOutcome(CopyMethod.OSC52, label))

    def _report(self, outcome: CopyOutcome) -> None:
        self.outcome = outcome
        self._show_status(Text("✓ " + outcome.label))

    def _show_status(self, text: Text) -> None:
        self.query_one("#login-token-status", Static).update(text)

    # -- close -------------------------------------------------------------------------

    @on(Button.Pressed, "#login-token-continue")
    def action_continue(self) -> None:
        if self.outcome is not None:
            self.dismiss(None)
            return
        self.app.push_screen(ConfirmModal("Close without copying?", NOT_COPIED, "Close anyway"),
                             self._closing_confirmed)

    def _closing_confirmed(self, close: bool | None) -> None:
        if close:
            self.dismiss(None)
