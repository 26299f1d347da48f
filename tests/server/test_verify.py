"""POST /v1/verify and GET /v1/agent/whoami: codes, tools, scope, rate limits, last use."""

from __future__ import annotations

from datetime import timedelta

from backend_people import auth
from support import create_key

from tui_app.domain import keyformat
from tui_app.domain.clock import to_rfc3339


async def v(api, org, secret, **extra):
    r = await api.post("/v1/verify", json={"key": secret, **extra}, headers=org.service.headers)
    assert r.status_code == 200, r.text
    return r.json()


async def test_codes_follow_the_key_status(api, org, clock) -> None:
    key, secret = await create_key(api, org.owner, expires_at=to_rfc3339(
        clock.now + timedelta(days=7)))
    ok = await v(api, org, secret)
    assert ok["valid"] is True and ok["code"] == "VALID" and ok["key"]["id"] == key["id"]
    assert "secret" not in ok and secret not in str(ok)
    bad = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    assert (await v(api, org, bad))["code"] == "TOKEN_MALFORMED"
    assert (await v(api, org, "nonsense"))["code"] == "TOKEN_MALFORMED"
    assert (await v(api, org, keyformat.generate()))["code"] == "TOKEN_INVALID"
    url = f"/v1/keys/{key['id']}"
    await api.post(f"{url}/disable", headers=org.owner.headers)
    assert (await v(api, org, secret))["code"] == "TOKEN_INACTIVE"
    await api.post(f"{url}/enable", headers=org.owner.headers)
    clock.advance(days=8)
    assert (await v(api, org, secret))["code"] == "TOKEN_EXPIRED"
    await api.post(f"{url}/revoke", headers=org.owner.headers)
    result = await v(api, org, secret)
    assert result["code"] == "TOKEN_REVOKED" and result["valid"] is False


async def test_the_caller_is_checked_before_the_body(api, org) -> None:
    """A caller without a well-formed login token gets 401 whatever the body, even one
    that is not JSON; a signed-in gateway gets the per-field 422."""
    json_type = {"Content-Type": "application/json"}
    for caller in ({}, auth("akp_live_nope"), auth(keyformat.generate())):
        r = await api.post("/v1/verify", content=b"{not json", headers=json_type | caller)
        assert r.status_code == 401, r.text
    r = await api.post("/v1/verify", content=b"{not json",
                       headers=json_type | org.service.headers)
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "body"


async def test_tool_lists(api, org) -> None:
    _, allow = await create_key(api, org.owner, allowed_tools=["search", "read_file"],
                                blocked_tools=["deploy"])
    assert (await v(api, org, allow, tool="search"))["valid"]
    assert (await v(api, org, allow, tool="write_file"))["code"] == "TOOL_FORBIDDEN"
    assert (await v(api, org, allow, tool="deploy"))["code"] == "TOOL_FORBIDDEN"
    _, block = await create_key(api, org.owner, blocked_tools=["deploy"])
    assert (await v(api, org, block, tool="anything"))["valid"]
    assert (await v(api, org, block, tool="deploy"))["code"] == "TOOL_FORBIDDEN"
    assert (await v(api, org, block, tool="bad tool!"))["code"] == "TOOL_FORBIDDEN"


async def test_scope_and_owner_role(api, org) -> None:
    _, read = await create_key(api, org.owner, scope="read")
    _, write = await create_key(api, org.owner, scope="read_write")
    assert (await v(api, org, read, access="read"))["valid"]
    assert (await v(api, org, read))["valid"]
    assert (await v(api, org, read, access="write"))["code"] == "SCOPE_FORBIDDEN"
    assert (await v(api, org, write, access="write"))["valid"]


async def test_rate_limit_per_minute(api, org, clock) -> None:
    _, secret = await create_key(api, org.owner, rate_limit_rpm=3)
    results = [await v(api, org, secret) for _ in range(5)]
    assert [r["code"] for r in results] == ["VALID"] * 3 + ["RATE_LIMITED"] * 2
    assert [r["ratelimit"]["remaining"] for r in results] == [2, 1, 0, 0, 0]
    assert results[0]["ratelimit"]["limit"] == 3
    clock.advance(seconds=61)
    assert (await v(api, org, secret))["valid"]
    r = await api.get("/v1/agent/whoami", headers=auth(secret))
    assert r.status_code == 200
    await v(api, org, secret)
    r = await api.get("/v1/agent/whoami", headers=auth(secret))
    assert r.status_code == 429 and r.json()["error"]["code"] == "RATE_LIMITED"
    assert int(r.headers["Retry-After"]) >= 1


