"""Start-up: what `agentkeys` does so that My keys paints at once and its rows follow.

`make bench` times the TUI from process start to its first frame and to its rows, beside
a bare Textual app. Each of these was measured to pay for itself:

- Garbage collection is paused from the command line's first line (`pause_gc`) until
  the first rows are on screen, or three seconds have passed (`resume_gc`). Importing
  Textual and building the first frame allocate hundreds of thousands of objects that
  live for the whole run: full scans during that phase find nothing and cost ~10% of
  the start-up. Reference counting still frees everything that is not in a cycle.
  Resuming freezes what exists by then (gc.freeze), or the first collection would scan
  it all at once: a pause of tens of milliseconds right when the rows are painted.
- Nothing heavy runs before the first frame. Only the shell's and My keys' styles are
  read then (other screens and modals read theirs when first shown: every stylesheet
  is parsed several times before the first frame); My keys is the app's default screen,
  not a mode made in on_mount (a mode known at compose time costs two full stylesheet
  reparses); the filter box is mounted just after the first frame (Lazy).
- The connection is opened in a thread once the first frame is painted (`Startup.
  first_frame_painted`): its imports hold the GIL, so starting earlier delays that
  frame. httpx and its TLS context (certifi: ~20 ms) are prepared while the local
  server is still starting, not after it answers (`open_connection`).
- When the local server already runs, the command line forks a child that fetches the
  first screenful before Textual is even imported (client/prefetch.py); My keys shows
  it in the frame after the first, before the client is loaded (`Session.show_early`).
- The first sign-in asks for the caller and the keys at once (`Session.own_keys`): one
  round trip before the rows, not two. My keys paints the rows first, then the details
  of the highlighted key and their events.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.app import App

    from tui_app.ui.backend import Connection, Target
    from tui_app.ui.session import Session

GC_RESUME_SECONDS = 3.0

_paused = False


def pause_gc() -> None:
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume_gc() -> None:
    """Idempotent; does nothing when pause_gc() did not pause it (tests, screenshots)."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()


class Startup:
    """The app's start-up, once its first frame is on screen."""

    def __init__(self, app: App[Any], session: Session, target: Target,
                 open_connection: Callable[[], None]) -> None:
        self._app = app
        self._session = session
        self._target = target
        self._open_connection = open_connection
        # The start-up is over once My keys has painted its first rows.
        session.startup_done = resume_gc

    def first_frame_painted(self, *, connect: bool) -> None:
        prefetch = self._target.prefetch
        if prefetch is not None:
            if prefetch.ready():  # usually: the answer came while Textual was importing
                self._show_prefetched(prefetch.result())
            else:
                self._app.run_worker(self._await_prefetch, thread=True, group="prefetch",
                                     exit_on_error=False)
        if connect:
            self._app.call_after_refresh(self._open_connection)
        self._app.set_timer(GC_RESUME_SECONDS, resume_gc)

    def _await_prefetch(self) -> None:
        assert self._target.prefetch is not None
        self._app.call_from_thread(self._show_prefetched, self._target.prefetch.result())

    def _show_prefetched(self, result: Any) -> None:
        if result is not None:
            me, keys = result
            local = self._target.local
            self._session.show_early(me, keys, local.credential if local else None)


def open_connection(target: Target, transport: Any, *, again: bool) -> tuple[Connection, Any]:
    """Blocking, in a thread: the client's imports, then the target's connection."""
    if transport is None:
        import httpx

        from tui_app.client import api  # noqa: F401 - the import is the work

        transport = httpx.AsyncHTTPTransport()
        _warm_http_client()
    # Blocking: keyring, config, the local server (found, or started when `again`).
    return target.open(again=again), transport


def _warm_http_client() -> None:
    """Load what httpx loads on its first request (~80 ms of imports: anyio's asyncio
    backend, httpcore's HTTP/1.1 connection, h11) in this thread, while the local server
    is still starting, instead of on the event loop when the first answer arrives. Public
    names only: running anyio once is what loads its backend."""
    import anyio
    import h11  # noqa: F401 - the import is the work
    import httpcore  # noqa: F401 - the import is the work

    anyio.run(anyio.sleep, 0)
