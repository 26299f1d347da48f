"""POST /v1/mcp with the MCP SDK's own client against a served agentkeys (SQLite and
PostgreSQL): tools per key, refusals with their codes, writes audited as the key, the
very next request after a revocation refused, the rate limit shared with verify."""

from __future__ import annotations

import httpx
import pytest
from backend_people import auth
from mcp.shared.exceptions import MCPError
from mcp_support import error_code, mcp_client
from support import create_key

READ_TOOLS = {"whoami", "list_keys", "get_key", "key_activity", "audit_log"}
WRITE_TOOLS = {"extend_key", "disable_key", "enable_key", "revoke_key"}


async def _tools(url, secret):
    async with mcp_client(url, secret) as client:
        return {tool.name: tool for tool in (await client.list_tools()).tools}


async def test_tools_listed_follow_scope_and_tool_lists(served_url, api, org):
    _, read = await create_key(api, org.owner, scope="read")
    _, write = await create_key(api, org.owner, scope="read_write", blocked_tools=["revoke_key"])
    _, narrow = await create_key(api, org.owner, scope="read_write",
                                 allowed_tools=["whoami", "disable_key"])
    listed = await _tools(served_url, read)
    assert set(listed) == READ_TOOLS
    assert all(tool.annotations.read_only_hint for tool in listed.values())
    assert set(await _tools(served_url, write)) == READ_TOOLS | WRITE_TOOLS - {"revoke_key"}
    assert set(await _tools(served_url, narrow)) == {"whoami", "disable_key"}
    _, everything = await create_key(api, org.owner, scope="read_write")
    revoke = (await _tools(served_url, everything))["revoke_key"]
    assert revoke.annotations.destructive_hint and not revoke.annotations.read_only_hint


async def test_read_tools_see_the_owners_keys_only(served_url, api, org):
    mine, secret = await create_key(api, org.admin, name="admin's agent")
    theirs, _ = await create_key(api, org.owner, name="someone else's")
    async with mcp_client(served_url, secret) as client:
        who = await client.call_tool("whoami", {})
        assert not who.is_error and who.structured_content["key"]["id"] == mine["id"]
        listed = await client.call_tool("list_keys", {"status": "active"})
        assert [k["id"] for k in listed.structured_content["items"]] == [mine["id"]]
        # An admin's key reaches no further than the admin's own keys.
        other = await client.call_tool("get_key", {"key_id": theirs["id"]})
        assert error_code(other) == "NOT_FOUND"
        assert secret not in str(listed.structured_content)


async def test_refused_calls_carry_their_code_and_change_nothing(served_url, api, org):
    target, _ = await create_key(api, org.owner, name="target")
    _, read = await create_key(api, org.owner, scope="read")
    _, blocked = await create_key(api, org.owner, scope="read_write",
                                  blocked_tools=["disable_key"])
    async with mcp_client(served_url, read) as client:
        refused = await client.call_tool("disable_key", {"key_id": target["id"]})
        assert error_code(refused) == "SCOPE_FORBIDDEN"
        assert refused.content[0].text.startswith("SCOPE_FORBIDDEN")
        assert error_code(await client.call_tool("no_such_tool", {})) == "TOOL_FORBIDDEN"
    async with mcp_client(served_url, blocked) as client:
        refused = await client.call_tool("disable_key", {"key_id": target["id"]})
        assert error_code(refused) == "TOOL_FORBIDDEN"
        bad = await client.call_tool("extend_key", {"key_id": target["id"], "days": 0})
        assert bad.is_error
    after = (await api.get(f"/v1/keys/{target['id']}", headers=org.owner.headers)).json()
    assert after["status"] == "active" and after["version"] == target["version"]
    assert after["expires_at"] == target["expires_at"]


async def test_writes_are_audited_as_the_key_with_source_mcp(served_url, api, org):
    target, _ = await create_key(api, org.owner, name="nightly")
    agent, secret = await create_key(api, org.owner, name="deploy-bot", scope="read_write")
    async with mcp_client(served_url, secret) as client:
        done = await client.call_tool("disable_key", {"key_id": target["id"]})
        assert done.structured_content["key"]["status"] == "inactive"
        again = await client.call_tool("enable_key", {"key_id": target["id"]})
        assert again.structured_content["key"]["status"] == "active"
        longer = await client.call_tool("extend_key", {"key_id": target["id"], "days": 7})
        assert longer.structured_content["key"]["expires_at"] > target["expires_at"]
    audit = (await api.get(f"/v1/audit?key_id={target['id']}",
                           headers=org.owner.headers)).json()["items"]
    actions = [(e["action"], e["source"], e["actor"]["name"]) for e in audit[:3]]
    assert actions == [("key.extended", "mcp", "key deploy-bot of Owner"),
                       ("key.enabled", "mcp", "key deploy-bot of Owner"),
                       ("key.disabled", "mcp", "key deploy-bot of Owner")]
    assert all(e["details"].get("via_key") == agent["id"] for e in audit[:3])