async def test_last_use_recorded_at_most_once_a_minute(api, org, clock) -> None:
    key, secret = await create_key(api, org.owner)
    url = f"/v1/keys/{key['id']}"
    await v(api, org, secret, tool="search")
    got = (await api.get(url, headers=org.owner.headers)).json()
    assert got["last_used_at"] == to_rfc3339(clock.now) and got["last_used_tool"] == "search"
    first = clock.now
    clock.advance(seconds=30)
    await v(api, org, secret, tool="other")
    got = (await api.get(url, headers=org.owner.headers)).json()
    assert got["last_used_at"] == to_rfc3339(first)  # within 60 s: not rewritten
    clock.advance(seconds=31)
    await v(api, org, secret, tool="other")
    got = (await api.get(url, headers=org.owner.headers)).json()
    assert got["last_used_at"] == to_rfc3339(clock.now) and got["last_used_tool"] == "other"
    # A refused call is not a use.
    clock.advance(seconds=120)
    await api.post(f"{url}/disable", headers=org.owner.headers)
    await v(api, org, secret)
    got = (await api.get(url, headers=org.owner.headers)).json()
    assert got["last_used_at"] != to_rfc3339(clock.now)


async def test_whoami(api, org, clock) -> None:
    key, secret = await create_key(api, org.owner, name="agent")
    r = await api.get("/v1/agent/whoami", headers=auth(secret))
    assert r.status_code == 200 and r.json()["id"] == key["id"]
    got = (await api.get(f"/v1/keys/{key['id']}", headers=org.owner.headers)).json()
    assert got["last_used_at"] == to_rfc3339(clock.now)
    assert (await api.get("/v1/agent/whoami")).json()["error"]["code"] == "TOKEN_MISSING"
    r = await api.get("/v1/agent/whoami", headers=auth(keyformat.generate()))
    assert r.status_code == 401 and r.json()["error"]["code"] == "TOKEN_INVALID"
    await api.post(f"/v1/keys/{key['id']}/revoke", headers=org.owner.headers)
    r = await api.get("/v1/agent/whoami", headers=auth(secret))
    assert r.status_code == 401 and r.json()["error"]["code"] == "TOKEN_REVOKED"
    # Agent keys are not login tokens.
    r = await api.get("/v1/keys", headers=auth(secret))
    assert r.json()["error"]["code"] == "TOKEN_MALFORMED"


async def test_deactivating_the_owner_stops_keys_and_logins(api, org) -> None:
    key, secret = await create_key(api, org.owner)
    r = await api.post(f"/v1/users/{org.owner.id}/deactivate", headers=org.admin.headers)
    assert r.status_code == 200 and r.json()["active"] is False
    result = await v(api, org, secret)
    assert result["code"] == "TOKEN_INACTIVE"
    assert result["key"]["status_reason"] == "owner_deactivated"
    got = (await api.get(f"/v1/keys/{key['id']}", headers=org.admin.headers)).json()
    assert got["status"] == "inactive" and got["status_reason"] == "owner_deactivated"
    listed = (await api.get("/v1/admin/keys", params={"status": "inactive"},
                            headers=org.admin.headers)).json()["items"]
    assert key["id"] in {k["id"] for k in listed}
    r = await api.get("/v1/me", headers=org.owner.headers)
    assert r.status_code == 401 and r.json()["error"]["code"] == "TOKEN_INACTIVE"
    events = (await api.get("/v1/audit", params={"action": "user.deactivated"},
                            headers=org.admin.headers)).json()["items"]
    assert events and events[0]["details"]["keys_affected"] == 1


async def test_a_refused_gateway_counts_nothing(api, org, clock) -> None:
    """The gateway is checked before any write: calls it may not make use up none of the
    key's limit and record no use."""
    key, secret = await create_key(api, org.owner, rate_limit_rpm=1)
    for caller in (org.member, org.deactivated, org.revoked_login):
        r = await api.post("/v1/verify", json={"key": secret}, headers=caller.headers)
        assert r.status_code in (401, 403), r.text
    got = (await api.get(f"/v1/keys/{key['id']}", headers=org.owner.headers)).json()
    assert got["last_used_at"] is None
    result = await v(api, org, secret)
    assert result["valid"] and result["ratelimit"]["remaining"] == 0


async def test_whoami_records_itself_as_the_tool(api, org, clock) -> None:
    key, secret = await create_key(api, org.owner, allowed_tools=["search"])
    r = await api.get("/v1/agent/whoami", headers=auth(secret))
    assert r.status_code == 200 and r.json()["last_used_at"] is None  # as it was read
    got = (await api.get(f"/v1/keys/{key['id']}", headers=org.owner.headers)).json()
    assert got["last_used_tool"] == "whoami" and got["last_used_at"] == to_rfc3339(clock.now)
