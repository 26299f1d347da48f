"""Two `agentkeys serve` processes on one database behave as one server.

A key revoked through one is rejected by the other on its very next verify; a key limited
to N requests per minute accepts exactly N of a concurrent burst of 3N spread over both.
Runs on a SQLite file and on a fresh PostgreSQL schema (skips with the reason when
PostgreSQL is unreachable; fails instead under CI=true).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import httpx
import pytest
from serve_cluster import Cluster, key_body, serve_cluster

pytestmark = [pytest.mark.slow]


@pytest.fixture(scope="module")
def cluster(module_db_url: str, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[Cluster]:
    """One pair of servers per database for the whole module (starting them is most of
    its time); each test makes its own keys, and only a person of its own leaves."""
    with serve_cluster(module_db_url, tmp_path_factory.mktemp("cluster")) as running:
        yield running


def test_revoked_through_one_is_rejected_by_the_other(cluster: Cluster) -> None:
    key_id, secret = cluster.create_key()
    # Both servers accept it first (and server 1 may have looked it up already).
    assert cluster.verify(1, secret)["valid"] is True
    assert cluster.verify(0, secret)["valid"] is True
    revoked = httpx.post(f"{cluster.urls[0]}/v1/keys/{key_id}/revoke",
                         headers={"Authorization": f"Bearer {cluster.member_token}"})
    assert revoked.status_code == 200, revoked.text
    answer = cluster.verify(1, secret)
    assert answer["valid"] is False
    assert answer["code"] == "TOKEN_REVOKED"


def _wait_for_fresh_minute(margin: float = 8.0) -> None:
    """Rate limits count per calendar minute: keep the burst inside one window."""
    into = time.time() % 60
    if into > 60 - margin:
        time.sleep(60 - into + 0.2)


def test_rate_limit_holds_across_processes(cluster: Cluster) -> None:
    limit = 6
    _, secret = cluster.create_key(rate_limit_rpm=limit)

    async def burst() -> list[dict[str, object]]:
        async with httpx.AsyncClient(
            headers={"Authorization": f"Bearer {cluster.service_token}"}, timeout=30
        ) as client:
            async def one(index: int) -> dict[str, object]:
                response = await client.post(
                    f"{cluster.urls[index % 2]}/v1/verify", json={"key": secret}
                )
                assert response.status_code == 200, response.text
                return response.json()  # type: ignore[no-any-return]

            return await asyncio.gather(*(one(i) for i in range(3 * limit)))

    _wait_for_fresh_minute()
    answers = asyncio.run(burst())
    accepted = [a for a in answers if a["valid"] is True]
    refused = [a for a in answers if a["valid"] is False]
    assert len(accepted) == limit, [a["code"] for a in answers]
    assert {a["code"] for a in refused} == {"RATE_LIMITED"}
    assert all(a["ratelimit"]["limit"] == limit for a in answers)  # type: ignore[index]


def test_mcp_calls_share_the_rate_limit_and_see_revocations_across_processes(
        cluster: Cluster) -> None:
    """The MCP SDK's client on both servers at once: a key limited to N a minute gets
    exactly N of 3N tool calls; revoked through one server, it is refused by the other
    on the very next request."""
    from mcp.shared.exceptions import MCPError
    from mcp_support import error_code, mcp_client

    limit = 4
    _, secret = cluster.create_key(rate_limit_rpm=limit)

    async def burst() -> list[str | None]:
        async with mcp_client(cluster.urls[0], secret) as first, \
                mcp_client(cluster.urls[1], secret) as second:
            clients = (first, second)
            results = await asyncio.gather(*(
                clients[i % 2].call_tool("whoami", {}) for i in range(3 * limit)))
            return [error_code(result) for result in results]

    _wait_for_fresh_minute()
    codes = asyncio.run(burst())
    assert codes.count(None) == limit, codes
    assert set(codes) - {None} == {"RATE_LIMITED"}

    other_id, other = cluster.create_key()

    async def revoke_then_call() -> None:
        async with mcp_client(cluster.urls[1], other) as client:
            assert not (await client.call_tool("whoami", {})).is_error
            revoked = httpx.post(f"{cluster.urls[0]}/v1/keys/{other_id}/revoke",
                                 headers={"Authorization": f"Bearer {cluster.member_token}"})
            assert revoked.status_code == 200
            with pytest.raises(MCPError):
                await client.call_tool("whoami", {})

    asyncio.run(revoke_then_call())


def _session_through(cluster: Cluster, key_id: str, token: str) -> str:
    """A key session by the device flow on server 0, approved with `token`'s key."""
    base = cluster.urls[0]
    device = "urn:ietf:params:oauth:grant-type:device_code"
    client = httpx.post(f"{base}/v1/oauth/register", json={
        "client_name": "cron agent", "grant_types": [device]}).json()["client_id"]
    started = httpx.post(f"{base}/v1/oauth/device/code", data={"client_id": client}).json()
    approved = httpx.post(f"{base}/v1/connections/approve",
                          headers={"Authorization": f"Bearer {token}"},
                          json={"user_code": started["user_code"], "key_id": key_id})
    assert approved.status_code == 200, approved.text
    tokens = httpx.post(f"{base}/v1/oauth/token", data={
        "grant_type": device, "device_code": started["device_code"], "client_id": client})
    assert tokens.status_code == 200, tokens.text
    return str(tokens.json()["access_token"])


def test_sessions_end_with_their_key_across_processes(cluster: Cluster) -> None:
    """Revoked, disabled or its owner deactivated through server 0: server 1 refuses the
    key's session on its very next request."""
    def whoami(session: str) -> httpx.Response:
        return httpx.get(f"{cluster.urls[1]}/v1/agent/whoami",
                         headers={"Authorization": f"Bearer {session}"})

    member = {"Authorization": f"Bearer {cluster.member_token}"}
    for action in ("revoke", "disable"):
        key_id, _ = cluster.create_key()
        session = _session_through(cluster, key_id, cluster.member_token)
        assert whoami(session).status_code == 200
        done = httpx.post(f"{cluster.urls[0]}/v1/keys/{key_id}/{action}", headers=member)
        assert done.status_code == 200, done.text
        refused = whoami(session)
        assert refused.status_code == 401, action
        assert refused.json()["error"]["code"] in ("TOKEN_REVOKED", "TOKEN_INACTIVE")

    user_id, token = cluster.add_member("leaver@mp.example")
    created = httpx.post(f"{cluster.urls[0]}/v1/keys", json=key_body(),
                         headers={"Authorization": f"Bearer {token}"})
    session = _session_through(cluster, created.json()["key"]["id"], token)
    assert whoami(session).status_code == 200
    gone = httpx.post(f"{cluster.urls[0]}/v1/users/{user_id}/deactivate",
                      headers={"Authorization": f"Bearer {cluster.admin_token}"})
    assert gone.status_code == 200, gone.text
    assert whoami(session).status_code == 401