async def test_a_disable_by_an_admin_sticks_for_the_owners_agent(served_url, api, org):
    target, _ = await create_key(api, org.owner, name="triaged")
    _, secret = await create_key(api, org.owner, scope="read_write")
    r = await api.post(f"/v1/keys/{target['id']}/disable", headers=org.admin.headers)
    assert r.status_code == 200
    async with mcp_client(served_url, secret) as client:
        refused = await client.call_tool("enable_key", {"key_id": target["id"]})
        assert error_code(refused) == "FORBIDDEN"
    r = await api.post(f"/v1/keys/{target['id']}/enable", headers=org.owner.headers)
    assert r.status_code == 403
    r = await api.post(f"/v1/keys/{target['id']}/enable", headers=org.manager.headers)
    assert r.status_code == 200


async def test_the_next_request_after_a_revocation_is_refused(served_url, api, org):
    key, secret = await create_key(api, org.owner, scope="read_write")
    async with mcp_client(served_url, secret) as client:
        assert not (await client.call_tool("whoami", {})).is_error
        r = await api.post(f"/v1/keys/{key['id']}/revoke", headers=org.owner.headers)
        assert r.status_code == 200
        with pytest.raises(MCPError):
            await client.call_tool("whoami", {})
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    headers = {"Accept": "application/json, text/event-stream"}
    async with httpx.AsyncClient(base_url=served_url) as http:
        r = await http.post("/v1/mcp", json=body, headers=headers | auth(secret))
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "TOKEN_REVOKED"
        assert r.headers["www-authenticate"].startswith('Bearer error="invalid_token", '
                                                        'resource_metadata="')
        for presented, code in ((None, "TOKEN_MISSING"), ("garbage", "TOKEN_MALFORMED"),
                                (org.owner.token, "TOKEN_MALFORMED")):
            sent = headers | (auth(presented) if presented else {})
            r = await http.post("/v1/mcp", json=body, headers=sent)
            assert r.status_code == 401 and r.json()["error"]["code"] == code, presented
            assert "invalid_token" in r.headers["www-authenticate"]
        # Where an MCP client learns how to connect with OAuth instead.
        metadata = await http.get("/.well-known/oauth-protected-resource/v1/mcp")
        assert metadata.json()["resource"] == f"{served_url}/v1/mcp"


async def test_tool_calls_count_against_the_rate_limit_and_protocol_does_not(
        served_url, api, org):
    _, secret = await create_key(api, org.owner, rate_limit_rpm=3)
    async with mcp_client(served_url, secret) as client:
        for _ in range(4):  # protocol messages do not count
            await client.list_tools(cache_mode="bypass")
        results = [await client.call_tool("whoami", {}) for _ in range(9)]
    codes = [error_code(r) for r in results]
    assert codes == [None] * 3 + ["RATE_LIMITED"] * 6
    limited = results[-1].structured_content["error"]
    assert 1 <= limited["retry_after"] <= 60


async def test_each_tool_call_is_recorded_as_activity(served_url, api, org):
    key, secret = await create_key(api, org.owner, scope="read", allowed_tools=[
        "whoami", "list_keys"])
    async with mcp_client(served_url, secret, user_agent="claude-code/2.1") as client:
        await client.call_tool("whoami", {})
        await client.call_tool("get_key", {"key_id": key["id"]})
        await client.list_tools()
    r = await api.get(f"/v1/keys/{key['id']}/activity", headers=org.owner.headers)
    entries = [(e["channel"], e["tool"], e["code"], e["ip"]) for e in r.json()["items"]]
    assert entries == [("mcp", "get_key", "TOOL_FORBIDDEN", "127.0.0.1"),
                       ("mcp", "whoami", "VALID", "127.0.0.1")]
    # The client's own name (MCP clientInfo: the SDK's is "mcp/…"), not its User-Agent.
    assert all(e["client"].startswith("mcp/") for e in r.json()["items"])
