"""People screen in the TUI over 50,000 people: key `5` to the first rows shown.

What: seeds N people (env AGENTKEYS_BENCH_USERS, default 50,000) with two keys each
(seed_bulk) into a cached SQLite file, runs `agentkeys serve` on it and drives the real
TUI (AgentKeysApp under App.run_test, headless, 120x40) as an admin in a fresh child
process: time from the key `5` to the first frame showing a screenful of people (with
their key counts), median of three processes — target <= 300 ms, as for Admin.
Baseline in the same run: Textual's DataTable in a child process loaded with every
person (read straight from the database, so only the table is timed) to first paint;
the Admin screen's first rows (key `2`, over the same database's keys) on the same
server; and the raw HTTP call the screen makes (GET /v1/users, first page of 60), p50.
Command: .venv/bin/python -m bench people_tui   (AGENTKEYS_BENCH_USERS=200000 for more)
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench._tui import SIZE, Frames, child, datatable_first_paint, rss_mb, until

TARGET_OPEN_MS = 300.0
KEYS_PER_USER = 2


# -- child: the TUI ------------------------------------------------------------------


async def _tui(url: str, token: str) -> dict[str, Any]:
    from tui_app.ui.app import AgentKeysApp
    from tui_app.ui.people.screen import PeopleScreen

    app = AgentKeysApp(server_url=url, token=token)
    out: dict[str, Any] = {}
    async with app.run_test(size=SIZE) as pilot:
        frames = Frames(app)
        await until(lambda: app.me is not None)
        await pilot.pause()

        def rows_shown() -> bool:
            screen = app.screen
            if not isinstance(screen, PeopleScreen) or screen.table.row_count == 0:
                return False
            table = screen.table
            return len(table.visible_people()) >= table._body_height()

        out["open_ms"] = await frames.key(app, "5", rows_shown)
    out["rss_mb"], out["peak_mb"] = rss_mb()
    return out


# -- child: the baseline -------------------------------------------------------------


async def _baseline(database_url: str) -> dict[str, Any]:
    import sqlalchemy as sa
    from rich.text import Text

    from tui_app.server.store import db

    engine = db.create_engine(database_url)
    with engine.connect() as conn:
        rows = [tuple(Text(str(v)) for v in row) for row in conn.execute(
            sa.select(db.users.c.name, db.users.c.email, db.users.c.role, db.users.c.active)
            .order_by(db.users.c.email))]
    engine.dispose()

    return await datatable_first_paint(("Name", "Email", "Role", "Active"), rows)


# -- parent ----------------------------------------------------------------------------


def _ensure_sqlite(users: int, results: Path, env: dict[str, str]) -> str:
    import sqlalchemy as sa

    from bench._http import agentkeys_command
    from tui_app.server.store import db

    path = results / f"people_tui-{users}.db"
    url = f"sqlite:///{path}"
    if path.exists():
        engine = db.create_engine(url)
        with engine.connect() as conn:
            count = conn.execute(sa.select(sa.func.count()).select_from(db.users)).scalar_one()
        engine.dispose()
        if count >= users:
            print(f"    SQLite: cached {path.name} ({count:,} people), seeding skipped")
            return url
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    subprocess.run(
        [*agentkeys_command(), "server", "seed", "--keys", str(users * KEYS_PER_USER),
         "--users", str(users), "--database", url],
        env={**os.environ, **env}, check=True, capture_output=True,
    )
    print(f"    SQLite: seeded {users:,} people and {users * KEYS_PER_USER:,} keys in "
          f"{time.perf_counter() - started:.1f} s")
    return url


def _http_first_page(base: str, token: str) -> float:
    import httpx

    from bench._http import percentile

    times: list[float] = []
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as client:
        for _ in range(15):
            started = time.perf_counter()
            response = client.get("/v1/users", params={"limit": 60})
            times.append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
    return percentile(times, 0.5)


def run() -> None:
    from bench._http import agentkeys_command, free_port, start_process, stop_process, wait_ready
    from bench.admin_listing import RESULTS

    users = int(os.environ.get("AGENTKEYS_BENCH_USERS", "50000"))
    RESULTS.mkdir(parents=True, exist_ok=True)
    env = {"AGENTKEYS_HOME": str(RESULTS / "home")}
    print(f"    {users:,} people; real AgentKeysApp headless at {SIZE[0]}x{SIZE[1]} in a "
          "child process, `agentkeys serve` on loopback over SQLite (2-core machine)")
    url = _ensure_sqlite(users, RESULTS, env)
    token = subprocess.run(
        [*agentkeys_command(), "server", "add-user", "--email",
         f"bench-people-{time.time_ns()}@bench.example", "--name", "Bench Admin", "--role",
         "admin", "--database", url],
        env={**os.environ, **env}, capture_output=True, text=True, check=True,
    ).stdout.strip().splitlines()[-1]
    opens: list[float] = []
    admin_opens: list[float] = []
    rss = float("nan")
    http_ms = float("nan")
    for _ in range(3):  # opening happens once per process: a median of three
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        process = start_process(
            [*agentkeys_command(), "serve", "--port", str(port), "--database", url], env=env)
        try:
            wait_ready(base, process, timeout=120)
            result = child("bench.people_tui", ["--tui", base], timeout=300, stdin=token + "\n")
            # The Admin screen on the same server, machine and moment: the reference.
            admin = child("bench.people_tui", ["--admin", base], timeout=300, stdin=token + "\n")
            if http_ms != http_ms:  # once, on a warm server
                http_ms = _http_first_page(base, token)
        finally:
            stop_process(process)
        if result is not None:
            opens.append(result["open_ms"])
            rss = result["rss_mb"]
        if admin is not None:
            admin_opens.append(admin["open_ms"])
    if not opens:
        print("    the TUI run failed")
        return
    median = sorted(opens)[len(opens) // 2]
    verdict = "met" if median <= TARGET_OPEN_MS else "MISSED"
    print(f"    open People (5) → first rows     {median:9.1f} ms   <= "
          f"{TARGET_OPEN_MS:.0f} {verdict}   (each run: "
          f"{', '.join(f'{v:.0f}' for v in opens)})")
    if admin_opens:
        admin_median = sorted(admin_opens)[len(admin_opens) // 2]
        print(f"    same run: open Admin (2) → first rows {admin_median:6.1f} ms over "
              f"{users * KEYS_PER_USER:,} keys (each run: "
              f"{', '.join(f'{v:.0f}' for v in admin_opens)}); People/Admin "
              f"{median / admin_median:.2f}x")
    print(f"    TUI process RSS                  {rss:9.1f} MB")
    print(f"    GET /v1/users first page (60), p50 {http_ms:7.1f} ms")
    baseline = child("bench.people_tui", ["--baseline", url], timeout=180)
    if baseline is None:
        print("    baseline: DataTable with every person did not paint within 180 s")
        return
    print(f"    baseline: DataTable with every one of {baseline['rows']:,} people: first "
          f"paint {baseline['first_paint_ms']:,.0f} ms, RSS {baseline['rss_mb']:.0f} MB")
    print(f"    ratio: open People is {baseline['first_paint_ms'] / median:,.0f}x faster "
          "than DataTable's first paint")


def _main(argv: list[str]) -> None:
    if argv[0] == "--tui":
        token = sys.stdin.readline().strip()
        print(json.dumps(asyncio.run(_tui(argv[1], token))))
    elif argv[0] == "--admin":
        from bench.admin_tui import _tui as admin_tui

        token = sys.stdin.readline().strip()
        print(json.dumps(asyncio.run(admin_tui(argv[1], token, open_only=True))))
    elif argv[0] == "--baseline":
        print(json.dumps(asyncio.run(_baseline(argv[1]))))


if __name__ == "__main__":
    _main(sys.argv[1:])
