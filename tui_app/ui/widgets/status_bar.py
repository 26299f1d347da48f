"""The status bar: connection state, server URL, who you are, where the credential lives.

It follows the session's status (replaced as a whole), so every screen's bar shows the
same thing without the screens knowing about it. The state is spelled out in words,
not only colours, so it reads the same with NO_COLOR.
"""

from __future__ import annotations

from rich.text import Text
from textual import getters
from textual.widgets import Static

from tui_app.ui.safe import safe_text
from tui_app.ui.session import SessionApp, StatusInfo

_STATE_STYLE = {
    "connecting": "bold",
    "connected": "bold green",
    "unreachable": "bold reverse red",
    "login rejected": "bold reverse red",
}


class StatusBar(Static):
    """One line at the bottom of every screen."""

    app = getters.app(SessionApp)

    def on_mount(self) -> None:
        session = self.app.session
        session.status_changed.subscribe(self, self._show, immediate=True)
        if session.status is not None:
            self._show(session.status)

    def _show(self, status: StatusInfo) -> None:
        state = str(status.state)
        line = Text(no_wrap=True, overflow="ellipsis")
        marker = {"connected": "●", "connecting": "…"}.get(state, "✗")
        line.append(f" {marker} {state}", style=_STATE_STYLE.get(state, "bold"))
        if status.detail:
            line.append(f" ({status.detail})", style=_STATE_STYLE.get(state, ""))
        line.append("  ")
        line.append_text(safe_text(status.url, "underline"))
        if status.user:
            line.append("  ")
            line.append_text(safe_text(status.user, "bold"))
            line.append(f" ({status.role})")
        if status.credential:
            line.append("  credential: ", style="dim")
            line.append_text(safe_text(status.credential))
        self.set_class(state != "connected", "-problem")
        self.update(line)
