"""Hostile names, descriptions and user names render literally, run nothing, crash
nothing, and no escape character from the data reaches the screen.

Names refuse control characters at input, so the hostile rows are written straight into
the database, as older data or another tool would have left them.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from shell_helpers import HOSTILE, create_key, make_app, screen_text, settle, wait_for

from tui_app.server.store import db
from tui_app.ui.my_keys.screen import MyKeysScreen

UNSAFE = ("\x1b", "\x07", "\x9b", "\u202e", "\u200b", "\u2066", "&#27;", "&#x1b;")


def make_hostile(ui_server: Any, ui_clock: Any) -> list[str]:
    ids = []
    for n in range(len(HOSTILE)):
        created = create_key(ui_server, f"plain-{n}", clock=ui_clock, days=10 + n)
        ids.append(created["key"]["id"])
    engine = sa.create_engine(ui_server.database_url)
    with engine.begin() as conn:
        for key_id, text in zip(ids, HOSTILE, strict=True):
            conn.execute(sa.update(db.keys).where(db.keys.c.id == key_id).values(
                name=text, name_lower=text.lower(), description=f"desc {text}",
                last_used_tool=text[:64]))
        conn.execute(sa.update(db.users).values(name="[@click=app.quit]boss[/] \x1b[31m"))
    engine.dispose()
    return ids


def assert_clean(app: Any) -> None:
    svg = app.export_screenshot()
    for bad in UNSAFE:
        assert bad not in svg, repr(bad)


async def test_hostile_names_render_literally(ui_server: Any, ui_clock: Any) -> None:
    make_hostile(ui_server, ui_clock)
    app = make_app(ui_server, ui_clock)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await wait_for(pilot, lambda: isinstance(app.screen, MyKeysScreen) and app.screen.loaded)
        await settle(pilot)
        screen = app.screen
        assert len(screen.all_keys) == len(HOSTILE)
        text = screen_text(app)
        assert "[@click=app.quit]x[/]" in text
        assert "[/bad]" in text
        assert "[@click=app.quit]boss[/]" in text  # the user name in the status bar
        assert_clean(app)
        # Walk every row: the details (name, description, tool) render each one.
        for _ in HOSTILE:
            await pilot.press("down")
            await pilot.pause(0.2)
            await settle(pilot)
            assert_clean(app)
        # Clicking on the rendered "[@click=app.quit]" text must not quit.
        await pilot.click("#active-keys", offset=(3, 2))
        await settle(pilot)
        assert app.is_running
        # The name inside a confirmation is plain text too.
        await pilot.press("R")
        await wait_for(pilot, lambda: app.screen is not screen)
        assert_clean(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        # Audit log and help with hostile key names in the events.
        await pilot.press("3")
        await settle(pilot)
        assert_clean(app)
        await pilot.press("1")
        await settle(pilot)
        await pilot.press("slash", *"[/bad]")
        await settle(pilot)
        assert [k.name for k in screen.query_one("#active-keys").keys] == ["[/bad]"]
        assert_clean(app)
        assert app.is_running
