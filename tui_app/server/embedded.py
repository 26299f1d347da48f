"""The backend on 127.0.0.1, served by uvicorn in a daemon thread of the calling process:
the local server's process (tui_app/server/local.py), the demo's, and tests.

`start_embedded()` blocks until the server answers, then returns the URL and a login
token minted for it (revoked by `stop()`). The first run in a data directory
creates the local organisation with the OS user as its admin. demo=True uses a
throw-away directory seeded with a demo organisation and signs in as its admin.
"""

from __future__ import annotations

import getpass
import logging
import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import uvicorn

from tui_app import local_state
from tui_app.domain.clock import Clock, system_clock
from tui_app.domain.roles import Role
from tui_app.server.api.app import create_app
from tui_app.server.host_names import LOOPBACK_HOSTS
from tui_app.server.keep_alive import SERVER_KEEP_ALIVE
from tui_app.server.settings import Settings, load_or_create_pepper, policy_from_env
from tui_app.server.store import db
from tui_app.server.store import users as users_store

log = logging.getLogger("agentkeys.embedded")

LOCAL_ADMIN_EMAIL_DOMAIN = "local"


@dataclass
class EmbeddedServer:
    url: str
    token: str = field(repr=False)
    database_url: str
    _server: uvicorn.Server = field(repr=False)
    _thread: threading.Thread = field(repr=False)
    _cleanup: Path | None = field(default=None, repr=False)
    _app: Any = field(default=None, repr=False)

    def stop(self, timeout: float = 5.0) -> None:
        self._server.should_exit = True
        self._thread.join(timeout)
        if self._app is not None:
            self.revoke(self.token)  # this server's login token dies with it
            self._app.state.engine.dispose()
        if self._cleanup is not None:
            shutil.rmtree(self._cleanup, ignore_errors=True)

    def revoke(self, token: str) -> None:
        """Revoke a login token of this database (this server's own, or a crashed
        predecessor's); a failure is logged, never raised: it must not stop a shutdown."""
        settings: Settings = self._app.state.settings
        engine: sa.Engine = self._app.state.engine
        try:
            with engine.begin() as conn:
                users_store.revoke_login_token(conn, settings.pepper_bytes, token,
                                               settings.clock())
        except sa.exc.SQLAlchemyError:
            log.warning("could not revoke a login token of the embedded server")

    def __repr__(self) -> str:
        return f"EmbeddedServer(url={self.url!r}, token='…')"


def _os_user() -> str:
    try:
        return getpass.getuser() or "me"
    except Exception:  # no passwd entry (containers): any name will do
        return "me"


def ensure_local_admin(engine: sa.Engine, now: Any) -> str:
    """The local organisation's admin (the OS user); created on first run."""
    with engine.begin() as conn:
        row = conn.execute(
            sa.select(db.users.c.id).where(db.users.c.role == Role.ADMIN.value)
            .where(db.users.c.active.is_(True)).order_by(db.users.c.created_at).limit(1)
        ).first()
        if row is not None:
            return str(row.id)
        name = _os_user()
        return users_store.create_user(
            conn, email=f"{name}@{LOCAL_ADMIN_EMAIL_DOMAIN}", name=name, role=Role.ADMIN,
            teams=["local"], now=now,
        )


def _loopback_socket(port: int | None) -> socket.socket:
    """Bound here, handed to uvicorn: no window in which another process takes the port.
    `port` if it is free, else one the system picks."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port or 0))
    except OSError:
        sock.bind(("127.0.0.1", 0))
    return sock


def _calling_first(hook: Callable[[], None], app: Any) -> Any:
    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":  # requests, not the server's own start and stop
            hook()
        await app(scope, receive, send)

    return wrapped


def start_embedded(
    home: Path | None = None,
    *,
    demo: bool = False,
    demo_keys: int = 300,
    clock: Clock | None = None,
    on_request: Callable[[], None] | None = None,
    port: int | None = None,
    keep_alive: int = SERVER_KEEP_ALIVE,
) -> EmbeddedServer:
    """`on_request` is called at the start of every request (the local server's idle
    timer). `port`: the one to listen on if it is free (else any). `keep_alive`: how
    long an idle connection stays open, in seconds."""
    from tui_app import paths

    cleanup: Path | None = None
    if demo:
        base = Path(tempfile.mkdtemp(prefix="agentkeys-demo-"))
        cleanup = base
        data_dir = base
        pepper_path = base / "pepper"
    else:
        data_dir = local_state.data_dir(home)
        pepper_path = paths.config_dir(home) / "pepper"
    database_url = f"sqlite:///{data_dir / 'agentkeys.db'}"
    settings = Settings(
        database_url=database_url,
        pepper=load_or_create_pepper(pepper_path),
        clock=clock or system_clock,
        # It listens on 127.0.0.1 only; any other name is a web page rebinding its own
        # name to this machine.
        allowed_hosts=LOOPBACK_HOSTS,
        # The key policy as for `agentkeys serve`: the client that starts us puts its
        # config file's [server] table into our environment (local_state.py).
        **policy_from_env(os.environ),  # type: ignore[arg-type]
    )
    app = create_app(settings)
    engine: sa.Engine = app.state.engine
    now = settings.clock()
    if demo:
        from tui_app.server.store.seed import seed_demo

        admin_id = seed_demo(engine, settings=settings, keys=demo_keys).admin_id
    else:
        admin_id = ensure_local_admin(engine, now)
    with engine.begin() as conn:
        token = users_store.issue_login_token(conn, settings.pepper_bytes, admin_id, now)

    asgi = app if on_request is None else _calling_first(on_request, app)
    sock = _loopback_socket(port)
    port = int(sock.getsockname()[1])
    # No "Server: uvicorn" banner, as `agentkeys serve` sends none. The app's lifespan
    # runs the MCP endpoint's session manager and writes the last activity when it stops.
    config = uvicorn.Config(asgi, host="127.0.0.1", port=port, log_level="warning",
                            access_log=False, lifespan="on", server_header=False,
                            timeout_keep_alive=keep_alive)
    server = uvicorn.Server(config)
    # uvicorn installs signal handlers only in the main thread: not in this one.
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]},
                              name="agentkeys-embedded", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError("The embedded server did not start.")
        time.sleep(0.01)
    return EmbeddedServer(
        url=f"http://127.0.0.1:{port}", token=token, database_url=database_url,
        _server=server, _thread=thread, _cleanup=cleanup, _app=app,
    )
