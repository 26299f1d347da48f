"""The embedded server in a child process of the TUI (`agentkeys` with no server set up).

Why a process and not only a thread: importing and starting the server (FastAPI,
uvicorn, SQLAlchemy: ~0.4 s of Python) holds the GIL, so in a thread it competes with
the TUI's own start-up. In a child it runs on another core while the TUI paints.

Protocol: the child prints one JSON line {"url", "token"} on stdout (a pipe to the
parent: the token never touches a file or the terminal), then serves until its stdin
reaches EOF — which also happens when the parent dies — and stops.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import IO, Any


def spawn(home: Path | None, *, demo: bool = False, demo_keys: int = 300) -> EmbeddedChild:
    """Start the child now; `EmbeddedChild.wait()` later returns its URL and token."""
    return EmbeddedChild(home, demo=demo, demo_keys=demo_keys)


class EmbeddedChild:
    def __init__(self, home: Path | None, *, demo: bool, demo_keys: int) -> None:
        from tui_app import paths

        self._log_path = paths.state_dir() / "embedded-server.log"
        self._log: IO[bytes] = open(self._log_path, "wb")  # noqa: SIM115 - lives with the child
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tui_app.ui.embedded_child",
             str(home or ""), "1" if demo else "0", str(demo_keys)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log,
            start_new_session=True,  # the terminal's ctrl+c/ctrl+z are the TUI's business
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )

    def wait(self) -> tuple[str, str]:
        """Block until the child is serving: (url, token). Raises RuntimeError with the
        child's last log line if it could not start."""
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait(5)
            self._log.flush()
            tail = self._log_path.read_text(errors="replace").strip().splitlines()[-1:] or [
                f"exit status {self.proc.returncode}"]
            raise RuntimeError(f"The embedded server did not start: {tail[0]}")
        data: dict[str, Any] = json.loads(line)
        return str(data["url"]), str(data["token"])

    def close(self) -> None:
        if self.proc.stdin is not None:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            self.proc.wait(5)
        self._log.close()

    def __repr__(self) -> str:
        return f"EmbeddedChild(pid={self.proc.pid})"


def main(argv: list[str]) -> int:
    # The server's imports (FastAPI, pydantic, SQLAlchemy) create objects that live as
    # long as the process: full collections meanwhile find nothing and cost ~10% of the
    # start-up. Back on once serving.
    gc.disable()
    # Yield to the TUI on a busy machine: its first frame matters more than our start.
    with contextlib.suppress(OSError):
        os.nice(5)
    from tui_app.server.embedded import start_embedded

    home = Path(argv[0]) if argv and argv[0] else None
    demo = len(argv) > 1 and argv[1] == "1"
    keys = int(argv[2]) if len(argv) > 2 else 300
    server = start_embedded(home, demo=demo, demo_keys=keys)
    try:
        sys.stdout.write(json.dumps({"url": server.url, "token": server.token}) + "\n")
        sys.stdout.flush()
        # Everything so far lives as long as the process: frozen, so that the first
        # collections (while the TUI's first requests arrive) do not scan it all.
        gc.freeze()
        gc.enable()
        sys.stdin.read()  # until the TUI closes the pipe (or dies)
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
