"""The copy-once secret dialog: the only place a key's plaintext is ever shown.

The secret is rendered as plain Text in a selectable box (so it can be selected by
hand where no clipboard works), copied with `c`, and never passed to a log, a
notification or a worker's arguments. Closing without copying asks again
(modals/copy_once.py holds the copying and closing).

Below it, the "Connect an agent" card gives each client's lines with the secret in
them, each with its own copy action (`1` to `6`); copying those counts as a copy too,
since the secret goes with them.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Footer, Static

from tui_app.domain.connect import all_connection_settings, mcp_url
from tui_app.domain.models import CreatedKey
from tui_app.ui.clipboard import LocalClipboard
from tui_app.ui.connect.card import CARD_CSS, COPY_BINDINGS, CardModal, ConnectCard
from tui_app.ui.modals.copy_once import CopyOnceDialog, copy_once_bindings
from tui_app.ui.safe import safe_text

NOT_COPIED = "You have not copied the key. It will not be shown again. Close anyway?"


class SecretDialog(CopyOnceDialog, CardModal):
    # Loaded when first shown, not before the first frame.
    CSS_PATH = ["secret.tcss", CARD_CSS]
    BINDINGS = [*copy_once_bindings("secret", "the key"), *COPY_BINDINGS]
    ID_PREFIX = "secret"
    STATUS_ID = "copy-status"
    WHERE_SHOWN = "the key above"
    NOT_COPIED = NOT_COPIED

    def __init__(
        self,
        created: CreatedKey,
        server_url: str,
        *,
        clipboard: LocalClipboard | None = None,
        env: Mapping[str, str] | None = None,
        public_url: str | None = None,
    ) -> None:
        super().__init__(created.secret, clipboard=clipboard, env=env)
        self._created = created
        self.server_url = server_url.rstrip("/")
        settings = all_connection_settings(mcp_url(self.server_url, public_url),
                                           created.secret)
        self.card = ConnectCard(settings, clipboard=clipboard, env=env, id="connect-card")

    def __repr__(self) -> str:  # the default repr is harmless, but say so explicitly
        return f"SecretDialog(key={self._created.key.id!r})"

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
                yield self.copy_status
                yield Static(self._curl(secret), id="secret-curl")
                yield Static(
                    Text(
                        "Use keys from backend services only: never in a browser, a mobile "
                        "app or a public repository."
                    ),
                    id="secret-reminder",
                )
                yield self.card
            yield self.buttons()
        yield Footer(compact=True)  # the modal's own keys, not the screen's below

    def _curl(self, secret: str) -> Text:
        text = Text("# Test it (prints this key's details):\n", style="dim")
        text.append("curl ")
        text.append_text(safe_text(f"{self.server_url}/v1/agent/whoami"))
        text.append(f' \\\n  -H "Authorization: Bearer {secret}"')
        return text
