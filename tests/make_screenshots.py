"""Write SVGs of every screen and modal to screenshots/ (`make screenshots`).

Deterministic: the demo organisation seeded with a fixed seed and clock, served by the
real FastAPI app through httpx's ASGI transport, and an example secret with a fixed body
(the secret dialog never talks to the server). Run: .venv/bin/python -m tests.make_screenshots
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "snapshots"))

from shell_snapshot_data import demo_app, loaded, settle  # noqa: E402

from tui_app.ui.screenshot import export_svg  # noqa: E402

OUT = ROOT / "screenshots"
EXAMPLE_BODY = "Zx7Qm2Lp9Tr4Vw8Ks1Nd6Hb3Fj5Gc0Ya" + "Ue7Ri2Oo"


def example_secret() -> str:
    from tui_app.domain.keyformat import checksum

    head = f"ak_live_{EXAMPLE_BODY}"
    return head + checksum(head)


Step = Callable[[Any], Awaitable[None]]


async def press(pilot: Any, *keys: str) -> None:
    await pilot.press(*keys)
    await pilot.pause(0.2)
    await settle(pilot)


async def shot(name: str, steps: Step | None = None, *, size: tuple[int, int] = (100, 30),
               hostile: bool = False) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        app = demo_app(Path(tmp), hostile=hostile)
        async with app.run_test(size=size) as pilot:
            await loaded(pilot)
            if steps is not None:
                await steps(pilot)
            for node in app.screen.query("Input"):
                node.cursor_blink = False  # type: ignore[attr-defined]
            await pilot.pause(0.1)
            path = OUT / f"{name}.svg"
            path.write_text(export_svg(app), encoding="utf-8")
    print(f"  {path.relative_to(ROOT)}")
    return path


async def open_create(pilot: Any) -> None:
    await press(pilot, "n")
    await press(pilot, *"nightly-report-agent")


async def create_errors(pilot: Any) -> None:
    await press(pilot, "n")
    from textual.widgets import Input

    screen = pilot.app.screen
    screen.query_one("#name", Input).value = "   "
    screen.query_one("#rate-limit-rpm", Input).value = "lots"
    screen.query_one("#allowed-tools", Input).value = "read files!"
    await press(pilot, "ctrl+s")


async def secret_dialog(pilot: Any) -> None:
    from tui_app.domain.models import CreatedKey
    from tui_app.ui.my_keys.secret import SecretDialog

    key = pilot.app.screen.selected_key
    pilot.app.push_screen(SecretDialog(CreatedKey(key=key, secret=example_secret()),
                                       pilot.app.server_url))
    await settle(pilot)
    await pilot.pause(0.2)


async def edit(pilot: Any) -> None:
    await press(pilot, "e")


async def edit_expired(pilot: Any) -> None:
    await press(pilot, "tab")
    screen = pilot.app.screen
    keys = screen.query_one("#inactive-keys").keys
    expired = next(i for i, k in enumerate(keys) if k.status.value == "expired")
    for _ in range(expired):
        await pilot.press("down")
    await press(pilot, "e")


async def revoke(pilot: Any) -> None:
    await press(pilot, "R")


async def delete(pilot: Any) -> None:
    # The highlighted key's details load first: the screen under a modal is drawn as it
    # was when the modal opened.
    await press(pilot, "tab")
    await press(pilot, "delete")


async def inactive(pilot: Any) -> None:
    await press(pilot, "tab", "down")


async def help_screen(pilot: Any) -> None:
    await press(pilot, "question_mark")


async def audit(pilot: Any) -> None:
    await press(pilot, "3")
    await pilot.pause(0.3)
    await settle(pilot)


async def admin(pilot: Any) -> None:
    await press(pilot, "2")
    await pilot.pause(0.5)
    await settle(pilot)


async def activity(pilot: Any) -> None:
    await press(pilot, "4")
    await pilot.pause(0.5)
    await settle(pilot)


async def people(pilot: Any) -> None:
    await press(pilot, "5")
    await pilot.pause(0.5)
    await settle(pilot)


async def connections(pilot: Any) -> None:
    await press(pilot, "6")
    await pilot.pause(0.5)
    await settle(pilot)


async def connect_agent(pilot: Any) -> None:
    await press(pilot, "C")
    await pilot.pause(0.3)
    await settle(pilot)


async def main() -> None:
    OUT.mkdir(exist_ok=True)
    print(f"writing {OUT.relative_to(ROOT)}/")
    await shot("my-keys", size=(120, 34))
    await shot("my-keys-inactive-pane", inactive, size=(120, 34))
    await shot("my-keys-80x24", size=(80, 24))
    await shot("my-keys-hostile-names", hostile=True, size=(120, 34))
    await shot("create-key", open_create)
    await shot("create-key-validation-errors", create_errors)
    await shot("secret-dialog", secret_dialog)
    await shot("edit-key", edit)
    await shot("edit-expired-key", edit_expired)
    await shot("revoke-confirm", revoke)
    await shot("delete-confirm", delete)
    await shot("help", help_screen)
    await shot("audit-log", audit)
    await shot("connect-agent", connect_agent, size=(120, 34))
    await shot("activity", activity, size=(120, 34))
    await shot("activity-80x24", activity, size=(80, 24))
    await shot("people", people, size=(120, 34))
    await shot("connections", connections, size=(120, 34))
    await shot("connections-80x24", connections, size=(80, 24))
    try:
        await shot("admin", admin, size=(120, 34))
        await shot("admin-80x24", admin, size=(80, 24))
    except Exception as exc:  # one failed shot must not stop the others; say so
        print(f"  admin: skipped ({type(exc).__name__}: {exc})")


if __name__ == "__main__":
    asyncio.run(main())
