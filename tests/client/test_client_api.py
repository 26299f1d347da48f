"""ApiClient against the real app (in-process ASGI): ids stay one path segment, and an
answer that is not our error envelope never reaches the user raw."""

from __future__ import annotations

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


async def test_a_key_id_cannot_walk_to_another_endpoint(app: Any) -> None:
    org = make_org(app)
    transport = httpx.ASGITransport(app=app)
    async with ApiClient("http://test", org.admin.token, transport=transport) as api:
        # Unquoted, httpx resolves the dots and this would be POST /v1/users/…/deactivate.
        with pytest.raises(ApiError) as caught:
            await api.revoke_key(f"key_x/../../users/{org.member.id}/deactivate")
        assert caught.value.code == "NOT_FOUND"
        member = next(u for u in (await api.list_users()).items if u.id == org.member.id)
        assert member.active


async def test_a_foreign_error_body_is_not_shown_raw() -> None:
    async def foreign(scope: Any, receive: Any, send: Any) -> None:
        body = b'{"error": {"code": {"x": 1}, "message": ["\\u001b]52;c;ZXZpbA==\\u0007"]}}'
        await send({"type": "http.response.start", "status": 500,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})

    transport = httpx.ASGITransport(app=foreign)
    async with ApiClient("http://test", None, transport=transport) as api:
        with pytest.raises(ApiError) as caught:
            await api.me()
    assert caught.value.code == "HTTP_ERROR" and "\x1b" not in caught.value.message
