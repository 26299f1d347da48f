"""The audit log against the real server: newest first, paged, filtered by key and action."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from shell_helpers import api_client, create_key, make_app, settle, wait_for
from textual.widgets import DataTable, Select

from tui_app.domain.clock import parse_rfc3339
from tui_app.domain.timefmt import absolute
from tui_app.ui.audit.screen import PAGE_SIZE, AuditScreen
from tui_app.ui.widgets.line_panel import LinePanel


async def open_audit(pilot: Any) -> AuditScreen:
    await settle(pilot)
    await wait_for(pilot, lambda: getattr(pilot.app.screen, "loaded", False))
    await pilot.press("3")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, AuditScreen)
                   and pilot.app.screen.loaded)
    await settle(pilot)
    return pilot.app.screen


async def test_pages_newest_first_and_filters(ui_server: Any, ui_clock: Any) -> None:
    ids = []
    for n in range(30):
        ui_clock.advance(minutes=1)
        ids.append(create_key(ui_server, f"agent-{n:02d}", clock=ui_clock)["key"]["id"])
    with api_client(ui_server) as client:
        for key_id in ids[:25]:
            ui_clock.advance(minutes=1)
            assert client.post(f"/v1/keys/{key_id}/revoke").status_code == 200
    app = make_app(ui_server, ui_clock)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_audit(pilot)
        assert len(screen.events) == PAGE_SIZE
        assert screen.next_cursor is not None
        times = [e.at for e in screen.events]
        assert times == sorted(times, reverse=True), "newest first"
        assert screen.events[0].key_name == "agent-24"

        await pilot.press("end")  # the next page
        await settle(pilot)
        assert len(screen.events) == 55
        table = screen.query_one("#audit-table", DataTable)
        assert table.row_count == 55

        screen.query_one("#audit-action", Select).value = "key.revoked"
        await pilot.pause()
        await settle(pilot)
        assert {e.action for e in screen.events} == {"key.revoked"}
        assert len(screen.events) == 25

        screen.query_one("#audit-action", Select).clear()
        screen.query_one("#audit-key", Select).value = ids[3]
        await pilot.pause()
        await settle(pilot)
        assert {e.key_id for e in screen.events} == {ids[3]}
        assert [e.action for e in screen.events] == ["key.revoked", "key.created"]


async def test_details_show_an_edit_before_and_after(ui_server: Any, ui_clock: Any) -> None:
    key = create_key(ui_server, "to-extend", clock=ui_clock)["key"]
    later = (ui_clock() + timedelta(days=200)).strftime("%Y-%m-%dT%H:%M:%SZ")
    with api_client(ui_server) as client:
        assert client.patch(f"/v1/keys/{key['id']}", json={"expires_at": later}).status_code == 200
        assert client.patch(f"/v1/keys/{key['id']}",
                            json={"name": "[b]renamed[/b]"}).status_code == 200
    app = make_app(ui_server, ui_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_audit(pilot)
        details = screen.query_one("#audit-details", LinePanel)
        text = str(details.render())
        assert "key.updated" in text and "Name: to-extend → [b]renamed[/b]" in text
        await pilot.press("down")
        await settle(pilot)
        text = str(screen.query_one("#audit-details", LinePanel).render())
        assert "key.extended" in text
        assert f"→ {absolute(parse_rfc3339(later))}" in text
        assert f"Expires: {absolute(parse_rfc3339(key['expires_at']))}" in text
