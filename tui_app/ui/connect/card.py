"""The "Connect an agent" card: one section per client, each with its own copy action.

Used by the secret dialog (the lines carry the new secret) and by the connect modal
for an existing key (they refer to AGENTKEYS_AGENT_KEY). The lines are rendered as
plain text, never markup, and copied exactly as shown. Each section's status line
(CopyStatus) copies them as the secret dialog copies its key: OSC 52 over SSH, else the
desktop clipboard in a thread, falling back to OSC 52; it says which, never "copied"
for OSC 52, and posts CopyStatus.Copied, which the secret dialog counts as a copy.

Screens that hold a card bind `1` to `6` to `copy_client` (COPY_BINDINGS), so scripts and
keyboard users copy a client's lines without tabbing to its button.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Static

from tui_app.domain.connect import CLIENT_TITLES, CLIENTS, ClientSettings
from tui_app.ui.clipboard import LocalClipboard, PyperclipClipboard
from tui_app.ui.safe import safe_text
from tui_app.ui.widgets.copy_status import CopyStatus

CARD_CSS = Path(__file__).with_name("connect.tcss")

# Where no desktop clipboard took the lines: the same words, about the lines.

COPY_BINDINGS = [
    Binding(str(number), f"copy_client('{client}')",
            "Copy for a client" if number == 1 else f"Copy for {CLIENT_TITLES[client]}",
            show=number == 1, key_display="1-6" if number == 1 else None,
            id=f"connect-copy-{client}",
            tooltip="Copy the lines for 1 Claude Code, 2 Codex, 3 VS Code, 4 Cursor, "
            "5 Claude Desktop, 6 curl" if number == 1
            else f"Copy the lines for {CLIENT_TITLES[client]}")
    for number, client in enumerate(CLIENTS, start=1)
]


class CardModal(ModalScreen[None]):
    """A modal that holds a ConnectCard (`card`): `1` to `6` copy, and focusing a copy
    button shows its whole section rather than the button alone."""

    card: ConnectCard

    def set_focus(self, widget: Widget | None, scroll_visible: bool = True,
                  from_app_focus: bool = False) -> None:
        if isinstance(widget, Button) and widget.has_class("connect-copy"):
            scroll_visible = False  # the card scrolls to the section (show_section)
        super().set_focus(widget, scroll_visible=scroll_visible,
                          from_app_focus=from_app_focus)

    def action_copy_client(self, client: str) -> None:
        self.card.copy(client)


class ConnectCard(Vertical):
    """Sections of connection settings, ready to copy."""

    def __init__(
        self,
        settings: Sequence[ClientSettings],
        *,
        clipboard: LocalClipboard | None = None,
        env: Mapping[str, str] | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        # What is shown is what is copied: the cleaned text, never anything else.
        self._texts = {s.client: safe_text(s.text, keep_newlines=True).plain
                       for s in settings}
        self._settings = tuple(settings)
        self._clipboard: LocalClipboard = clipboard or PyperclipClipboard()
        self._env = env  # None: os.environ, read when copying

    def __repr__(self) -> str:  # its texts may hold a secret
        return f"ConnectCard(clients={[s.client for s in self._settings]!r})"

    def compose(self) -> ComposeResult:
        yield Static(Text("Connect an agent", style="bold"), id="connect-heading")
        for number, settings in enumerate(self._settings, start=1):
            client = settings.client
            with Vertical(id=f"connect-{client}", classes="connect-section"):
                with Horizontal(classes="connect-header"):
                    yield Static(safe_text(settings.title, "bold"), classes="connect-title")
                    yield Button(f"Copy  {number}", id=f"copy-{client}", compact=True,
                                 classes="connect-copy")
                # Under the header, not under the text: a copy scrolls the section to
                # the top, and in a small terminal its end is out of view.
                status = CopyStatus(read=partial(self.text_of, client),
                                    where_shown="the lines below",
                                    clipboard=self._clipboard, env=self._env,
                                    id=f"copy-status-{client}", classes="connect-status")
                status.display = False  # until something was copied
                yield status
                yield Static(Text(self._texts[client]), classes="connect-text")
                yield Static(safe_text("\n".join(settings.notes), "dim", keep_newlines=True),
                             classes="connect-notes")

    def text_of(self, client: str) -> str:
        return self._texts[client]

    def section(self, client: str) -> Widget:
        return self.query_one(f"#connect-{client}")

    # -- scrolling --------------------------------------------------------------------

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        widget = event.widget
        if isinstance(widget, Button) and widget.id and widget.id.startswith("copy-"):
            self.show_section(widget.id.removeprefix("copy-"))

    def show_section(self, client: str) -> None:
        """Scroll the client's section to the top of the view: its title, button and
        as much of its text as fits (after the layout, so the position is known)."""
        section = self.section(client)
        self.call_after_refresh(section.scroll_visible, animate=False, top=True,
                                immediate=True)

    # -- copying ----------------------------------------------------------------------

    @on(Button.Pressed, ".connect-copy")
    def _copy_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        assert event.button.id is not None
        self.copy(event.button.id.removeprefix("copy-"))

    def copy(self, client: str) -> None:
        if client not in self._texts:
            return
        self.show_section(client)
        self.query_one(f"#copy-status-{client}", CopyStatus).copy()
