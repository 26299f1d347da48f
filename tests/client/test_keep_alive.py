"""Kept-alive connections against a real served backend: a connection the server closed
while idle never surfaces as "Server unreachable", and only a request that cannot do
anything twice is sent again."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tui_app.client.api import KEEPALIVE_EXPIRY, ApiClient
from tui_app.client.errors import ServerUnreachable
from tui_app.server.embedded import EmbeddedServer, start_embedded
from tui_app.server.keep_alive import SERVER_KEEP_ALIVE

IN_A_MONTH = datetime.now(UTC) + timedelta(days=30)


class Served:
    def __init__(self, server: EmbeddedServer) -> None:
        self.server = server
        self.requests = 0


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    holder: list[Served] = []

    def seen() -> None:
        holder[0].requests += 1

    # One second: much shorter than the client's keep-alive, so the client meets
    # connections the server has closed.
    server = start_embedded(tmp_path / "home", on_request=seen, keep_alive=1)
    holder.append(Served(server))
    yield holder[0]
    server.stop()


class AnswerLostOnce(httpx.AsyncHTTPTransport):
    """The request reaches the server, then the connection drops before the answer:
    what a client sees when the server closes a kept-alive connection under it."""

    def __init__(self) -> None:
        super().__init__()
        self.dropped = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        if not self.dropped:
            self.dropped = True
            await response.aclose()
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
        return response


def test_the_client_lets_go_of_idle_connections_before_the_server() -> None:
    assert KEEPALIVE_EXPIRY < SERVER_KEEP_ALIVE
    assert KEEPALIVE_EXPIRY < 5  # uvicorn's default, for servers run some other way


async def test_requests_after_the_server_closed_the_connection_succeed(
        served: Served) -> None:
    async with ApiClient(served.server.url, served.server.token) as api:
        for _ in range(3):
            me = await api.me()
            assert me.user.email
            await api.list_keys()
            await asyncio.sleep(1.5)  # the server closes the idle connection meanwhile


async def test_a_read_is_sent_again_once_when_its_answer_was_lost(served: Served) -> None:
    transport = AnswerLostOnce()
    async with ApiClient(served.server.url, served.server.token, transport=transport) as api:
        before = served.requests
        assert (await api.me()).user.email
        assert served.requests - before == 2
        assert transport.dropped


async def test_a_write_without_an_idempotency_key_is_never_sent_twice(
        served: Served) -> None:
    async with ApiClient(served.server.url, served.server.token) as setup:
        created = await setup.create_key(name="to-disable", expires_at=IN_A_MONTH)
    transport = AnswerLostOnce()
    async with ApiClient(served.server.url, served.server.token, transport=transport) as api:
        before = served.requests
        with pytest.raises(ServerUnreachable):
            await api.bulk("disable", [created.key.id])
        assert served.requests - before == 1
        assert (await api.get_key(created.key.id)).status == "inactive"


async def test_a_create_is_sent_again_under_its_idempotency_key_and_makes_one_key(
        served: Served) -> None:
    transport = AnswerLostOnce()
    async with ApiClient(served.server.url, served.server.token, transport=transport) as api:
        before = served.requests
        created = await api.create_key(name="once", expires_at=IN_A_MONTH)
        assert served.requests - before == 2
        names = [k.name for k in (await api.list_keys()).items]
    assert names.count("once") == 1 and created.key.name == "once"
