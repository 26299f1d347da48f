"""AgentKeysApp: the shell that holds the connection, the screens and the status.

Screens reach the backend through `app.api` (ApiClient), the caller through `app.me`,
time through `app.clock()`. The first frame is painted before anything heavy happens:
the backend (embedded server, keyring, httpx) is opened in a thread worker afterwards,
and screens load when `app.backend_ready` fires (again after every reconnection).

Start-up speed (issue 3, `make bench`): My keys is the *default* screen, not a mode
created in on_mount (Textual reparses the whole stylesheet, twice, for a new mode);
the worker starts only after the first frame has been rendered; keys prefetched by the
command line (client/prefetch.py) are shown in the frame after it; httpx and its TLS
context are prepared while the embedded server starts; the first sign-in asks for the
caller and the keys at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen
from textual.signal import Signal
from textual.worker import Worker, WorkerState

from tui_app.client.errors import ApiError, ServerUnreachable
from tui_app.domain.clock import Clock, system_clock
from tui_app.ui.backend import Connection, Target
from tui_app.ui.commands import AgentKeysCommands
from tui_app.ui.safe import safe_message
from tui_app.ui.screens.my_keys import MyKeysScreen
from tui_app.ui.startup import resume_gc

if TYPE_CHECKING:
    # Annotations only: the client (httpx) and the models load after the first frame.
    from tui_app.client.api import ApiClient
    from tui_app.domain.models import AgentKey, Me

T = TypeVar("T")

RETRY_SECONDS = 3.0
KEEPALIVE_SECONDS = 300.0


class ConnectionState(StrEnum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    UNREACHABLE = "unreachable"
    REJECTED = "login rejected"


class StatusInfo(NamedTuple):
    """What the status bar shows; replaced as a whole so one watcher sees every change.

    A NamedTuple, not a frozen dataclass: defining one of those costs ~0.8 ms, and this
    module loads before the first frame (issue 3)."""

    state: ConnectionState = ConnectionState.CONNECTING
    url: str = ""
    user: str = ""
    role: str = ""
    credential: str = ""
    detail: str = ""


def _audit_screen() -> Screen[Any]:
    from tui_app.ui.screens.audit import AuditScreen

    return AuditScreen()


def _admin_screen() -> Screen[Any]:
    from tui_app.ui.screens.admin import AdminScreen

    return AdminScreen()


class AgentKeysApp(App[None]):
    """agentkeys: own keys, admin triage and the audit log over the HTTP API."""

    CSS_PATH = "app.tcss"
    TITLE = "agentkeys"
    COMMANDS = App.COMMANDS | {AgentKeysCommands}
    # "my-keys" is the default mode and its screen comes from get_default_screen(); it
    # joins the modes in on_mount (a mode known at compose time costs two full CSS
    # reparses before the first frame).
    DEFAULT_MODE = "my-keys"
    MODES = {"admin": _admin_screen, "audit": _audit_screen}
    BINDINGS = [
        Binding("1", "show_my_keys", "My keys", show=False, id="screen-my-keys",
                tooltip="Your own keys: Active and Inactive panes"),
        Binding("2", "show_admin", "Admin", show=False, id="screen-admin",
                tooltip="Every key you may manage (managers and admins)"),
        Binding("3", "show_audit", "Audit", show=False, id="screen-audit",
                tooltip="The audit log of the keys you may see"),
        Binding("question_mark", "show_help", "Help", id="help", key_display="?",
                tooltip="Every key binding"),
        Binding("q", "quit", "Quit", id="quit", tooltip="Leave agentkeys"),
    ]

    status: reactive[StatusInfo] = reactive(StatusInfo, always_update=True)

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
        self.clock: Clock = clock or system_clock
        self.api: ApiClient | None = None
        self.me: Me | None = None
        self.connection: Connection | None = None
        self._target = target or Target()
        self._given = (
            Connection(server_url, token, credential) if server_url is not None else None
        )
        self.server_url = server_url or ""
        self.backend_ready: Signal[Me] = Signal(self, "backend-ready")
        # Keys shown before the client is ready (see _use_prefetched).
        self.first_view: Signal[list[AgentKey]] = Signal(self, "first-view")
        self.prefetched: tuple[Me, list[AgentKey]] | None = None
        self._retry_timer: Any = None
        self._first_keys: asyncio.Task[list[AgentKey]] | None = None

    # -- start-up ------------------------------------------------------------------------

    def get_default_screen(self) -> Screen[Any]:
        return MyKeysScreen()

    def on_mount(self) -> None:
        self.add_mode("my-keys", MyKeysScreen)  # its screen exists already (default)
        self.status = StatusInfo(url=self.server_url or self._target.label)
        if self._given is not None:
            self._use_connection(self._given)

    @work(thread=True, group="prefetch", exit_on_error=False)
    def _await_prefetch(self) -> None:
        assert self._target.prefetch is not None
        self.call_from_thread(self._use_prefetched, self._target.prefetch.result())

    def _use_prefetched(self, result: tuple[Me, list[AgentKey]] | None) -> None:
        """The first screenful from the command line's prefetch (client/prefetch.py),
        shown while the full client is still loading; ignored if that one was faster."""
        if result is None or self.me is not None:
            return
        me, keys = result
        self.prefetched = (me, keys)
        self._set_status(user=me.user.name or me.user.email, role=me.user.role.value,
                         credential=self._target.local.credential if self._target.local
                         else self.status.credential)
        self.first_view.publish(keys)

    def on_ready(self) -> None:
        """Start the heavy start-up once the first frame has been rendered: its imports
        hold the GIL, so starting earlier would delay that frame. The prefetched keys
        come first (issue 3): the models they need and their rows cost about as much as
        the rest of that first frame, so they go in the next one."""
        prefetch = self._target.prefetch
        if prefetch is not None:
            if prefetch.ready():  # usually: the answer came while Textual was importing
                self._use_prefetched(prefetch.result())
            else:
                self._await_prefetch()
        if self._given is None and self.connection is None:
            self.call_after_refresh(self._open_backend)
        # Garbage collection was paused by the command line for the start-up (fewer
        # full scans while modules load); My keys resumes it once its first rows are on
        # screen, this in any case after a few seconds.
        self.set_timer(3.0, resume_gc)

    @work(thread=True, exclusive=True, group="connect", exit_on_error=False)
    def _open_backend(self, again: bool = False) -> None:
        # httpx and its TLS context (certifi: ~20 ms) are prepared while the embedded
        # server is still starting in its process, not after it answers.
        transport = self._transport
        if transport is None:
            import httpx

            from tui_app.client import api  # noqa: F401 - the import is the work

            transport = httpx.AsyncHTTPTransport()
            _warm_http_client()
        # Blocking: keyring, config, the local server (found, or started when `again`).
        connection = self._target.open(again=again)
        self.call_from_thread(self._use_connection, connection, transport)

    def _use_connection(self, connection: Connection, transport: Any = None) -> None:
        from tui_app.client.api import ApiClient

        if self.api is not None:  # a reconnection: the old client's sockets go
            self.run_worker(self.api.aclose(), exit_on_error=False)
        elif connection.embedded and self._given is None:
            # The local server stops after an idle hour; not under an open TUI.
            self.set_interval(KEEPALIVE_SECONDS, self._health)
        self.connection = connection
        self.server_url = connection.url
        self.api = ApiClient(connection.url, connection.token, source="tui",
                             transport=transport or self._transport)
        self._set_status(url=connection.url, credential=connection.credential)
        self._load_me()

    @work(exclusive=True, group="me", exit_on_error=False)
    async def _load_me(self) -> None:
        if self.me is None and self.api is not None and self._first_keys is None:
            # The first sign-in: My keys needs the caller's keys too, so ask for both at
            # once (one round trip before the rows show, not two). My keys takes the
            # answer with take_first_keys().
            self._first_keys = asyncio.create_task(self.api.list_all_keys("all"))
            self._first_keys.add_done_callback(_retrieve)
        me = await self.call_api(lambda api: api.me(), what="Signing in")
        if me is None:
            self._drop_first_keys()
            return
        self.me = me
        role = me.user.role.value
        self._set_status(
            state=ConnectionState.CONNECTED, user=me.user.name or me.user.email, role=role,
            detail="",
        )
        self.backend_ready.publish(me)

    def take_first_keys(self) -> asyncio.Task[list[AgentKey]] | None:
        """The keys asked for with the first sign-in, once; None afterwards."""
        task, self._first_keys = self._first_keys, None
        return task

    def _drop_first_keys(self) -> None:
        task = self.take_first_keys()
        if task is not None:
            task.cancel()

    # -- connection state ----------------------------------------------------------------

    def _set_status(self, **changes: Any) -> None:
        self.status = self.status._replace(**changes)

    @property
    def connected(self) -> bool:
        return self.status.state is ConnectionState.CONNECTED and self.api is not None

    def mark_unreachable(self, error: ServerUnreachable | None = None) -> None:
        """The server did not answer: say so once, keep retrying in the background."""
        if self.status.state is not ConnectionState.UNREACHABLE:
            self._set_status(state=ConnectionState.UNREACHABLE, detail="retrying")
            self.notify(
                f"Cannot reach the server at {safe_message(self.server_url)}. "
                f"Retrying every {RETRY_SECONDS:.0f} s; nothing you typed is lost.",
                title="Server unreachable", severity="error", timeout=8, markup=False,
            )
        if self._retry_timer is None:
            self._retry_timer = self.set_interval(RETRY_SECONDS, self._probe)

    def mark_connected(self) -> None:
        if self._retry_timer is not None:
            self._retry_timer.stop()
            self._retry_timer = None
        if self.status.state is ConnectionState.CONNECTED:
            return
        was_unreachable = self.status.state is ConnectionState.UNREACHABLE
        if self.me is None:
            # Not from inside _load_me itself (its own call_api lands here): that would
            # ask for the caller twice.
            if not any(w.group == "me" and w.is_running for w in self.workers):
                self._set_status(state=ConnectionState.CONNECTING, detail="")
                self._load_me()
            return
        self._set_status(state=ConnectionState.CONNECTED, detail="")
        if was_unreachable:
            self.notify("Connected to the server again.", markup=False)
        self.backend_ready.publish(self.me)

    def _probe(self) -> None:
        if self.api is None:
            if self.connection is None and self._given is None:
                self._open_backend()
            return
        self._health()

    @work(exclusive=True, group="probe", exit_on_error=False)
    async def _health(self) -> None:
        if self.api is None:
            return
        try:
            await self.api.health()
        except (ServerUnreachable, ApiError):
            if self.connection is not None and self.connection.embedded and self._given is None:
                # The local server is ours to bring back (it stopped when idle, was
                # killed or replaced): find it or start it again, new port and token.
                self._open_backend(again=True)
            return
        self.mark_connected()

    async def call_api(
        self, call: Callable[[ApiClient], Awaitable[T]], *, what: str = "The request"
    ) -> T | None:
        """Run one API call for a screen: failures become a message, never a crash.

        Returns None when the call failed (the user has been told why)."""
        if self.api is None:
            self.notify("Still connecting to the server…", markup=False)
            return None
        try:
            result = await call(self.api)
        except ServerUnreachable as exc:
            self.mark_unreachable(exc)
            return None
        except ApiError as exc:
            self.report_api_error(exc, what=what)
            return None
        if self.status.state is not ConnectionState.CONNECTED:
            self.mark_connected()
        return result

    def report_api_error(self, exc: ApiError, *, what: str = "The request") -> None:
        if exc.is_auth:
            self._set_status(state=ConnectionState.REJECTED, detail=exc.code)
        self.notify(
            f"{what} failed: {safe_message(exc.message)} ({safe_message(exc.code)})",
            severity="error", timeout=8, markup=False,
        )

    def watching(
        self, call: Callable[[ApiClient], Awaitable[T]]
    ) -> Awaitable[T]:
        """For a modal's submit: errors go back to the modal (it shows them and keeps the
        input), and the status bar still learns that the server is unreachable."""

        async def run() -> T:
            if self.api is None:
                raise ServerUnreachable(self.server_url, "not connected yet")
            try:
                result = await call(self.api)
            except ServerUnreachable as exc:
                self.mark_unreachable(exc)
                raise
            if self.status.state is not ConnectionState.CONNECTED:
                self.mark_connected()
            return result

        return run()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.report_worker_failure(event)

    def report_worker_failure(self, event: Worker.StateChanged) -> None:
        """The one place for what nobody expected: tell the user, keep running.

        Worker events do not bubble, so screens forward theirs here."""
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        if event.worker.group == "connect":
            self._set_status(state=ConnectionState.UNREACHABLE, detail="could not start")
            self.notify(
                f"Could not open the server: {safe_message(error)}",
                severity="error", timeout=15, markup=False,
            )
            if self._retry_timer is None:
                self._retry_timer = self.set_interval(RETRY_SECONDS * 5, self._probe)
            return
        if isinstance(error, ServerUnreachable):
            self.mark_unreachable(error)
            return
        if isinstance(error, ApiError):
            self.report_api_error(error)
            return
        self.log.error("worker failed", worker=event.worker.name, error=repr(error))
        self.notify(
            f"Something went wrong: {safe_message(type(error).__name__)}: {safe_message(error)}",
            severity="error", timeout=10, markup=False,
        )

    # -- screens -------------------------------------------------------------------------

    def action_show_my_keys(self) -> None:
        self.switch_mode("my-keys")

    def action_show_admin(self) -> None:
        if self.me is not None and not self.me.user.role.sees_admin_view:
            self.notify("The Admin screen is for managers and admins.", markup=False)
            return
        self.switch_mode("admin")

    def action_show_audit(self) -> None:
        self.switch_mode("audit")

    def action_show_help(self) -> None:
        from tui_app.ui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    # -- shutdown ------------------------------------------------------------------------

    async def on_unmount(self) -> None:
        self._drop_first_keys()
        if self.api is not None:
            await self.api.aclose()
        if self.connection is not None and self.connection.close is not None:
            self.connection.close()


def _warm_http_client() -> None:
    """Import what httpx imports on its first request (anyio's asyncio backend, h11),
    while the embedded server is still starting rather than after it answers. Only a
    head start: if these internals move in a new version, the request imports them."""
    import contextlib
    import importlib

    for name in ("anyio._backends._asyncio", "anyio.streams.tls", "httpcore._async.http11",
                 "h11"):
        with contextlib.suppress(ImportError):
            importlib.import_module(name)


def _retrieve(task: asyncio.Task[Any]) -> None:
    """Nobody may await the first keys (sign-in failed, screen left): no asyncio warning."""
    if not task.cancelled():
        task.exception()

