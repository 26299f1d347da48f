"""The connect modal (`C` on a key): the connection settings of an existing key.

Nobody has an existing key's secret any more, so the settings refer to the environment
variable AGENTKEYS_AGENT_KEY and say to set it; nothing secret is ever in this modal.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Footer, Static

from tui_app.domain.connect import AGENT_KEY_ENV, all_connection_settings, mcp_url
from tui_app.domain.status import KeyStatus
from tui_app.ui.clipboard import LocalClipboard
from tui_app.ui.connect.card import CARD_CSS, COPY_BINDINGS, CardModal, ConnectCard
from tui_app.ui.safe import safe_message, safe_text

if TYPE_CHECKING:
    from textual.screen import Screen

    from tui_app.domain.models import AgentKey
    from tui_app.ui.session import Session


def session_mcp_url(session: Session) -> str:
    """Where agents reach the MCP endpoint: the server's public URL when it says one,
    else the URL this app uses."""
    me = session.me
    return mcp_url(session.server_url, me.public_url if me is not None else None)


def open_connect(screen: Screen[Any], session: Session, key: AgentKey | None) -> None:
    """`C` on a key, from any screen: the connect modal for an active key; a word
    otherwise (an agent could not use it)."""
    if key is None:
        screen.notify("No key is highlighted.", markup=False)
        return
    if key.status is not KeyStatus.ACTIVE:
        screen.notify(f"“{safe_message(key.name)}” is not active ({key.status.value}): "
                      "an agent could not use it. Enable or extend it first.",
                      severity="warning", markup=False)
        return
    screen.app.push_screen(ConnectAgentScreen(key.name, session_mcp_url(session)))


class ConnectAgentScreen(CardModal):
    CSS_PATH = CARD_CSS  # loaded when first shown, not before the first frame
    BINDINGS = [
        *COPY_BINDINGS,
        Binding("escape", "close", "Close", id="connect-close", tooltip="Close"),
    ]

    def __init__(
        self,
        key_name: str,
        url: str,
        *,
        clipboard: LocalClipboard | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.key_name = key_name
        self.url = url
        self.card = ConnectCard(all_connection_settings(url), clipboard=clipboard, env=env,
                                id="connect-card")

    def compose(self) -> ComposeResult:
        with Vertical(id="connect-dialog"):
            title = Text("Connect an agent to ", style="bold")
            title.append_text(safe_text(self.key_name, "bold"))
            yield Static(title, id="connect-title")
            with VerticalScroll(id="connect-body"):
                yield Static(Text(
                    f"The key's secret is not shown again: these settings read it from "
                    f"{AGENT_KEY_ENV}. Set it to the key you saved. MCP endpoint: ")
                    + safe_text(self.url), id="connect-intro")
                yield self.card
            with Horizontal(id="connect-buttons"):
                yield Button("Close  esc", id="connect-close", variant="primary", compact=True)
        yield Footer(compact=True)  # the modal's own keys, not the screen's below

    def on_mount(self) -> None:
        # Close, not the first copy button: focusing a section scrolls it to the top,
        # which would hide the introduction.
        self.query_one("#connect-close", Button).focus()

    @on(Button.Pressed, "#connect-close")
    def action_close(self) -> None:
        self.dismiss(None)
