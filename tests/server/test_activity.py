"""Agent activity: one entry per verify and whoami, kept apart from the audit log, read
per key, per day and across keys as each role may see them."""

from __future__ import annotations

from datetime import timedelta

from backend_people import auth
from support import create_key


async def _verify(api, org, secret, **extra):
    r = await api.post("/v1/verify", json={"key": secret, **extra},
                       headers=org.service.headers | {"User-Agent": "gateway/1.2"})
    assert r.status_code == 200, r.text
    return r.json()


async def test_each_call_is_one_entry_with_its_channel_tool_code_client_and_ip(api, org):
    key, secret = await create_key(api, org.owner, allowed_tools=["search"])
    await _verify(api, org, secret, tool="search")
    await _verify(api, org, secret, tool="deploy")
    r = await api.get("/v1/agent/whoami", headers=auth(secret) | {"User-Agent": "my-agent/0.1"})
    assert r.status_code == 200
    r = await api.get(f"/v1/keys/{key['id']}/activity", headers=org.owner.headers)
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [(e["channel"], e["tool"], e["code"], e["client"]) for e in items] == [
        ("whoami", None, "VALID", "my-agent/0.1"),
        ("verify", "deploy", "TOOL_FORBIDDEN", "gateway/1.2"),
        ("verify", "search", "VALID", "gateway/1.2"),
    ]
    assert all(e["ip"] == "127.0.0.1" and e["key_id"] == key["id"] for e in items)
    assert all(secret not in str(e) for e in items)
    refused = await api.get(f"/v1/keys/{key['id']}/activity?result=refused",
                            headers=org.owner.headers)
    assert [e["tool"] for e in refused.json()["items"]] == ["deploy"]
    # Activity is not the audit log: the audit log holds only the key's creation.
    audit = await api.get(f"/v1/audit?key_id={key['id']}", headers=org.owner.headers)
    assert [e["action"] for e in audit.json()["items"]] == ["key.created"]


async def test_unknown_keys_leave_no_entry_and_refusals_do(api, org, clock):
    key, secret = await create_key(api, org.owner, expires_at=(clock.now + timedelta(days=1))
                                   .isoformat())
    await api.post(f"/v1/keys/{key['id']}/revoke", headers=org.owner.headers)
    assert (await _verify(api, org, secret))["code"] == "TOKEN_REVOKED"
    assert (await _verify(api, org, "ak_live_nope"))["code"] == "TOKEN_MALFORMED"
    r = await api.get("/v1/activity", headers=org.admin.headers)
    assert [(e["key_id"], e["code"]) for e in r.json()["items"]] == [(key["id"], "TOKEN_REVOKED")]


async def test_pages_follow_the_cursor(api, org):
    key, secret = await create_key(api, org.owner)
    for _ in range(5):
        await _verify(api, org, secret)
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await api.get(f"/v1/keys/{key['id']}/activity", params=params,
                              headers=org.owner.headers)).json()
        seen += [e["id"] for e in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 5


async def test_usage_counts_calls_per_day(api, org, clock):
    key, secret = await create_key(api, org.owner, allowed_tools=["a"])
    await _verify(api, org, secret, tool="a")
    await _verify(api, org, secret, tool="b")
    clock.advance(days=1)
    await _verify(api, org, secret, tool="a")
    r = await api.get(f"/v1/keys/{key['id']}/usage?days=3", headers=org.owner.headers)
    assert r.status_code == 200, r.text
    days = r.json()["days"]
    assert len(days) == 3
    assert [(d["ok"], d["refused"]) for d in days] == [(0, 0), (1, 1), (1, 0)]
    assert days[-1]["date"] == clock.now.date().isoformat()


async def test_who_sees_whose_activity(api, org):
    own, own_secret = await create_key(api, org.owner)
    other, other_secret = await create_key(api, org.member2)
    await _verify(api, org, own_secret)
    await _verify(api, org, other_secret)

    async def keys_seen(person):
        r = await api.get("/v1/activity", headers=person.headers)
        assert r.status_code == 200, r.text
        return {e["key_id"] for e in r.json()["items"]}

    assert await keys_seen(org.owner) == {own["id"]}
    assert await keys_seen(org.member) == set()
    assert await keys_seen(org.manager) == {own["id"]}  # team red
    assert await keys_seen(org.manager2) == {other["id"]}  # team blue
    assert await keys_seen(org.admin) == {own["id"], other["id"]}
    for person, status in ((org.member, 404), (org.manager2, 404), (org.manager, 200)):
        r = await api.get(f"/v1/keys/{own['id']}/activity", headers=person.headers)
        assert r.status_code == status
        r = await api.get(f"/v1/keys/{own['id']}/usage", headers=person.headers)
        assert r.status_code == status
    assert (await api.get("/v1/activity", headers=org.service.headers)).status_code == 403
    by_owner = await api.get("/v1/activity", params={"owner": org.member2.email},
                             headers=org.manager.headers)
    assert by_owner.json()["items"] == []  # not the manager's team


async def test_bad_parameters_are_explained(api, org):
    key, _ = await create_key(api, org.owner)
    for query in ("result=maybe", "channel=ftp", "limit=0", "since=yesterday",
                  "cursor=%00", "cursor=bm9wZQ"):
        r = await api.get(f"/v1/activity?{query}", headers=org.admin.headers)
        assert r.status_code == 422, (query, r.text)
        assert r.json()["error"]["code"] == "VALIDATION_FAILED"
    r = await api.get(f"/v1/keys/{key['id']}/usage?days=0", headers=org.owner.headers)
    assert r.status_code == 422


async def test_old_activity_is_pruned(server_app, api, org, clock):
    key, secret = await create_key(api, org.owner)
    await _verify(api, org, secret)
    recorder = server_app.state.backend.activity
    recorder.flush()
    clock.advance(days=server_app.state.settings.activity_days + 1)
    await _verify(api, org, secret)
    recorder.flush()
    recorder.prune()
    r = await api.get(f"/v1/keys/{key['id']}/activity", headers=org.owner.headers)
    assert len(r.json()["items"]) == 1
