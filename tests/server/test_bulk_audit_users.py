"""Bulk actions with partial failures, the audit log, and user management."""

from __future__ import annotations

from datetime import timedelta

from backend_people import auth
from support import create_key, error

from tui_app.domain.clock import parse_rfc3339


async def test_bulk_partial_failures(api, org, clock) -> None:
    a, _ = await create_key(api, org.owner, name="a")
    b, _ = await create_key(api, org.member, name="b")
    blue, _ = await create_key(api, org.member2, name="blue")
    revoked, _ = await create_key(api, org.owner, name="r")
    await api.post(f"/v1/keys/{revoked['id']}/revoke", headers=org.owner.headers)
    ids = [a["id"], "key_missing", blue["id"], revoked["id"], b["id"], a["id"]]
    r = await api.post("/v1/admin/keys/bulk", json={"action": "disable", "ids": ids},
                       headers=org.manager.headers | {"X-Agentkeys-Source": "cli"})
    assert r.status_code == 200
    results = {x["id"]: x for x in r.json()["results"]}
    assert len(r.json()["results"]) == 5  # duplicates once
    assert results[a["id"]]["ok"] and results[a["id"]]["key"]["status"] == "inactive"
    assert results[b["id"]]["ok"]
    assert results["key_missing"]["code"] == "NOT_FOUND"
    assert results[blue["id"]]["code"] == "NOT_FOUND"  # another team: not visible
    assert results[revoked["id"]]["code"] == "CONFLICT"
    assert not results[revoked["id"]]["ok"]
    assert "revoked keys cannot be disabled" in results[revoked["id"]]["message"]
    got = (await api.get(f"/v1/keys/{b['id']}", headers=org.member.headers)).json()
    assert got["status"] == "inactive"
    # The owner reads who disabled it and as what: a manager's disabling is theirs to undo.
    assert got["disabled_by"]["email"] == "manager@example.com"
    assert got["disabled_by"]["role"] == "manager"
    events = (await api.get("/v1/audit", params={"action": "key.disabled"},
                            headers=org.admin.headers)).json()["items"]
    assert {e["key_id"] for e in events} == {a["id"], b["id"]}
    assert all(e["source"] == "cli" for e in events)


async def test_bulk_extend(api, org, clock) -> None:
    a, _ = await create_key(api, org.owner, name="a")
    r = await api.post("/v1/admin/keys/bulk",
                       json={"action": "extend", "ids": [a["id"]], "days": 30},
                       headers=org.admin.headers)
    result = r.json()["results"][0]
    assert result["ok"]
    assert parse_rfc3339(result["key"]["expires_at"]) == parse_rfc3339(
        a["expires_at"]) + timedelta(days=30)
    r = await api.post("/v1/admin/keys/bulk",
                       json={"action": "extend", "ids": [a["id"]], "days": 400},
                       headers=org.admin.headers)
    assert r.json()["results"][0]["code"] == "VALIDATION_FAILED"
    # An expired key extended from today becomes active again.
    clock.advance(days=100)
    r = await api.post("/v1/admin/keys/bulk",
                       json={"action": "extend", "ids": [a["id"]], "days": 7},
                       headers=org.admin.headers)
    key = r.json()["results"][0]["key"]
    assert key["status"] == "active"
    assert parse_rfc3339(key["expires_at"]) == clock.now + timedelta(days=7)
    events = (await api.get("/v1/audit", params={"action": "key.extended"},
                            headers=org.admin.headers)).json()["items"]
    assert events[0]["details"]["before"]["expires_at"] and events[0]["details"]["after"]


