"""Activity screen in the TUI over 1,000,000 activity entries: open to first rows.

What: seeds N activity entries (env AGENTKEYS_BENCH_ACTIVITY, default 1,000,000) over
2,000 keys through `agentkeys server seed --activity` into a cached SQLite file, runs
`agentkeys serve` on it, and drives the real TUI (AgentKeysApp under App.run_test,
headless, 120x40) as an admin in a child process: key `4` to the first frame showing the
Activity screen's first rows — target <= 300 ms (median of three fresh processes).
Baselines in the same run: the Audit screen (`3`) to its first rows over the same
database, and the raw HTTP call the screen makes (GET /v1/activity?limit=60).
Command: .venv/bin/python -m bench activity_tui   (AGENTKEYS_BENCH_ACTIVITY=100000 smaller)
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from typing import Any

from bench._tui import SIZE, Frames, child, until

TARGET_MS = 300.0
KEYS = 2_000


async def _tui(url: str, token: str) -> dict[str, Any]:
    from tui_app.ui.activity.screen import ActivityScreen
    from tui_app.ui.app import AgentKeysApp
    from tui_app.ui.audit.screen import AuditScreen

    app = AgentKeysApp(server_url=url, token=token)
    out: dict[str, Any] = {}
    async with app.run_test(size=SIZE) as pilot:
        frames = Frames(app)
        await until(lambda: app.me is not None)
        await pilot.pause()

        def activity_rows() -> bool:
            screen = app.screen
            return isinstance(screen, ActivityScreen) and bool(screen.table.entries)

        out["open_ms"] = await frames.key(app, "4", activity_rows)
        await pilot.pause()

        def audit_rows() -> bool:
            screen = app.screen
            return isinstance(screen, AuditScreen) and screen.table.row_count > 0

        out["audit_ms"] = await frames.key(app, "3", audit_rows)
    return out


def _http_ms(base: str, token: str) -> float:
    import httpx

    times = []
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as c:
        for _ in range(7):
            started = time.perf_counter()
            c.get("/v1/activity", params={"limit": 60}).raise_for_status()
            times.append((time.perf_counter() - started) * 1000)
    return sorted(times)[len(times) // 2]


def _ensure_db(entries: int, env: dict[str, str]) -> str:
    from bench._http import agentkeys_command
    from bench.admin_listing import RESULTS

    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"activity-{entries}.db"
    url = f"sqlite:///{path}"
    if not path.exists():
        started = time.perf_counter()
        subprocess.run([*agentkeys_command(), "server", "seed", "--keys", str(KEYS),
                        "--activity", str(entries), "--database", url],
                       env={**os.environ, **env}, check=True, capture_output=True)
        print(f"    seeded {entries:,} activity entries in {time.perf_counter() - started:.0f} s")
    return url


def run() -> None:
    from bench._http import agentkeys_command, free_port, start_process, stop_process, wait_ready
    from bench.admin_listing import RESULTS

    entries = int(os.environ.get("AGENTKEYS_BENCH_ACTIVITY", "1000000"))
    env = {"AGENTKEYS_HOME": str(RESULTS / "home")}
    url = _ensure_db(entries, env)
    token = subprocess.run(
        [*agentkeys_command(), "server", "add-user", "--email",
         f"bench-activity-{time.time_ns()}@bench.example", "--name", "Bench Admin",
         "--role", "admin", "--database", url],
        env={**os.environ, **env}, capture_output=True, text=True, check=True,
    ).stdout.strip().splitlines()[-1]
    opens, audits, http = [], [], []
    for _ in range(3):
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        process = start_process(
            [*agentkeys_command(), "serve", "--port", str(port), "--database", url], env=env)
        try:
            wait_ready(base, process, timeout=120)
            result = child("bench.activity_tui", [base], timeout=300, stdin=token + "\n")
            if result is not None:
                opens.append(result["open_ms"])
                audits.append(result["audit_ms"])
            http.append(_http_ms(base, token))
        finally:
            stop_process(process)
    if not opens:
        print("    no result")
        return
    median = sorted(opens)[len(opens) // 2]
    audit = sorted(audits)[len(audits) // 2]
    raw = sorted(http)[len(http) // 2]
    verdict = "met" if median <= TARGET_MS else "MISSED"
    print(f"    SQLite, {entries:,} activity entries, {KEYS:,} keys, {SIZE[0]}x{SIZE[1]}:")
    print(f"      open Activity → first rows  {median:8.1f} ms   <= {TARGET_MS:.0f} {verdict}"
          f"   (runs: {', '.join(f'{v:.0f}' for v in opens)})")
    print(f"      baseline: Audit → first rows {audit:7.1f} ms   ratio {median / audit:.2f}x")
    print(f"      baseline: GET /v1/activity?limit=60 {raw:.1f} ms (median of 7)")


if __name__ == "__main__":
    token_in = sys.stdin.readline().strip()
    print(json.dumps(asyncio.run(_tui(sys.argv[1], token_in))))
