"""The local server: the embedded default's backend, in a process of its own.

`agentkeys` with no server configured talks to it over HTTP on 127.0.0.1. It outlives
the TUI or command that started it, so the next `agentkeys` (or `agentkeys keys list`)
finds it serving instead of paying half a second of imports and start-up — the pattern
of Bazel's and Gradle's servers. It stops after IDLE_SECONDS
without a request (a running TUI pings it), on SIGTERM or SIGINT, when its state file
disappears (its data directory was removed), or for a newer version of the code (the
client replaces it). One per data directory: it holds the directory's lock for life.

`--demo` serves a throw-away demo organisation for exactly as long as the TUI that
started it: until its stdin reaches EOF, which also happens when that TUI dies.

Handshake on stdout, one JSON line, then stdout is closed: {"url", "token"} when
serving, {"running": true} when another local server holds the lock.

    python -m tui_app.server.local [--home DIR] [--idle SECONDS] [--demo [--keys N]]
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

IDLE_SECONDS = 3600.0
ENV_IDLE = "AGENTKEYS_LOCAL_IDLE_SECONDS"  # tests shorten it
_CHECK_EVERY = 1.0


def _handshake(data: dict[str, object]) -> None:
    """The one line the starting client waits for; then stdout points at /dev/null so a
    client that went away cannot make a later write fail."""
    sys.stdout.write(json.dumps(data) + "\n")
    sys.stdout.flush()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def serve_demo(keys: int) -> int:
    from tui_app.server.api.app import freeze_heap
    from tui_app.server.embedded import start_embedded

    server = start_embedded(None, demo=True, demo_keys=keys)
    try:
        _handshake({"url": server.url, "token": server.token})
        freeze_heap()
        sys.stdin.read()  # until the TUI closes the pipe (or dies)
    finally:
        server.stop()
    return 0


def serve_local(home: Path | None, idle_seconds: float) -> int:
    from tui_app import local_state

    directory = local_state.data_dir(home)
    lock = local_state.take_lock(directory)
    if lock is None:
        _handshake({"running": True})
        return 0
    from tui_app.server.api.app import freeze_heap
    from tui_app.server.embedded import start_embedded

    last_request = [time.monotonic()]

    def seen() -> None:
        last_request[0] = time.monotonic()

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    previous = local_state.read_state(directory)
    wanted = local_state.remembered_port(directory)
    server = start_embedded(home, on_request=seen, port=wanted)
    pid = os.getpid()
    try:
        port = int(server.url.rsplit(":", 1)[1])
        if port != wanted:
            if wanted is not None:
                print(f"agentkeys: port {wanted} is taken; serving on {port} from now on "
                      "(URLs given to agents need the new port)", file=sys.stderr, flush=True)
            local_state.remember_port(directory, port)
        if previous is not None:
            server.revoke(previous.token)  # a predecessor that died without cleaning up
        local_state.write_state(directory, local_state.LocalState(
            url=server.url, token=server.token, pid=pid,
            fingerprint=local_state.fingerprint(os.environ)))
        _handshake({"url": server.url, "token": server.token})
        # Everything so far lives as long as the process: frozen, so that collections
        # while the first requests arrive do not scan it all.
        freeze_heap()
        while not stop.wait(_CHECK_EVERY):
            current = local_state.read_state(directory)
            if current is None or current.pid != pid:
                break  # the data directory (or our state file) is gone
            if time.monotonic() - last_request[0] > idle_seconds:
                break
    finally:
        local_state.remove_state(directory, pid)
        server.stop()
        os.close(lock)
    return 0


def main(argv: list[str]) -> int:
    # The server's imports (FastAPI, pydantic, SQLAlchemy) create objects that live as
    # long as the process: full collections meanwhile find nothing and cost ~10% of the
    # start-up. Back on once serving.
    gc.disable()
    parser = argparse.ArgumentParser(prog="python -m tui_app.server.local")
    parser.add_argument("--home", type=Path, default=None)
    parser.add_argument("--idle", type=float,
                        default=float(os.environ.get(ENV_IDLE) or IDLE_SECONDS))
    parser.add_argument("--demo", action="store_true")
    parser.add_argument("--keys", type=int, default=300)
    args = parser.parse_args(argv)
    from tui_app.paths import UnsafeDirectory
    from tui_app.server.settings import SettingsError

    try:
        if args.demo:
            return serve_demo(args.keys)
        with contextlib.suppress(KeyboardInterrupt):
            return serve_local(args.home, args.idle)
    except (UnsafeDirectory, SettingsError) as exc:
        # The client that started us shows the last line of our log: this one, then.
        print(f"agentkeys: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
