"""Find the local server (the embedded default) or start it: for the TUI and every command.

`connect(home)` costs a file read and a lock probe when the server already runs: the TUI
calls it before Textual is imported. Otherwise it starts `python -m
tui_app.server.local` in a new session (it outlives us; see that module) and `wait()`
reads its handshake. A server of other code (an upgrade) is stopped and replaced.
`AGENTKEYS_TOKEN`, when set, is the login used with it, as with any server: a person who
set it means to be that user, and a token the server rejects must say so rather than
quietly become the local admin.
`start_demo()` starts a throw-away demo server that lives as long as this process.

Pure standard library, no server import: the server runs in its own process.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from tui_app import local_state

if TYPE_CHECKING:
    import subprocess  # imported when a server must be started: not on the way to the TUI

START_TIMEOUT = 60.0  # a first run migrates a database; a cold disk can be slow
CREDENTIAL_LABEL = "embedded server, token in its data dir"
DEMO_CREDENTIAL_LABEL = "demo login, in memory"
ENV_TOKEN = "AGENTKEYS_TOKEN"
ENV_CREDENTIAL_LABEL = f"environment {ENV_TOKEN}"


class LocalServerError(RuntimeError):
    """The local server could not be started; the message says why (never a token)."""


class LocalServer:
    """A local server that is running or starting: `wait()` gives (url, token)."""

    def __init__(self, *, state: local_state.LocalState | None = None,
                 proc: subprocess.Popen[bytes] | None = None, directory: Path | None = None,
                 log_path: Path | None = None, demo: bool = False,
                 login: str | None = None) -> None:
        self._state = state
        self._login = login  # AGENTKEYS_TOKEN: used instead of the server's own token
        self.proc = proc
        self._directory = directory
        self._log_path = log_path
        self.demo = demo
        self._handshake_lock = threading.Lock()  # the prefetch and the app both wait

    @property
    def credential(self) -> str:
        if self._login is not None:
            return ENV_CREDENTIAL_LABEL
        return DEMO_CREDENTIAL_LABEL if self.demo else CREDENTIAL_LABEL

    @property
    def running(self) -> tuple[str, str] | None:
        """(url, token) when the server was found running; None while it starts."""
        state = self._state
        return None if state is None else (state.url, self._login or state.token)

    def wait(self, timeout: float = START_TIMEOUT) -> tuple[str, str]:
        with self._handshake_lock:
            if self._state is None:
                self._state = self._handshake(timeout)
            return self._state.url, self._login or self._state.token

    def _handshake(self, timeout: float) -> local_state.LocalState:
        assert self.proc is not None and self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise LocalServerError(f"The local server did not start: {self._last_log_line()}")
        data: dict[str, Any] = json.loads(line)
        if data.get("running"):
            # Another `agentkeys` started one at the same moment: it writes the state.
            assert self._directory is not None
            return _wait_for_state(self._directory, timeout)
        return local_state.LocalState(url=str(data["url"]), token=str(data["token"]),
                                      pid=self.proc.pid, fingerprint="")

    def _last_log_line(self) -> str:
        assert self.proc is not None
        import subprocess

        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(5)
        lines: list[str] = []
        if self._log_path is not None:
            with contextlib.suppress(OSError):
                lines = self._log_path.read_text(errors="replace").strip().splitlines()
        return lines[-1] if lines else f"exit status {self.proc.returncode}"

    def close(self) -> None:
        """A demo server stops now; the local server stays up for the next run."""
        if not self.demo or self.proc is None:
            return
        import subprocess

        if self.proc.stdin is not None:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            self.proc.wait(5)

    def __repr__(self) -> str:
        return f"LocalServer(demo={self.demo}, pid={self.proc.pid if self.proc else None})"


def connect(home: Path | None = None, *, env: Mapping[str, str] | None = None
            ) -> LocalServer:
    """The running local server of this data directory, or one starting now; its login
    is `AGENTKEYS_TOKEN` from `env` (default: ours) when that is set."""
    env = os.environ if env is None else env
    login = env.get(ENV_TOKEN, "").strip() or None
    server_env = _server_environment(home, env)
    directory = local_state.data_dir(home)
    if local_state.is_locked(directory):
        state = local_state.read_state(directory)
        if state is not None and state.fingerprint == local_state.fingerprint(server_env):
            return LocalServer(state=state, login=login)
        # Other code (an upgrade), other settings, or a state file we may not trust:
        # replace it.
        _stop(directory)
    proc, log_path = _spawn(["--home", str(home)] if home is not None else [], directory,
                            env=server_env)
    return LocalServer(proc=proc, directory=directory, log_path=log_path, login=login)


def _server_environment(home: Path | None, env: Mapping[str, str]) -> Mapping[str, str]:
    """The environment the local server runs with: ours, and the config file's [server]
    settings where no variable sets them."""
    from tui_app import paths

    try:
        config = paths.config_dir(home) / "config.toml"
    except paths.UnsafeDirectory as exc:
        raise LocalServerError(str(exc)) from None
    if not config.exists():  # the usual case: no TOML parser on the way to the TUI
        return env
    from tui_app.client.config import local_server_environment

    return local_server_environment(env, config)


def start_demo(keys: int) -> LocalServer:
    from tui_app import paths

    directory = paths.state_dir()
    # Its stdin is our pipe: it stops when we close it, or when we die.
    proc, log_path = _spawn(["--demo", "--keys", str(keys)], directory, stdin_pipe=True,
                            env=_server_environment(None, os.environ))
    return LocalServer(proc=proc, log_path=log_path, demo=True)


def stop(home: Path | None = None, timeout: float = 10.0) -> bool:
    """Stop this data directory's local server; False if none was running."""
    directory = local_state.data_dir(home)
    if not local_state.is_locked(directory):
        return False
    _stop(directory, timeout)
    return True


def _stop(directory: Path, timeout: float = 10.0) -> None:
    state = local_state.read_state(directory)
    pid = local_state.lock_holder(directory) or (state.pid if state else None)
    if pid is not None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while local_state.is_locked(directory):
        if time.monotonic() > deadline:
            raise LocalServerError(
                f"The local server (pid {pid}) did not stop within {timeout:.0f} s.")
        time.sleep(0.02)


def _spawn(args: list[str], log_dir: Path, *, stdin_pipe: bool = False,
           env: Mapping[str, str] | None = None) -> tuple[subprocess.Popen[bytes], Path]:
    import subprocess

    log_path = log_dir / ("demo-server.log" if "--demo" in args else "local-server.log")
    # 0600 like every file of ours: the log may quote a path or an error of the server.
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    log: IO[bytes]
    # The child keeps its own copy of the descriptor.
    with os.fdopen(os.open(log_path, flags, 0o600), "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tui_app.server.local", *args],
            stdin=subprocess.PIPE if stdin_pipe else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=log, close_fds=True,
            # Its own session: the terminal's ctrl+c and hang-up are the TUI's business,
            # and the local server outlives the TUI.
            start_new_session=True,
            env={**(os.environ if env is None else env), "PYTHONUNBUFFERED": "1"},
        )
    return proc, log_path


def _wait_for_state(directory: Path, timeout: float) -> local_state.LocalState:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = local_state.read_state(directory)
        if state is not None and local_state.is_locked(directory):
            return state
        if not local_state.is_locked(directory):
            break  # that other server gave up (or never got going)
        time.sleep(0.02)
    raise LocalServerError("Another local server was starting but did not become ready; "
                           "try again.")
