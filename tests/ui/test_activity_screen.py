"""The Activity screen against the real server: newest first, paged, filtered by key,
tool and result, and a live tail that takes new calls on top while the newest entries
are in view, pauses while the person reads further down, and asks nothing when hidden."""

from __future__ import annotations

from typing import Any

from shell_helpers import api_client, create_key, make_app, screen_text, settle, wait_for
from textual.widgets import Input

from tui_app.ui.activity.screen import FIRST_PAGE, ActivityScreen
from tui_app.ui.my_keys.screen import MyKeysScreen


def verify(server: Any, secret: str, tool: str | None = None) -> str:
    with api_client(server) as client:
        body = {"key": secret} | ({"tool": tool} if tool else {})
        reply = client.post("/v1/verify", json=body, headers={"User-Agent": "gateway/1.2"})
        assert reply.status_code == 200, reply.text
        code: str = reply.json()["code"]
        return code


def key_with_tools(server: Any, name: str, clock: Any, tools: list[str]) -> dict[str, Any]:
    from datetime import timedelta

    from tui_app.domain.clock import to_rfc3339

    with api_client(server) as client:
        reply = client.post("/v1/keys", json={
            "name": name, "expires_at": to_rfc3339(clock() + timedelta(days=30)),
            "allowed_tools": tools})
        assert reply.status_code == 201, reply.text
        data: dict[str, Any] = reply.json()
        return data


async def open_activity(pilot: Any) -> ActivityScreen:
    await settle(pilot)
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, MyKeysScreen)
                   and pilot.app.screen.loaded)
    await pilot.press("4")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ActivityScreen)
                   and pilot.app.screen.loaded)
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ActivityScreen)
    return screen


async def test_newest_first_paged_and_filtered(ui_server: Any, ui_clock: Any) -> None:
    search = key_with_tools(ui_server, "search-bot", ui_clock, ["search"])
    other = create_key(ui_server, "other-bot", clock=ui_clock)
    for n in range(FIRST_PAGE + 30):
        ui_clock.advance(seconds=30)
        verify(ui_server, search["secret"], "search" if n % 3 else "deploy")
    ui_clock.advance(minutes=1)
    verify(ui_server, other["secret"], "anything")
    app = make_app(ui_server, ui_clock)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_activity(pilot)
        table = screen.table
        assert len(table.entries) == FIRST_PAGE and screen.next_cursor is not None
        assert table.entries[0].key_name == "other-bot"
        times = [e.at for e in table.entries]
        assert times == sorted(times, reverse=True)
        assert "other-bot" in screen_text(app) and "live" in screen_text(app)

        await pilot.press("end")  # near the end: the next page comes by itself
        await wait_for(pilot, lambda: len(table.entries) == FIRST_PAGE + 31)
        assert screen.next_cursor is None

        await pilot.press("home")
        await pilot.press("f", "f")  # all → ok only → refused only
        assert "refused only" in screen_text(app)
        await wait_for(pilot, lambda: table.entries and all(not e.ok for e in table.entries)
                       and len(table.entries) == 30)
        assert {e.code for e in table.entries} == {"TOOL_FORBIDDEN"}
        assert "TOOL_FORBIDDEN" in screen_text(app)

        await pilot.press("f")  # back to all results
        screen.query_one("#activity-tool", Input).value = "anything"
        await wait_for(pilot, lambda: [e.key_name for e in table.entries] == ["other-bot"])

        screen.query_one("#activity-tool", Input).value = ""
        screen.query_one("#activity-key", Input).value = "SEARCH-BOT"  # a name, any case
        await wait_for(pilot, lambda: len(table.entries) == FIRST_PAGE
                       and {e.key_name for e in table.entries} == {"search-bot"})
        screen.query_one("#activity-key", Input).value = other["key"]["id"]  # or an id
        await wait_for(pilot, lambda: [e.key_name for e in table.entries] == ["other-bot"])
        screen.query_one("#activity-key", Input).value = "no-such-key"
        await wait_for(pilot, lambda: table.entries == [])
        await settle(pilot)
        assert "no key of that name" in screen_text(app)


async def test_live_tail_prepends_and_pauses_while_scrolled(ui_server: Any,
                                                           ui_clock: Any) -> None:
    created = key_with_tools(ui_server, "tail-bot", ui_clock, ["search"])
    for _ in range(80):
        ui_clock.advance(seconds=10)
        verify(ui_server, created["secret"], "search")
    app = make_app(ui_server, ui_clock)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_activity(pilot)
        table = screen.table
        top = table.entries[0].id
        ui_clock.advance(seconds=10)
        assert verify(ui_server, created["secret"], "fresh-tool") == "TOOL_FORBIDDEN"
        await wait_for(pilot, lambda: table.entries[0].tool == "fresh-tool", timeout=8)
        assert table.entries[1].id == top and table.cursor_row == 0
        assert "fresh-tool" in screen_text(app)

        await pilot.press("pagedown", "pagedown")  # reading further down: paused
        await settle(pilot)
        assert not table.at_top
        reading = table.entry
        assert "paused" in screen_text(app)
        polls = screen.polls
        ui_clock.advance(seconds=10)
        verify(ui_server, created["secret"], "while-paused")
        await pilot.pause(2.6)
        assert screen.polls == polls and table.entries[0].tool == "fresh-tool"
        assert table.entry == reading

        await pilot.press("g")  # back on top: the tail resumes and catches up
        await wait_for(pilot, lambda: table.entries[0].tool == "while-paused", timeout=8)
        assert table.at_top and "live" in screen_text(app)

        await pilot.press("1")  # not shown: no requests
        await settle(pilot)
        polls = screen.polls
        await pilot.pause(2.6)
        assert screen.polls == polls


async def test_tools_and_clients_show_as_plain_text(ui_server: Any, ui_clock: Any) -> None:
    created = key_with_tools(ui_server, "plain-bot", ui_clock, ["search"])
    with api_client(ui_server) as client:
        reply = client.post("/v1/verify", json={"key": created["secret"], "tool": "[/bad]"},
                            headers={"User-Agent": "[@click=app.quit]x[/]"})
        assert reply.status_code == 200, reply.text
    app = make_app(ui_server, ui_clock)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_activity(pilot)
        assert screen.table.entries
        text = screen_text(app)
        assert "[@click=app.quit]x[/]" in text and "[/bad]" in text
        assert app.is_running
