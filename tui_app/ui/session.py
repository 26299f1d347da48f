"""What a screen may ask of the shell: the connection, calls to the server, the first keys.

Screens know the session and nothing else of the app (`self.app.session`; the app is a
`SessionApp`). The session holds the connection's state (shown by the status bar),
runs calls with one error policy, brings the connection back when it is lost, and
hands My keys the keys fetched at start-up.

One error policy, in `report`: an unreachable server marks the connection unreachable
(said once, then retried in the background), an API error is a notification (a
rejected login also shows in the status bar), anything else is "something went
wrong". `call` applies it and returns None; `watching` is for a modal's submit, whose
form shows the error itself: it only lets the status bar learn that the server is
unreachable, and re-raises.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from textual.app import App
from textual.signal import Signal
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from tui_app.client.errors import ApiError, ServerUnreachable
from tui_app.domain.clock import Clock, system_clock
from tui_app.ui.safe import safe_message

if TYPE_CHECKING:
    # Annotations only: the client (httpx) and the models load after the first frame.
    from tui_app.client.api import ApiClient
    from tui_app.domain.models import AgentKey, Me
    from tui_app.ui.backend import Connection

T = TypeVar("T")

RETRY_SECONDS = 3.0
KEEPALIVE_SECONDS = 300.0


class ConnectionState(StrEnum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    UNREACHABLE = "unreachable"
    REJECTED = "login rejected"


@dataclass(frozen=True, slots=True)
class StatusInfo:
    """What the status bar shows; replaced as a whole so one watcher sees every change."""

    state: ConnectionState = ConnectionState.CONNECTING
    url: str = ""
    user: str = ""
    role: str = ""
    credential: str = ""
    detail: str = ""


class Session:
    """The connection and the calls over it, for every screen of one app.

    `status` is None in a host that shows no connection status (a screen tested alone
    with a fixed client); the shell always has one.
    """

    def __init__(
        self,
        app: App[Any],
        *,
        clock: Clock = system_clock,
        api: ApiClient | None = None,
        me: Me | None = None,
        server_url: str = "",
        status: StatusInfo | None = None,
    ) -> None:
        self._app = app
        self.clock = clock
        self.api = api
        self.me = me
        self.server_url = server_url or (api.base_url if api is not None else "")
        self.status = status
        self.connection: Connection | None = None
        # Published with the caller after every sign-in and reconnection: screens load.
        self.ready: Signal[Me] = Signal(app, "session-ready")
        self.status_changed: Signal[StatusInfo] = Signal(app, "session-status")
        # Keys shown before the client is ready (the command line's prefetch).
        self.early_view: Signal[list[AgentKey]] = Signal(app, "session-early-view")
        self.early: tuple[Me, list[AgentKey]] | None = None
        # How to open the connection again (given by the shell when the server is its
        # own to find or start): reopen(again).
        self.reopen: Callable[[bool], None] | None = None
        # Called by My keys once its first rows are painted: the start-up is over, and
        # the shell may do what it held back until then (see ui/startup.py).
        self.startup_done: Callable[[], None] = _nothing
        self._retry_timer: Timer | None = None
        self._first_keys: asyncio.Task[list[AgentKey]] | None = None

    # -- state -------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        if self.status is None:
            return self.api is not None and self.me is not None
        return self.status.state is ConnectionState.CONNECTED and self.api is not None

    def set_status(self, status: StatusInfo) -> None:
        self.status = status
        self.status_changed.publish(status)

    def _set_state(self, state: ConnectionState, detail: str = "") -> None:
        if self.status is not None:
            self.set_status(replace(self.status, state=state, detail=detail))

    def _show_where(self, url: str, credential: str) -> None:
        if self.status is not None:
            self.set_status(replace(self.status, url=url, credential=credential))

    def _show_caller(self, me: Me, credential: str | None = None) -> None:
        if self.status is not None:
            self.set_status(replace(
                self.status, user=me.user.name or me.user.email, role=me.user.role.value,
                credential=self.status.credential if credential is None else credential))

    # -- the connection ----------------------------------------------------------------

    def use(self, connection: Connection, transport: Any = None) -> None:
        """Talk to `connection` from now on (the first one, or after a reconnection)."""
        from tui_app.client.api import ApiClient

        if self.api is not None:  # a reconnection: the old client's sockets go
            self._app.run_worker(self.api.aclose(), exit_on_error=False)
        elif connection.embedded and self.reopen is not None:
            # The local server stops after an idle hour; not under an open TUI.
            self._app.set_interval(KEEPALIVE_SECONDS, self.check_health)
        self.connection = connection
        self.server_url = connection.url
        self.api = ApiClient(connection.url, connection.token, source="tui",
                             transport=transport)
        self._show_where(connection.url, connection.credential)
        self._app.run_worker(self._sign_in(), group="me", exclusive=True,
                             exit_on_error=False)

    async def _sign_in(self) -> None:
        if self.me is None and self.api is not None and self._first_keys is None:
            # The first sign-in: My keys needs the caller's keys too, so ask for both at
            # once (one round trip before the rows show, not two); own_keys() takes them.
            self._first_keys = asyncio.create_task(self.api.list_all_keys("all"))
            self._first_keys.add_done_callback(_retrieve)
        me = await self.call(lambda api: api.me(), what="Signing in")
        if me is None:
            self._drop_first_keys()
            return
        self.me = me
        self._show_caller(me)
        self._set_state(ConnectionState.CONNECTED)
        self.ready.publish(me)

    def show_early(self, me: Me, keys: list[AgentKey], credential: str | None) -> None:
        """The first screenful, fetched before the client was ready; ignored if the
        client was faster."""
        if self.me is not None:
            return
        self.early = (me, keys)
        self._show_caller(me, credential)
        self.early_view.publish(keys)

    async def own_keys(self) -> list[AgentKey] | None:
        """The caller's keys: those asked for with the first sign-in once, then anew."""
        task, self._first_keys = self._first_keys, None
        if task is not None:
            try:
                return await task
            except Exception:  # asked again below, which reports the failure
                pass
        return await self.call(lambda api: api.list_all_keys("all"),
                               what="Loading your keys")

    def _drop_first_keys(self) -> None:
        task, self._first_keys = self._first_keys, None
        if task is not None:
            task.cancel()

    async def close(self) -> None:
        self._drop_first_keys()
        if self.api is not None:
            await self.api.aclose()
        if self.connection is not None and self.connection.close is not None:
            self.connection.close()

    # -- losing and finding the server ---------------------------------------------------

    def mark_unreachable(self) -> None:
        """The server did not answer: say so once, keep retrying in the background."""
        if self.status is not None and self.status.state is not ConnectionState.UNREACHABLE:
            self._set_state(ConnectionState.UNREACHABLE, "retrying")
            self._app.notify(
                f"Cannot reach the server at {safe_message(self.server_url)}. "
                f"Retrying every {RETRY_SECONDS:.0f} s; nothing you typed is lost.",
                title="Server unreachable", severity="error", timeout=8, markup=False,
            )
        self._start_retrying(RETRY_SECONDS)

    def could_not_open(self, error: BaseException | None) -> None:
        """Opening the connection failed (the local server would not start)."""
        self._set_state(ConnectionState.UNREACHABLE, "could not start")
        self._app.notify(f"Could not open the server: {safe_message(error)}",
                         severity="error", timeout=15, markup=False)
        self._start_retrying(RETRY_SECONDS * 5)

    def _start_retrying(self, seconds: float) -> None:
        if self._retry_timer is None and self.status is not None:
            self._retry_timer = self._app.set_interval(seconds, self._probe)

    def mark_connected(self) -> None:
        if self._retry_timer is not None:
            self._retry_timer.stop()
            self._retry_timer = None
        if self.status is None or self.status.state is ConnectionState.CONNECTED:
            return
        was_unreachable = self.status.state is ConnectionState.UNREACHABLE
        if self.me is None:
            # Not from inside the sign-in itself (its own call lands here): that would
            # ask for the caller twice.
            if not any(w.group == "me" and w.is_running for w in self._app.workers):
                self._set_state(ConnectionState.CONNECTING)
                self._app.run_worker(self._sign_in(), group="me", exclusive=True,
                                     exit_on_error=False)
            return
        self._set_state(ConnectionState.CONNECTED)
        if was_unreachable:
            self._app.notify("Connected to the server again.", markup=False)
        self.ready.publish(self.me)

    def _probe(self) -> None:
        if self.api is None:
            if self.reopen is not None:
                self.reopen(False)
            return
        self.check_health()

    def check_health(self) -> None:
        """Ask the server whether it is there (the keep-alive and the retries do)."""
        self._app.run_worker(self._health(), group="probe", exclusive=True,
                             exit_on_error=False)

    async def _health(self) -> None:
        if self.api is None:
            return
        try:
            await self.api.health()
        except (ServerUnreachable, ApiError):
            if self.reopen is not None and self.connection is not None \
                    and self.connection.embedded:
                # The local server is ours to bring back (it stopped when idle, was
                # killed or replaced): find it or start it again, new port and token.
                self.reopen(True)
            return
        self.mark_connected()

    # -- calls ---------------------------------------------------------------------------

    async def call(
        self, call: Callable[[ApiClient], Awaitable[T]], *, what: str = "The request"
    ) -> T | None:
        """Run one API call for a screen: a failure is reported, never raised.

        Returns None when the call failed (the user has been told why)."""
        if self.api is None:
            self._app.notify("Still connecting to the server…", markup=False)
            return None
        try:
            result = await call(self.api)
        except (ServerUnreachable, ApiError) as error:
            self.report(error, what)
            return None
        self._answered()
        return result

    def watching(self, call: Callable[[ApiClient], Awaitable[T]]) -> Awaitable[T]:
        """For a modal's submit: errors go back to the modal (it shows them and keeps the
        input), and the status bar still learns that the server is unreachable."""

        async def run() -> T:
            if self.api is None:
                raise ServerUnreachable(self.server_url, "not connected yet")
            try:
                result = await call(self.api)
            except ServerUnreachable:
                self.mark_unreachable()
                raise
            self._answered()
            return result

        return run()

    def _answered(self) -> None:
        if self.status is not None and self.status.state is not ConnectionState.CONNECTED:
            self.mark_connected()

    def report(self, error: BaseException, what: str = "The request") -> None:
        """The one way a failed call is told: see the module's docstring."""
        if isinstance(error, ServerUnreachable):
            self.mark_unreachable()
            return
        if isinstance(error, ApiError):
            if error.is_auth:
                self._set_state(ConnectionState.REJECTED, error.code)
            self._app.notify(
                f"{what} failed: {safe_message(error.message)} ({safe_message(error.code)})",
                severity="error", timeout=8, markup=False,
            )
            return
        self._app.log.error("call failed", what=what, error=repr(error))
        self._app.notify(
            f"Something went wrong: {safe_message(type(error).__name__)}: "
            f"{safe_message(error)}",
            severity="error", timeout=10, markup=False,
        )

    def report_worker_failure(self, event: Worker.StateChanged) -> None:
        """What nobody expected in a worker: told, and the app keeps running.

        Worker events do not bubble, so screens forward theirs here."""
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            self.report(event.worker.error)


class SessionApp(App[None]):
    """An app that gives its screens a session: the shell, or a host in tests."""

    session: Session

    def deliver_screenshot(self, filename: str | None = None, path: str | None = None,
                           time_format: str | None = None) -> str | None:
        """The palette's Screenshot: saved where it can be, not only in a Downloads
        directory that may not exist (see ui/screenshot.py)."""
        from tui_app.ui.screenshot import save_screenshot

        saved = save_screenshot(self, filename, path)
        return None if saved is None else str(saved)


def _nothing() -> None:
    pass


def _retrieve(task: asyncio.Task[Any]) -> None:
    """Nobody may await the first keys (sign-in failed, screen left): no asyncio warning."""
    if not task.cancelled():
        task.exception()
