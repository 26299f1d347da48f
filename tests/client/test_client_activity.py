"""ApiClient's activity calls against the real app: entries and usage days come back as
domain records, filters reach the server, and a key you may not see is NOT_FOUND."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from backend_people import make_org

from tui_app.client.api import ApiClient
from tui_app.client.errors import ApiError


@pytest.fixture
def app(sqlite_url: str, clock: Any) -> Any:
    from tui_app.server.api.app import create_app
    from tui_app.server.settings import Settings

    settings = Settings(database_url=sqlite_url, pepper=b"client-test-pepper-0123", clock=clock)
    app = create_app(settings)
    yield app
    app.state.engine.dispose()


async def test_activity_and_usage_read_as_records(app: Any, clock: Any) -> None:
    org = make_org(app)
    transport = httpx.ASGITransport(app=app)
    async with (
        ApiClient("http://test", org.owner.token, transport=transport) as owner,
        ApiClient("http://test", org.service.token, transport=transport) as gateway,
        ApiClient("http://test", org.admin.token, transport=transport) as admin,
    ):
        created = await owner.create_key(name="bot", expires_at=clock.now + timedelta(days=30),
                                         allowed_tools=["search"])
        await gateway.verify(created.secret, tool="search")
        await gateway.verify(created.secret, tool="deploy")
        key_id = created.key.id

        page = await owner.key_activity(key_id)
        assert [(e.tool, e.code, e.ok) for e in page.items] == [
            ("deploy", "TOOL_FORBIDDEN", False), ("search", "VALID", True)]
        assert page.items[0].key_name == "bot" and page.items[0].channel == "verify"
        assert page.next_cursor is None
        refused = await owner.key_activity(key_id, result="refused")
        assert [e.tool for e in refused.items] == ["deploy"]

        first = await owner.key_activity(key_id, limit=1)
        assert first.next_cursor is not None
        second = await owner.key_activity(key_id, limit=1, cursor=first.next_cursor)
        assert [e.tool for e in second.items] == ["search"]

        usage = await owner.key_usage(key_id, days=3)
        assert [(d.ok, d.refused) for d in usage] == [(0, 0), (0, 0), (1, 1)]
        assert usage[-1].date == clock.now.date()

        everyone = await admin.activity(tool="search")
        assert [(e.key_id, e.owner.email if e.owner else None) for e in everyone.items] == [
            (key_id, org.owner.email)]
        assert (await admin.activity(key=key_id, result="ok")).items[0].tool == "search"
        assert (await admin.activity(code="TOOL_FORBIDDEN")).items[0].tool == "deploy"
        assert (await admin.activity(since=clock.now)).items  # an aware time reaches it


async def test_a_key_you_may_not_see_is_not_found(app: Any, clock: Any) -> None:
    org = make_org(app)
    transport = httpx.ASGITransport(app=app)
    async with (
        ApiClient("http://test", org.owner.token, transport=transport) as owner,
        ApiClient("http://test", org.member2.token, transport=transport) as stranger,
    ):
        created = await owner.create_key(name="bot", expires_at=clock.now + timedelta(days=3))
        for call in (stranger.key_activity(created.key.id), stranger.key_usage(created.key.id)):
            with pytest.raises(ApiError) as caught:
                await call
            assert caught.value.code == "NOT_FOUND"
        assert (await stranger.activity()).items == ()
