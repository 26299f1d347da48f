"""The copy-once dialog of a login token: a new person's first, or a new one for someone.

The login-token variant of My keys' secret dialog, with the same copy rules
(modals/copy_once.py): `c` copies (pyperclip on a desktop, OSC 52 over SSH, labelled as
sent to the terminal), the token stays selectable by hand, `enter` continues and asks
again if nothing was copied. Instead of an agent's lines it shows the line that hands
the token over: `agentkeys login --server URL --with-token`.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Footer, Static

from tui_app.domain.models import User
from tui_app.ui.clipboard import LocalClipboard
from tui_app.ui.modals.copy_once import CopyOnceDialog, copy_once_bindings
from tui_app.ui.safe import safe_text

NOT_COPIED = ("You have not copied the login token. It will not be shown again "
              "(a new one can be made). Close anyway?")


def login_line(server_url: str) -> str:
    return f"agentkeys login --server {server_url.rstrip('/')} --with-token"


class LoginTokenDialog(CopyOnceDialog):
    BINDINGS = copy_once_bindings("login-token", "the login token")
    ID_PREFIX = "login-token"
    STATUS_ID = "login-token-status"
    WHERE_SHOWN = "the token above"
    NOT_COPIED = NOT_COPIED

    def __init__(self, user: User, token: str, server_url: str, *,
                 clipboard: LocalClipboard | None = None,
                 env: Mapping[str, str] | None = None) -> None:
        super().__init__(token, clipboard=clipboard, env=env)
        self.user = user
        self.server_url = server_url

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
            yield Static(Text(self._secret), id="login-token-value")
            yield self.copy_status
            how = Text("They sign in with (and paste the token when asked):\n", style="dim")
            how.append_text(safe_text(login_line(self.server_url)))
            yield Static(how, id="login-token-how")
            yield self.buttons()
        yield Footer(compact=True)
