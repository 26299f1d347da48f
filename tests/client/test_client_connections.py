"""ApiClient's connection calls against the real app: a pending request read by its
code, approved with a key (an expired one comes back extended), denied, and the key's
sessions listed and revoked, as domain records."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from backend_people import make_org

from tui_app.client.api import ApiClient
from tui_app.client.errors import ApiError

DEVICE = "urn:ietf:params:oauth:grant-type:device_code"


@pytest.fixture
def app(sqlite_url: str, clock: Any) -> Any:
    from tui_app.server.api.app import create_app
    from tui_app.server.settings import Settings

    settings = Settings(database_url=sqlite_url, pepper=b"client-test-pepper-0123", clock=clock)
    app = create_app(settings)
    yield app
    app.state.engine.dispose()


async def _device_request(http: httpx.AsyncClient) -> tuple[str, str, str]:
    client = (await http.post("/v1/oauth/register", json={
        "client_name": "nightly agent", "grant_types": [DEVICE]})).json()["client_id"]
    started = (await http.post("/v1/oauth/device/code", data={"client_id": client})).json()
    return client, started["user_code"], started["device_code"]


async def test_approve_deny_and_sessions(app: Any, clock: Any) -> None:
    org = make_org(app)
    transport = httpx.ASGITransport(app=app)
    base = "http://127.0.0.1:8765"
    async with (
        ApiClient(base, org.owner.token, transport=transport) as owner,
        httpx.AsyncClient(transport=transport, base_url=base) as http,
    ):
        created = await owner.create_key(name="bot", expires_at=clock.now + timedelta(days=1))
        clock.advance(days=2)
        client, code, device_code = await _device_request(http)
        pending = await owner.pending_connection(code)
        assert (pending.client_name, pending.status, pending.flow) == (
            "nightly agent", "pending", "device")
        approval = await owner.approve_connection(code, created.key.id)
        assert approval.extended_to == clock.now + timedelta(days=30)
        clock.advance(seconds=6)
        await http.post("/v1/oauth/token", data={
            "grant_type": DEVICE, "device_code": device_code, "client_id": client})
        sessions = await owner.key_sessions(created.key.id)
        assert [s.client_name for s in sessions] == ["nightly agent"]
        assert sessions[0].active(clock.now)
        ended = await owner.revoke_session(sessions[0].id)
        assert not ended.active(clock.now)

        _, other, _ = await _device_request(http)
        await owner.deny_connection(other)
        assert (await owner.pending_connection(other)).status == "denied"
        with pytest.raises(ApiError) as refused:
            await owner.approve_connection(other, created.key.id)
        assert refused.value.code == "CODE_USED"
