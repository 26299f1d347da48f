"""TUI start-up: first paint of My keys and its rows shown, beside a bare Textual app.

Each run starts a fresh process on a pseudo-terminal (100x30) and reads what it writes,
so "painted" means the text really reached the terminal: (a) the Active pane's title,
(b) the first key name of the embedded default holding 50 keys, and, for the baseline, a
bare Textual app's one label. Same run, several rounds interleaved, medians; targets:
(a) ≤ 1.25x the bare app, (b) ≤ 2x the bare app.

Two cases for `agentkeys`: the local server already running (every start within an
hour of the last use: it stays up, see tui_app/server/local.py), and cold (stopped
before each run: the first start of the day, which also starts the server).
"""

from __future__ import annotations

import compileall
import fcntl
import os
import pty
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

ROUNDS = 9
KEYS = 50
TIMEOUT_S = 30.0
COLUMNS, ROWS = 100, 30
ROOT = Path(__file__).resolve().parent.parent
AGENTKEYS = [str(Path(sys.executable).parent / "agentkeys")]
BARE = [
    sys.executable, "-c",
    "from textual.app import App\n"
    "from textual.widgets import Label\n"
    "class Bare(App):\n"
    "    def compose(self):\n"
    "        yield Label('bare-ready')\n"
    "Bare().run()\n",
]


def _seed(home: Path) -> None:
    """An AGENTKEYS_HOME whose embedded server holds KEYS keys of the local admin."""
    import httpx

    from tui_app.server.embedded import start_embedded

    server = start_embedded(home)
    try:
        headers = {"Authorization": f"Bearer {server.token}"}
        with httpx.Client(base_url=server.url, headers=headers, timeout=30) as client:
            for n in range(KEYS):
                reply = client.post("/v1/keys", json={
                    "name": f"bench-key-{n:02d}", "description": "startup benchmark",
                    "expires_at": None if n % 2 else "2099-01-01T00:00:00Z", "scope": "read",
                })
                if reply.status_code == 422:  # a lifetime policy: let the server pick
                    reply = client.post("/v1/keys", json={
                        "name": f"bench-key-{n:02d}", "scope": "read",
                        "expires_at": _in_days(30),
                    })
                reply.raise_for_status()
    finally:
        server.stop()


def _in_days(days: int) -> str:
    from datetime import UTC, datetime, timedelta

    from tui_app.domain.clock import to_rfc3339

    return str(to_rfc3339(datetime.now(UTC) + timedelta(days=days)))


def _time_to_markers(cmd: list[str], env: dict[str, str], markers: list[bytes]) -> list[float]:
    """Seconds from process start until each marker has appeared on the terminal."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, env=env,
                            start_new_session=True, close_fds=True, cwd=ROOT)
    os.close(slave)
    seen: dict[bytes, float] = {}
    output = b""
    try:
        while len(seen) < len(markers) and time.perf_counter() - started < TIMEOUT_S:
            ready, _, _ = select.select([master], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            output += chunk
            now = time.perf_counter()
            for marker in markers:
                if marker not in seen and marker in output:
                    seen[marker] = now - started
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        os.close(master)
    missing = [m.decode() for m in markers if m not in seen]
    if missing:
        raise RuntimeError(f"{' '.join(cmd[:1])}: never showed {missing} in {TIMEOUT_S:.0f} s")
    return [seen[m] for m in markers]


def run() -> None:
    from tui_app.client import local_server

    # A wheel install byte-compiles the package (as pip did Textual's for the bare app);
    # an editable one leaves it to the first import, which PYTHONDONTWRITEBYTECODE (set
    # on some machines) forbids, so every start would compile our modules again.
    compileall.compile_dir(ROOT / "tui_app", quiet=1)
    home = Path(tempfile.mkdtemp(prefix="agentkeys-bench-startup-"))
    load_before = os.getloadavg()
    try:
        _seed(home)
        env = {**os.environ, "AGENTKEYS_HOME": str(home), "TERM": "xterm-256color",
               "COLUMNS": str(COLUMNS), "LINES": str(ROWS)}
        env.pop("AGENTKEYS_SERVER", None)
        env.pop("AGENTKEYS_TOKEN", None)
        bare: list[float] = []
        paint: list[float] = []
        rows: list[float] = []
        cold_paint: list[float] = []
        cold_rows: list[float] = []
        markers = [b"Active (", b"bench-key-"]
        _time_to_markers(BARE, env, [b"bare-ready"])  # warm the file cache for both
        _time_to_markers(AGENTKEYS, env, markers)  # also starts the local server
        for _ in range(ROUNDS):
            bare.extend(_time_to_markers(BARE, env, [b"bare-ready"]))
            first, shown = _time_to_markers(AGENTKEYS, env, markers)
            paint.append(first)
            rows.append(shown)
            local_server.stop(home)
            first, shown = _time_to_markers(AGENTKEYS, env, markers)
            cold_paint.append(first)
            cold_rows.append(shown)
    finally:
        local_server.stop(home)
        shutil.rmtree(home, ignore_errors=True)
    load_after = os.getloadavg()
    base = statistics.median(bare)
    a, b = statistics.median(paint), statistics.median(rows)
    print(f"    bare Textual app, one label:       median {base * 1000:7.0f} ms  "
          f"(runs: {', '.join(f'{x * 1000:.0f}' for x in bare)})")
    print("    local server already running (within an hour of the last use):")
    print(f"    (a) agentkeys first paint:          median {a * 1000:7.0f} ms  "
          f"= {a / base:.2f}x bare  (target ≤ 1.25x) {'OK' if a / base <= 1.25 else 'MISSED'}")
    print(f"    (b) agentkeys rows shown ({KEYS} keys): median {b * 1000:7.0f} ms  "
          f"= {b / base:.2f}x bare  (target ≤ 2x)   {'OK' if b / base <= 2 else 'MISSED'}")
    print(f"    (a)/(b) runs: {', '.join(f'{x * 1000:.0f}' for x in paint)} / "
          f"{', '.join(f'{x * 1000:.0f}' for x in rows)}")
    ca, cb = statistics.median(cold_paint), statistics.median(cold_rows)
    print(f"    cold, local server stopped before each run (it starts too): first paint "
          f"{ca * 1000:.0f} ms = {ca / base:.2f}x, rows {cb * 1000:.0f} ms = {cb / base:.2f}x")
    print(f"    {ROUNDS} rounds, interleaved; pty {COLUMNS}x{ROWS}; embedded server on SQLite; "
          f"{os.cpu_count()} CPUs; load average (1 min) {load_before[0]:.2f} before, "
          f"{load_after[0]:.2f} after: ratios are only comparable on an idle machine")


if __name__ == "__main__":
    run()
