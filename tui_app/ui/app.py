"""AgentKeysApp: the shell that opens the connection and holds the screens.

Screens reach the server, the caller and the clock through `app.session` (session.py),
never through this module. The connection is opened after the first frame, in a
thread (startup.py says why and what else the start-up does), and screens load when
`session.ready` fires — again after every reconnection.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from tui_app.domain.clock import Clock, system_clock
from tui_app.ui.backend import Connection, Target
from tui_app.ui.commands import AgentKeysCommands
from tui_app.ui.my_keys.screen import MyKeysScreen
from tui_app.ui.session import Session, SessionApp, StatusInfo
from tui_app.ui.startup import Startup, open_connection

if TYPE_CHECKING:
    from tui_app.domain.models import AgentKey, Me


def _audit_screen() -> Screen[Any]:
    from tui_app.ui.audit.screen import AuditScreen

    return AuditScreen()


def _activity_screen() -> Screen[Any]:
    from tui_app.ui.activity.screen import ActivityScreen

    return ActivityScreen()


def _people_screen() -> Screen[Any]:
    from tui_app.ui.people.screen import PeopleScreen

    return PeopleScreen()


def _connections_screen() -> Screen[Any]:
    from tui_app.ui.connections.screen import ConnectionsScreen

    return ConnectionsScreen()


def _admin_screen() -> Screen[Any]:
    from tui_app.ui.admin.screen import AdminScreen

    return AdminScreen()


class AgentKeysApp(SessionApp):
    """agentkeys: own keys, admin triage and the audit log over the HTTP API."""

    # The shell and My keys, the first screen; other screens read theirs when first shown.
    CSS_PATH = ["app.tcss", "my_keys/my_keys.tcss"]
    TITLE = "agentkeys"
    COMMANDS = App.COMMANDS | {AgentKeysCommands}
    # My keys is the default screen (get_default_screen); it joins the modes in on_mount.
    DEFAULT_MODE = "my-keys"
    MODES = {"admin": _admin_screen, "audit": _audit_screen, "activity": _activity_screen,
             "people": _people_screen, "connections": _connections_screen}
    BINDINGS = [
        Binding("1", "show_my_keys", "My keys", show=False, id="screen-my-keys",
                tooltip="Your own keys: Active and Inactive panes"),
        Binding("2", "show_admin", "Admin", show=False, id="screen-admin",
                tooltip="Every key you may manage (managers and admins)"),
        Binding("3", "show_audit", "Audit", show=False, id="screen-audit",
                tooltip="The audit log of the keys you may see"),
        Binding("4", "show_activity", "Activity", show=False, id="screen-activity",
                tooltip="What agents did with the keys you may see, live"),
        Binding("5", "show_people", "People", show=False, id="screen-people",
                tooltip="People and teams (admins manage, managers read)"),
        # Named for what it does: the palette lists it as "Authorize a connection".
        Binding("6", "show_connections", "Authorize a connection", show=False,
                id="screen-connections",
                tooltip="The Connections screen: type an agent's code, approve or deny it"),
        Binding("question_mark", "show_help", "Help", id="help", key_display="?",
                tooltip="Every key binding"),
        # Not in the footer: at 80 columns the footer keeps the room for the screen's own
        # keys, and help and the palette both list q.
        Binding("q", "quit", "Quit", id="quit", show=False, tooltip="Leave agentkeys"),
        # In the footer's flow rather than docked over its right end, where it covered
        # the last keys at 80 columns (the footers turn the docked one off).
        Binding("ctrl+p", "command_palette", "Palette", key_display="^p", priority=True,
                id="command-palette", tooltip="Search every action"),
    ]

    def __init__(
        self,
        target: Target | None = None,
        *,
        server_url: str | None = None,
        token: str | None = None,
        credential: str = "given to the app",
        clock: Clock | None = None,
        transport: Any = None,
    ) -> None:
        """Either a `target` to open in the background (the command line's way), or a
        `server_url` and `token` that are already known (tests, screenshots; `transport`
        is an httpx transport, e.g. ASGITransport for a server without a port)."""
        super().__init__()
        self._transport = transport
        self._target = target or Target()
        self._given = (
            Connection(server_url, token, credential) if server_url is not None else None
        )
        self.session = Session(self, clock=clock or system_clock, server_url=server_url or "",
                               status=StatusInfo(url=server_url or self._target.label))
        if self._given is None:
            # The server is ours to open, and to open again when it is lost.
            self.session.reopen = self._connect
        self._startup = Startup(self, self.session, self._target, self._connect)

    # What tests and the command line read of the connection.

    @property
    def status(self) -> StatusInfo:
        assert self.session.status is not None
        return self.session.status

    @property
    def me(self) -> Me | None:
        return self.session.me

    @property
    def server_url(self) -> str:
        return self.session.server_url

    @property
    def connection(self) -> Connection | None:
        return self.session.connection

    @property
    def prefetched(self) -> tuple[Me, list[AgentKey]] | None:
        return self.session.early

    def _health(self) -> None:
        self.session.check_health()

    # -- start-up ------------------------------------------------------------------------

    def get_default_screen(self) -> Screen[Any]:
        return MyKeysScreen()

    def on_mount(self) -> None:
        self.add_mode("my-keys", MyKeysScreen)  # its screen exists already (default)
        if self._given is not None:
            self.session.use(self._given, self._transport)

    def on_ready(self) -> None:
        self._startup.first_frame_painted(connect=self._given is None)

    def _connect(self, again: bool = False) -> None:
        """Open the connection in a thread; `again` after it was lost."""
        self._open_backend(again)

    @work(thread=True, exclusive=True, group="connect", exit_on_error=False)
    def _open_backend(self, again: bool = False) -> None:
        connection, transport = open_connection(self._target, self._transport, again=again)
        self.call_from_thread(self.session.use, connection, transport)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.group == "connect":
            self.session.could_not_open(event.worker.error)
        else:
            self.session.report_worker_failure(event)

    # -- screens -------------------------------------------------------------------------

    def action_show_my_keys(self) -> None:
        self.switch_mode("my-keys")

    def action_show_admin(self) -> None:
        me = self.session.me
        if me is not None and not me.user.role.sees_admin_view:
            self.notify("The Admin screen is for managers and admins.", markup=False)
            return
        self.switch_mode("admin")

    def action_show_audit(self) -> None:
        self.switch_mode("audit")

    def action_show_activity(self) -> None:
        self.switch_mode("activity")

    def action_show_people(self) -> None:
        me = self.session.me
        if me is not None and not me.user.role.sees_admin_view:
            self.notify("The People screen is for managers and admins.", markup=False)
            return
        self.switch_mode("people")

    def action_show_connections(self) -> None:
        self.switch_mode("connections")

    def action_show_help(self) -> None:
        from tui_app.ui.help.screen import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    # -- shutdown ------------------------------------------------------------------------

    async def on_unmount(self) -> None:
        await self.session.close()
