"""What the TUI benchmarks share: the headless app's size, waiting on it, timing the
frame that shows a result, a measurement in a child process of its own (its memory is
its own), and the baseline they all compare with: Textual's DataTable holding every row.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

SIZE = (120, 40)


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident set size of this process, from /proc."""
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            name, amount = line.split(":", 1)
            values[name] = int(amount.split()[0]) / 1024
    return values.get("VmRSS", float("nan")), values.get("VmHWM", float("nan"))


async def until(condition: Any, timeout: float = 30.0, what: str = "") -> None:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"the TUI did not get there in {timeout:.0f} s: {what}")
        await asyncio.sleep(0.001)


class Frames:
    """Timestamps the frames the app composes (headless: rendered, not written), so a
    latency ends at the first frame that shows the result — not at Pilot's idle waits,
    which alone cost ~80 ms per key here."""

    def __init__(self, app: Any) -> None:
        self.condition: Any = None
        self.shown_at: float | None = None
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            original(screen, renderable)
            if self.condition is not None and self.shown_at is None and self.condition():
                self.shown_at = time.perf_counter()

        app._display = display

    async def key(self, app: Any, key: str, condition: Any, timeout: float = 60.0) -> float:
        """Milliseconds from the key event to the first frame where `condition` holds."""
        from textual import events

        self.condition, self.shown_at = condition, None
        started = time.perf_counter()
        char = key if len(key) == 1 else None
        app._driver.send_message(events.Key(key, char))
        await until(lambda: self.shown_at is not None, timeout, f"after key {key!r}")
        assert self.shown_at is not None
        self.condition = None
        return (self.shown_at - started) * 1000


async def datatable_first_paint(columns: Sequence[str], rows: list[tuple[Any, ...]]
                                ) -> dict[str, Any]:
    """A Textual DataTable given every row: milliseconds to its first paint, and the RSS."""
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable

    class Baseline(App[None]):
        def compose(self) -> ComposeResult:
            yield DataTable()

    app = Baseline()
    out: dict[str, Any] = {"rows": len(rows)}
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(DataTable)
        started = time.perf_counter()
        table.add_columns(*columns)
        table.add_rows(rows)
        await pilot.pause()  # first paint with every row in the table
        out["first_paint_ms"] = (time.perf_counter() - started) * 1000
    out["rss_mb"], out["peak_mb"] = rss_mb()
    return out


def child(module: str, args: list[str], timeout: float, stdin: str = ""
          ) -> dict[str, Any] | None:
    """Run `python -m module args` as a measurement in a fresh process; its last line of
    output is the JSON result. A token goes on stdin, never on the command line."""
    try:
        done = subprocess.run([sys.executable, "-m", module, *args], input=stdin,
                              capture_output=True, text=True, timeout=timeout,
                              cwd=Path(__file__).resolve().parents[1])
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        print("    child failed:", done.stderr.strip().splitlines()[-3:])
        return None
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result
