"""The frame of the screens for managers and admins (Admin, People).

Whether a role sees them is the domain's word (`Role.sees_admin_view`); it is known
only once the backend answers who is connected, so these screens compose their body up
front and decide on every `ready`: a member sees a polite refusal in place of the body,
anyone else the screen's data, loaded then (and again on a reconnect).
"""

from __future__ import annotations

from textual import getters
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.worker import Worker

from tui_app.domain.models import Me
from tui_app.ui.session import Session, SessionApp
from tui_app.ui.widgets.status_bar import StatusBar
from tui_app.ui.widgets.title_bar import TitleBar


class AdminViewScreen(Screen[None]):
    """A screen for managers and admins; members are refused.

    Its widget ids start with the screen's id: `<id>-body` holds what `compose_body`
    yields, `<id>-refused` the refusal.
    """

    app = getters.app(SessionApp)

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id)
        self._ready = False
        self._refused = False

    @property
    def session(self) -> Session:
        return self.app.session

    @property
    def _usable(self) -> bool:
        return self._ready and not self._refused

    # -- what a screen says ----------------------------------------------------

    def compose_body(self) -> ComposeResult:
        """The screen's own widgets, between the title bar and the footer."""
        raise NotImplementedError

    def _show_title(self) -> None:
        raise NotImplementedError

    def _connected(self, first: bool) -> None:
        """The backend is ready for someone who may see this screen (first: since the
        screen opened; otherwise a reconnect)."""
        raise NotImplementedError

    # -- layout ----------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield TitleBar()
        with Vertical(id=f"{self.id}-body"):
            yield from self.compose_body()
        yield Static("", id=f"{self.id}-refused")
        if self.session.status is not None:  # a shell that shows the connection
            yield StatusBar(id="status-bar")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one(f"#{self.id}-refused").display = False
        session = self.session
        session.ready.subscribe(self, self._on_backend_ready)
        if session.me is not None and session.api is not None:
            self._on_backend_ready(session.me)
        else:
            self._show_title()

    def _on_backend_ready(self, me: Me) -> None:
        if not me.user.role.sees_admin_view:
            self._refuse()
            return
        first = not self._ready
        self._ready = True
        self._connected(first)

    def _refuse(self) -> None:
        self._refused = True
        self.query_one(f"#{self.id}-body").display = False
        refused = self.query_one(f"#{self.id}-refused", Static)
        refused.display = True
        refused.update(f"The {self.TITLE} screen is for managers and admins. "
                       "Press 1 for your own keys.")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.session.report_worker_failure(event)  # worker events do not bubble
