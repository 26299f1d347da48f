"""The Connections screen against the real server: an agent starts the device flow over
HTTP, the person types its code, sees who asks, picks one of their keys and approves or
denies; the agent then gets a session (or is refused)."""

from __future__ import annotations

from typing import Any

from connections_support import ask_for_access, open_connections, poll_token, type_code
from shell_helpers import api_client, create_key, make_app, screen_text, settle, wait_for

from tui_app.ui.my_keys.screen import MyKeysScreen


def text_of(widget: Any) -> str:
    return str(widget.render())


async def test_approve_with_a_key_from_the_code_typed(ui_server: Any, ui_clock: Any) -> None:
    create_key(ui_server, "aaa-reader", clock=ui_clock)
    deploy = create_key(ui_server, "deploy-bot", clock=ui_clock)
    asked = ask_for_access(ui_server)
    code = asked["user_code"]
    app = make_app(ui_server, ui_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_connections(pilot)
        assert [k.name for k in screen.key_list.keys] == ["aaa-reader", "deploy-bot"]

        await type_code(pilot, screen, code.lower().replace("-", ""))
        assert screen.request is not None and screen.request.user_code == code
        shown = screen_text(app)
        assert "Claude Code asks to read and write with one of your keys" in shown
        assert "command line" in shown and "10 min (2026-11-20 12:10 UTC)" in shown
        assert "read_write" not in shown

        await pilot.press("enter")  # to the key list: nothing approved yet
        assert screen.key_list.has_focus and screen.request.status == "pending"
        await pilot.press("down", "enter")
        await settle(pilot)
        result = text_of(screen.result)
        # The key is a read key: the session reads, whatever the client asked for.
        assert result == "Approved: Claude Code can now read as deploy-bot."
        assert screen.code_box.value == "" and screen.code_box.has_focus

    token = poll_token(ui_server, asked)
    assert token.status_code == 200, token.text
    assert deploy["key"]["id"]


def writer_key(server: Any, name: str, clock: Any, days: int) -> dict[str, Any]:
    from datetime import timedelta

    from tui_app.domain.clock import to_rfc3339

    with api_client(server) as client:
        reply = client.post("/v1/keys", json={
            "name": name, "scope": "read_write",
            "expires_at": to_rfc3339(clock() + timedelta(days=days))})
        assert reply.status_code == 201, reply.text
        data: dict[str, Any] = reply.json()
        return data


async def test_an_expired_key_is_offered_and_extended(ui_server: Any, ui_clock: Any) -> None:
    writer_key(ui_server, "deploy-bot", ui_clock, days=1)
    gone = create_key(ui_server, "old-revoked", clock=ui_clock)
    with api_client(ui_server) as client:
        assert client.post(f"/v1/keys/{gone['key']['id']}/revoke").status_code == 200
    ui_clock.advance(days=3)  # deploy-bot expired two days ago
    asked = ask_for_access(ui_server)
    app = make_app(ui_server, ui_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_connections(pilot)
        assert [k.name for k in screen.key_list.keys] == ["deploy-bot"]  # not the revoked
        shown = screen_text(app)
        assert "read and write" in shown and "expired 2 days ago" in shown
        assert "will be extended by 30 days" in shown and "old-revoked" not in shown

        await type_code(pilot, screen, asked["user_code"])
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert text_of(screen.result) == (
            "Approved: Claude Code can now read and write as deploy-bot.\n"
            "deploy-bot had expired: extended by 30 days, to 2026-12-23 12:00 UTC.")
        # The list shows the key extended: no longer marked.
        assert "will be extended" not in screen_text(app)


async def test_deny(ui_server: Any, ui_clock: Any) -> None:
    create_key(ui_server, "deploy-bot", clock=ui_clock)
    asked = ask_for_access(ui_server, client_name="nightly CLI")
    app = make_app(ui_server, ui_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_connections(pilot)
        await type_code(pilot, screen, asked["user_code"])
        await pilot.press("enter", "D")
        await settle(pilot)
        assert text_of(screen.result) == (
            "Denied: nightly CLI gets no access. It may ask again with a new code.")
        # Escape: from the code field back to My keys.
        assert screen.code_box.has_focus
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, MyKeysScreen))
    refused = poll_token(ui_server, asked)
    assert refused.status_code == 400 and refused.json()["error"] == "access_denied"


async def test_what_is_not_a_code_and_codes_that_cannot_be_answered(
        ui_server: Any, ui_clock: Any) -> None:
    create_key(ui_server, "deploy-bot", clock=ui_clock)
    asked = ask_for_access(ui_server)
    app = make_app(ui_server, ui_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_connections(pilot)
        await type_code(pilot, screen, "ABCD")
        assert "“A” is never in a code" in text_of(screen.note)
        assert screen.note.has_class("-error") and screen.request is None
        screen.code_box.value = ""
        await type_code(pilot, screen, "BCD")
        assert text_of(screen.note) == "3 of 8 letters…"

        screen.code_box.value = ""
        await type_code(pilot, screen, "BBBB-BBBB")  # a code, but nobody's
        assert "No request has this code" in text_of(screen.result)
        assert screen.code_box.value == "BBBB-BBBB"  # kept as typed
        await pilot.press("ctrl+s")
        assert "Type the code the agent shows first" in text_of(screen.result)

        # Answered elsewhere (the CLI) while the screen showed it: the refusal is said.
        screen.code_box.value = ""
        await type_code(pilot, screen, asked["user_code"])
        with api_client(ui_server) as client:
            assert client.post("/v1/connections/deny",
                               json={"user_code": asked["user_code"]}).status_code == 204
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "answered already" in text_of(screen.result)
        assert screen.code_box.value == asked["user_code"]

        # Looked up once expired: said in words, nothing to approve.
        late = ask_for_access(ui_server)
        ui_clock.advance(minutes=11)
        screen.code_box.value = ""
        await type_code(pilot, screen, late["user_code"])
        assert "This code has expired" in text_of(screen.request_box)
        await pilot.press("ctrl+s")
        assert "cannot be answered any more" in text_of(screen.result)


def test_in_help_and_the_palette_by_what_it_does() -> None:
    from tui_app.ui.app import AgentKeysApp
    from tui_app.ui.help.screen import help_rows

    rows = help_rows(lambda binding: binding.key_display or binding.key,
                     AgentKeysApp.BINDINGS)
    assert any(key == "6" and what.startswith("Authorize a connection")
               for _, key, what in rows)
    assert {key for group, key, _ in rows if group == "Connections"} == {
        "ctrl+s", "D", "escape"}


async def test_hostile_names_stay_text_and_the_footer_fits(ui_server: Any,
                                                           ui_clock: Any) -> None:
    from test_footer import footer_fits, footer_keys

    create_key(ui_server, "[/bad]", clock=ui_clock)
    asked = ask_for_access(ui_server, client_name="[@click=app.quit]x[/] \u202eevil")
    app = make_app(ui_server, ui_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_connections(pilot)
        await type_code(pilot, screen, asked["user_code"])
        shown = screen_text(app)
        assert "[@click=app.quit]x[/]" in shown and "\u202e" not in shown
        assert "[/bad]" in shown
        await pilot.press("enter")
        await settle(pilot)
        assert footer_fits(app)
        assert {"^s Approve", "D Deny", "esc Back"} <= set(footer_keys(app))
        await pilot.press("enter")
        await settle(pilot)
        assert text_of(screen.result).startswith("Approved: [@click=app.quit]x[/]")
        assert app.is_running
