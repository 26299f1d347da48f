"""Helpers for the TUI shell's Pilot tests (no tests in here)."""

from __future__ import annotations

import asyncio
import html
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from tui_app.ui.app import AgentKeysApp

SECRET = re.compile(r"ak_(?:live|test)_[0-9A-Za-z]{46}")

HOSTILE = (
    "[@click=app.quit]x[/]",
    "[/bad]",
    "\x1b]52;c;ZXZpbA==\x07",
    "\u202eevil",
    "[link='https://evil.example']click[/link]",
    "\x1b[2J\x1b[31mred",
    "zero\u200bwidth\u2066iso",
    "\x9b31mC1 CSI",
    "[bold]not bold[/bold] $(rm -rf ~) `id` %s {0}",
)


def screen_text(app: Any) -> str:
    """The visible text of the screen, lines joined, from the exported SVG."""
    svg = app.export_screenshot()
    parts = re.findall(r"<text[^>]*>(.*?)</text>", svg, flags=re.S)
    return html.unescape("".join(parts)).replace("\xa0", " ")


def make_app(server: Any, clock: Any, **kwargs: Any) -> AgentKeysApp:
    return AgentKeysApp(server_url=server.url, token=server.token, clock=clock, **kwargs)


# Workers that wait on a modal the test has not answered yet: never waited for here.
WAITS_ON_USER = {"key-action"}


async def settle(pilot: Pilot[Any], rounds: int = 8) -> None:
    """Wait until no network worker runs (a replaced exclusive worker is not an error)."""
    app = pilot.app
    for _ in range(rounds):
        await pilot.pause()
        busy = [w for w in app.workers if w.is_running and w.group not in WAITS_ON_USER]
        if not busy:
            return
        try:
            await asyncio.wait_for(app.workers.wait_for_complete(busy), timeout=15)
        except WorkerCancelled:
            continue


async def wait_for(pilot: Pilot[Any], condition: Any, timeout: float = 10.0) -> None:
    """Poll `condition()` while letting the app run; fail with a clear message."""
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"condition never became true: {condition}")


async def copy_secret_and_continue(pilot: Pilot[Any], back_to: Any) -> None:
    """In the secret dialog: copy (OSC 52 here: no desktop clipboard in tests), confirm,
    and wait until `back_to` (the screen underneath) is shown and settled again."""
    await pilot.press("c")
    await settle(pilot)
    await pilot.press("enter")
    await wait_for(pilot, lambda: pilot.app.screen is back_to)
    await settle(pilot)


def api_client(server: Any) -> httpx.Client:
    return httpx.Client(base_url=server.url, timeout=10,
                        headers={"Authorization": f"Bearer {server.token}"})


def whoami(server: Any, secret: str) -> int:
    reply = httpx.get(f"{server.url}/v1/agent/whoami",
                      headers={"Authorization": f"Bearer {secret}"}, timeout=10)
    return reply.status_code


def create_key(server: Any, name: str, *, description: str = "", days: int | None = 30,
               clock: Any = None) -> dict[str, Any]:
    """A key made through the API (the UI path is tested on its own)."""
    from datetime import timedelta

    from tui_app.domain.clock import to_rfc3339

    expires = None if days is None else to_rfc3339(clock() + timedelta(days=days))
    with api_client(server) as client:
        reply = client.post("/v1/keys", json={
            "name": name, "description": description, "expires_at": expires, "scope": "read",
        })
        assert reply.status_code == 201, reply.text
        data: dict[str, Any] = reply.json()
        return data


def add_keys(url: str, token: str, *names: str) -> None:
    """Keys made straight through the API, valid for 30 days."""
    expires = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for name in names:
        httpx.post(f"{url}/v1/keys", headers={"Authorization": f"Bearer {token}"},
                   json={"name": name, "expires_at": expires}, timeout=10).raise_for_status()