async def test_audit_visibility_filters_and_paging(api, org) -> None:
    mine, _ = await create_key(api, org.owner, name="mine")
    theirs, _ = await create_key(api, org.member2, name="theirs")
    for _ in range(3):
        await api.post(f"/v1/keys/{mine['id']}/disable", headers=org.owner.headers)
        await api.post(f"/v1/keys/{mine['id']}/enable", headers=org.owner.headers)
    own = (await api.get("/v1/audit", headers=org.owner.headers)).json()["items"]
    assert {e["key_id"] for e in own} == {mine["id"]}
    assert (await api.get("/v1/audit", params={"key_id": theirs["id"]},
                          headers=org.owner.headers)).json()["items"] == []
    everything = []
    cursor = None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await api.get("/v1/audit", params=params, headers=org.admin.headers)).json()
        everything += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    ids = [int(e["id"].removeprefix("evt_")) for e in everything]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == len(ids)
    assert {e["key_id"] for e in everything} >= {mine["id"], theirs["id"]}
    by_actor = (await api.get("/v1/audit", params={"actor": "MEMBER2@example.com"},
                              headers=org.admin.headers)).json()["items"]
    assert {e["key_id"] for e in by_actor} == {theirs["id"]}
    by_action = (await api.get("/v1/audit", params={"action": "key.enabled"},
                               headers=org.admin.headers)).json()["items"]
    assert len(by_action) == 3
    first = everything[-1]
    assert set(first) == {"id", "at", "actor", "action", "key_id", "key_name", "source",
                          "details"}


async def test_users_create_list_deactivate(api, org) -> None:
    r = await api.post("/v1/users", json={"email": "New@Example.com", "name": " Nia ",
                                          "role": "manager", "teams": ["red", "green"]},
                       headers=org.admin.headers)
    assert r.status_code == 201
    user, token = r.json()["user"], r.json()["token"]
    assert user["email"] == "new@example.com" and user["name"] == "Nia"
    assert sorted(user["teams"]) == ["green", "red"] and token.startswith("akp_live_")
    me = (await api.get("/v1/me", headers=auth(token))).json()
    assert me["user"]["id"] == user["id"]
    dup = await api.post("/v1/users", json={"email": "new@example.com", "name": "x"},
                         headers=org.admin.headers)
    assert dup.status_code == 409 and error(dup)["code"] == "CONFLICT"
    listed = []
    cursor = None
    while True:
        page = (await api.get("/v1/users", params={"limit": 4} | (
            {"cursor": cursor} if cursor else {}), headers=org.admin.headers)).json()
        listed += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(listed) == 10 and user["id"] in {u["id"] for u in listed}
    r = await api.post(f"/v1/users/{org.admin.id}/deactivate", headers=org.admin.headers)
    assert r.status_code == 409
    r = await api.post("/v1/users/usr_nobody/deactivate", headers=org.admin.headers)
    assert r.status_code == 404
    r = await api.post(f"/v1/users/{user['id']}/deactivate", headers=org.admin.headers)
    assert r.json()["active"] is False
    assert (await api.get("/v1/me", headers=auth(token))).status_code == 401
    # The new manager is not a service: verify refused, keys allowed.
    assert "token" not in (await api.get("/v1/users", headers=org.admin.headers)).text


async def test_service_role_creation_and_limits(api, org) -> None:
    r = await api.post("/v1/keys", json={"name": "x"}, headers=org.service.headers)
    assert r.status_code == 403 and error(r)["code"] == "FORBIDDEN"


async def test_who_disabled_a_key_has_a_role_even_beside_their_own_keys(api, org) -> None:
    # The admin owns a key on the same page: their name comes with that row, their
    # role only from a look-up, which a disabled key's details need.
    await create_key(api, org.admin, name="admin's own")
    theirs, _ = await create_key(api, org.member, name="member's")
    await api.post(f"/v1/keys/{theirs['id']}/disable", headers=org.admin.headers)
    page = (await api.get("/v1/admin/keys", headers=org.admin.headers)).json()["items"]
    [disabled] = [k for k in page if k["id"] == theirs["id"]]
    assert disabled["disabled_by"]["email"] == "admin@example.com"
    assert disabled["disabled_by"]["role"] == "admin"
