"""Bytes per keystroke: what the TUI writes to a 120x40 terminal for each action.

Over SSH on a weak link every byte is latency (1 KB ≈ 8 ms at 1 Mbit/s), so a key press
should send what changed and no more. The real `agentkeys` runs on a pseudo-terminal
against a local server holding 50 keys (startup.py's seeding); after each action the
bench reads until the terminal has been quiet for a moment, then counts what came.
Beside it, in the same run, a Textual `DataTable` app with the same rows moves its
cursor one row: the baseline. Target: a cursor move (My keys, Admin, Audit log) sends
at most 3x the baseline's; an idle screen sends nothing.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

from bench.startup import AGENTKEYS, KEYS, ROOT, _seed

COLUMNS, ROWS = 120, 40
QUIET_S = 0.5  # the screen has settled when nothing arrived for this long
TIMEOUT_S = 30.0
TARGET = 3.0  # a cursor move: at most this many times the DataTable's

DOWN, PAGE_DOWN, ESCAPE = "\x1b[B", "\x1b[6~", "\x1b"

BASELINE = [
    sys.executable, "-c",
    "from textual.app import App\n"
    "from textual.widgets import DataTable\n"
    "class Baseline(App):\n"
    "    def compose(self):\n"
    "        yield DataTable(cursor_type='row')\n"
    "    def on_mount(self):\n"
    "        table = self.query_one(DataTable)\n"
    "        table.add_columns('Name', 'Expires', 'Last used')\n"
    f"        for n in range({KEYS}):\n"
    "            table.add_row(f'bench-key-{n:02d}', 'in 30 days', 'never')\n"
    "        table.focus()\n"
    "Baseline().run()\n",
]


class Terminal:
    """A program on a pseudo-terminal, and the bytes it writes."""

    def __init__(self, cmd: list[str], env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
        self.proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, env=env,
                                     start_new_session=True, close_fds=True, cwd=ROOT)
        os.close(slave)
        self.screen = b""  # everything written so far

    def settle(self, marker: bytes | None = None) -> int:
        """Read until `marker` has shown (if any) and the terminal is quiet; the bytes read."""
        started = time.perf_counter()
        count = 0
        last = started
        while time.perf_counter() - started < TIMEOUT_S:
            ready, _, _ = select.select([self.master], [], [], 0.05)
            now = time.perf_counter()
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:
                    break
                count += len(chunk)
                self.screen += chunk
                last = now
            elif now - last >= QUIET_S and (marker is None or marker in self.screen):
                return count
        raise RuntimeError(f"the terminal never settled (waiting for {marker!r})")

    def press(self, keys: str, marker: bytes | None = None) -> int:
        """Bytes written in answer to `keys`."""
        self.screen = b""
        os.write(self.master, keys.encode())
        return self.settle(marker)

    def close(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        os.close(self.master)


def _measure_baseline(env: dict[str, str]) -> int:
    term = Terminal(BASELINE, env)
    try:
        term.settle(b"bench-key-")
        term.press(DOWN)  # the first move also clears the start-up's leftovers
        return term.press(DOWN)
    finally:
        term.close()


def _measure_app(env: dict[str, str]) -> dict[str, int]:
    figures: dict[str, int] = {}
    term = Terminal(AGENTKEYS, env)
    try:
        term.settle(b"bench-key-")
        term.press(DOWN)
        figures["My keys: cursor down one row"] = term.press(DOWN)
        figures["My keys: idle (nothing pressed)"] = term.settle()
        figures["My keys: page down"] = term.press(PAGE_DOWN)
        figures["My keys: open the create modal"] = term.press("n", b"Create")
        figures["My keys: one character typed in a form"] = term.press("x")
        figures["My keys: close the modal (escape)"] = term.press(ESCAPE)
        figures["switch screens: My keys → Admin"] = term.press("2", b"bench-key-")
        term.press(DOWN)
        figures["Admin: cursor down one row"] = term.press(DOWN)
        figures["Admin: page down"] = term.press(PAGE_DOWN)
        figures["switch screens: Admin → Audit log"] = term.press("3", b"created")
        term.press(DOWN)
        figures["Audit log: cursor down one row"] = term.press(DOWN)
        figures["Audit log: page down"] = term.press(PAGE_DOWN)
        figures["switch screens: Audit log → My keys"] = term.press("1", b"bench-key-")
    finally:
        term.close()
    return figures


def run() -> None:
    from tui_app.client import local_server

    home = Path(tempfile.mkdtemp(prefix="agentkeys-bench-ssh-"))
    try:
        _seed(home)
        env = {**os.environ, "AGENTKEYS_HOME": str(home), "TERM": "xterm-256color",
               "COLUMNS": str(COLUMNS), "LINES": str(ROWS)}
        env.pop("AGENTKEYS_SERVER", None)
        env.pop("AGENTKEYS_TOKEN", None)
        baseline = _measure_baseline(env)
        figures = _measure_app(env)
    finally:
        local_server.stop(home)
        shutil.rmtree(home, ignore_errors=True)
    print(f"    Textual DataTable, {KEYS} rows: cursor down one row {baseline:7,d} bytes "
          "(the baseline)")
    for action, count in figures.items():
        line = f"    {action:<42} {count:7,d} bytes = {count / baseline:5.2f}x"
        if "cursor down" in action:
            verdict = "OK" if count <= TARGET * baseline else "MISSED"
            line += f"  (target ≤ {TARGET:g}x) {verdict}"
        elif "idle" in action:
            line += f"  (target 0) {'OK' if count == 0 else 'MISSED'}"
        print(line)
    print(f"    pty {COLUMNS}x{ROWS}, TERM=xterm-256color; an action's bytes are read until "
          f"the terminal is quiet for {QUIET_S:g} s")


if __name__ == "__main__":
    run()
