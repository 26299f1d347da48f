"""The local server's lock and state file, shared by the server process and its clients.

One local server per data directory (the embedded default). While it runs it
holds an exclusive lock on `local-server.lock`, and `local-server.json` (mode 0600, in
the 0700 data directory) says where it listens and with which login token the local
user's `agentkeys` talks to it: the embedded default keeps its own token in its data
directory. That token is no new exposure: whoever can read that directory can read
the pepper and the database anyway.

The fingerprint tells a client whether the running server is this installation's code,
started with the settings it would start it with; an upgrade (or, for developers, an
edited server module) or a changed setting replaces the old server instead of talking to
it. Pure standard library: clients read this before Textual is
even imported.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from tui_app import __version__
from tui_app.private_files import atomic_write, read_private

STATE_FILE = "local-server.json"
LOCK_FILE = "local-server.lock"
# The port it listened on last: the next start takes it again, so URLs given to agents
# and curl lines keep working after an idle stop.
PORT_FILE = "local-server.port"
_CODE_ROOT = Path(__file__).resolve().parent


class LocalState(NamedTuple):
    """A NamedTuple, not a frozen dataclass: defining one of those costs ~0.8 ms, and
    this module loads before the first frame."""

    url: str
    token: str
    pid: int
    fingerprint: str

    def __repr__(self) -> str:  # never the token
        return f"LocalState(url={self.url!r}, pid={self.pid!r})"


def data_dir(home: Path | None) -> Path:
    """The embedded default's data directory: AGENTKEYS_HOME/data or the platform's."""
    from tui_app import paths

    return paths.data_dir(home)


def code_fingerprint() -> str:
    """This installation's server code: version, interpreter, and the count, total size
    and newest modification time of its modules (~50 stats, well under a millisecond;
    no hashing, whose import alone would cost more)."""
    count = size = newest = 0
    for folder in ("server", "server/api", "server/api/routes", "server/services",
                   "server/store", "domain"):
        with os.scandir(_CODE_ROOT / folder) as entries:
            for entry in entries:
                if entry.name.endswith(".py"):
                    info = entry.stat()
                    count, size = count + 1, size + info.st_size
                    newest = max(newest, info.st_mtime_ns)
    return f"{__version__}:{os.path.realpath(sys.executable)}:{count}:{size}:{newest}"


# The server settings a local server takes from its environment: part of what makes a
# running server "ours", so that a changed setting replaces it rather than waiting for
# it to stop by itself.
POLICY_VARIABLES = ("AGENTKEYS_MAX_LIFETIME_DAYS", "AGENTKEYS_KEY_ENV", "AGENTKEYS_REQUIRE_TERMS")


def fingerprint(env: Mapping[str, str]) -> str:
    """What a client expects of a running server, and what the server says of itself:
    the code it runs and the settings it was started with."""
    policy = ";".join(f"{name}={env[name].strip()}" for name in POLICY_VARIABLES
                      if name in env)
    return f"{code_fingerprint()}|{policy}"


def is_locked(directory: Path) -> bool:
    """True while a local server process holds the lock of this data directory."""
    try:
        fd = os.open(directory / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing releases a lock we may just have taken
    return False


def take_lock(directory: Path) -> int | None:
    """The lock's file descriptor, held until the process ends; None if taken already.
    The holder's pid goes into the lock file: whoever must stop it can, even when the
    state file is gone or untrusted."""
    fd = os.open(directory / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    os.ftruncate(fd, 0)
    os.pwrite(fd, str(os.getpid()).encode(), 0)
    return fd


def lock_holder(directory: Path) -> int | None:
    """The pid written by the lock's holder (meaningful only while is_locked())."""
    try:
        return int((directory / LOCK_FILE).read_text().strip())
    except (OSError, ValueError):
        return None


def read_state(directory: Path) -> LocalState | None:
    """The state file, or None when it is missing, damaged or not private (then it is
    ignored, not trusted: a fresh server replaces it)."""
    try:
        raw = read_private(directory / STATE_FILE)
    except PermissionError:
        return None
    if raw is None:
        return None
    try:
        data = json.loads(raw)
        return LocalState(url=str(data["url"]), token=str(data["token"]),
                          pid=int(data["pid"]), fingerprint=str(data["fingerprint"]))
    except (ValueError, KeyError, TypeError):
        return None


def write_state(directory: Path, state: LocalState) -> None:
    body = json.dumps({"url": state.url, "token": state.token, "pid": state.pid,
                       "fingerprint": state.fingerprint})
    atomic_write(directory / STATE_FILE, body.encode(), mode=0o600)


def remove_state(directory: Path, pid: int) -> None:
    """Remove the state file if it is still this process's."""
    current = read_state(directory)
    if current is not None and current.pid == pid:
        with contextlib.suppress(FileNotFoundError):
            (directory / STATE_FILE).unlink()


def remembered_port(directory: Path) -> int | None:
    try:
        port = int((directory / PORT_FILE).read_text().strip())
    except (OSError, ValueError):
        return None
    return port if 0 < port < 65536 else None


def remember_port(directory: Path, port: int) -> None:
    atomic_write(directory / PORT_FILE, str(port).encode(), mode=0o600)
