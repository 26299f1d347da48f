"""Own keys over HTTP: create, list, get, edit, state changes, delete (SQLite and PG)."""

from __future__ import annotations

from datetime import timedelta

from support import create_key, error, fields

from tui_app.domain.clock import parse_rfc3339, to_rfc3339


async def test_healthz_and_me(api, org) -> None:
    assert (await api.get("/healthz")).json()["status"] == "ok"
    me = (await api.get("/v1/me", headers=org.manager.headers)).json()
    assert me["user"]["role"] == "manager" and me["user"]["teams"] == ["red"]
    assert me["policy"] == {"max_lifetime_days": 365, "require_terms": False, "key_env": "live"}
    assert me["server"]["version"]


async def test_create_returns_the_secret_once_and_defaults(api, org, clock) -> None:
    key, secret = await create_key(api, org.owner, name="  deploy  ")
    assert secret.startswith("ak_live_") and key["hint"] == f"ak_live_…{secret[-4:]}"
    assert key["name"] == "deploy" and key["status"] == "active" and key["version"] == 1
    assert key["owner"]["email"] == "owner@example.com"
    assert key["created_by"]["id"] == org.owner.id
    assert parse_rfc3339(key["expires_at"]) == clock.now + timedelta(days=30)
    assert key["created_at"].endswith("Z")
    got = (await api.get(f"/v1/keys/{key['id']}", headers=org.owner.headers)).json()
    assert got == key
    assert "secret" not in (await api.get("/v1/keys", headers=org.owner.headers)).text


async def test_list_filters_sorts_and_pages(api, org, clock) -> None:
    ids = []
    for i in range(7):
        key, _ = await create_key(api, org.owner, name=f"k{i}")
        ids.append(key["id"])
    await api.post(f"/v1/keys/{ids[0]}/revoke", headers=org.owner.headers)
    await api.post(f"/v1/keys/{ids[1]}/disable", headers=org.owner.headers)
    await create_key(api, org.member, name="not mine")
    h = org.owner.headers
    page = (await api.get("/v1/keys", params={"status": "active"}, headers=h)).json()
    assert {k["name"] for k in page["items"]} == {f"k{i}" for i in range(2, 7)}
    page = (await api.get("/v1/keys", params={"status": "revoked,inactive"}, headers=h)).json()
    assert {k["name"] for k in page["items"]} == {"k0", "k1"}
    # A repeated parameter means the same as a comma list (not just its last value).
    page = (await api.get("/v1/keys?status=revoked&status=inactive", headers=h)).json()
    assert {k["name"] for k in page["items"]} == {"k0", "k1"}
    page = (await api.get("/v1/admin/keys?status=revoked&status=inactive",
                          headers=org.admin.headers)).json()
    assert {k["name"] for k in page["items"]} == {"k0", "k1"}
    page = (await api.get("/v1/keys", params={"q": "K3"}, headers=h)).json()
    assert [k["name"] for k in page["items"]] == ["k3"]
    seen = []
    cursor = None
    while True:
        params = {"sort": "name", "order": "asc", "limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = (await api.get("/v1/keys", params=params, headers=h)).json()
        seen += [k["name"] for k in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"k{i}" for i in range(7)]


async def test_patch_edits_and_audits(api, org, clock) -> None:
    key, _ = await create_key(api, org.owner)
    url = f"/v1/keys/{key['id']}"
    new_expiry = to_rfc3339(clock.now + timedelta(days=90))
    r = await api.patch(url, json={"name": "renamed", "description": "why",
                                   "expires_at": new_expiry},
                        headers=org.owner.headers | {"If-Match": "1",
                                                     "X-Agentkeys-Source": "tui"})
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "renamed" and r.json()["version"] == 2
    assert r.json()["expires_at"] == new_expiry
    stale = await api.patch(url, json={"name": "again"},
                            headers=org.owner.headers | {"If-Match": "1"})
    assert stale.status_code == 409 and error(stale)["code"] == "CONFLICT"
    assert stale.json()["error"]["details"] == {"current_version": 2}
    for field in ("scope", "allowed_tools", "blocked_tools", "rate_limit_rpm"):
        r = await api.patch(url, json={field: None}, headers=org.owner.headers)
        assert r.status_code == 422 and error(r)["code"] == "SCOPE_IMMUTABLE"
    audit = (await api.get("/v1/audit", params={"key_id": key["id"]},
                           headers=org.owner.headers)).json()["items"]
    updated = audit[0]
    assert updated["action"] == "key.updated" and updated["source"] == "tui"
    assert updated["details"]["before"]["name"] == "test key"
    assert updated["details"]["after"]["name"] == "renamed"
    assert updated["actor"]["id"] == org.owner.id
    anything = await api.patch(url, json={"description": "any version"},
                               headers=org.owner.headers | {"If-Match": "*"})
    assert anything.status_code == 200 and anything.json()["version"] > 2


async def test_extending_an_expired_key_makes_it_active(api, org, clock) -> None:
    key, _ = await create_key(api, org.owner, expires_at=to_rfc3339(clock.now + timedelta(days=7)))
    clock.advance(days=8)
    url = f"/v1/keys/{key['id']}"
    assert (await api.get(url, headers=org.owner.headers)).json()["status"] == "expired"
    r = await api.patch(url, json={"expires_at": to_rfc3339(clock.now + timedelta(days=30))},
                        headers=org.owner.headers)
    assert r.json()["status"] == "active"


async def test_an_edit_that_only_moves_the_expiry_later_is_audited_as_extended(
        api, org, clock) -> None:
    start = clock.now + timedelta(days=7)
    key, _ = await create_key(api, org.owner, expires_at=to_rfc3339(start))
    url = f"/v1/keys/{key['id']}"
    later = to_rfc3339(clock.now + timedelta(days=60))
    earlier = to_rfc3339(clock.now + timedelta(days=3))
    for body in ({"expires_at": later}, {"expires_at": earlier},
                 {"name": "renamed", "expires_at": to_rfc3339(clock.now + timedelta(days=90))}):
        assert (await api.patch(url, json=body, headers=org.owner.headers)).status_code == 200
    events = (await api.get("/v1/audit", params={"key_id": key["id"]},
                            headers=org.owner.headers)).json()["items"]
    assert [e["action"] for e in events[:3]] == ["key.updated", "key.updated", "key.extended"]
    extended = events[2]["details"]
    assert extended["before"] == {"expires_at": to_rfc3339(start)}
    assert extended["after"] == {"expires_at": later}


async def test_state_changes_and_delete(api, org, clock) -> None:
    key, _ = await create_key(api, org.owner)
    url = f"/v1/keys/{key['id']}"
    h = org.owner.headers
    r = await api.delete(url, headers=h)
    assert r.status_code == 409 and error(r)["code"] == "KEY_ACTIVE"
    r = await api.post(f"{url}/disable", headers=h)
    assert r.json()["status"] == "inactive" and r.json()["status_reason"] == "disabled"
    assert r.json()["disabled_by"]["id"] == org.owner.id
    r = await api.post(f"{url}/enable", headers=h)
    assert r.json()["status"] == "active" and r.json()["disabled_at"] is None
    r = await api.post(f"{url}/revoke", headers=h)
    assert r.json()["status"] == "revoked" and r.json()["revoked_by"]["id"] == org.owner.id
    for action in ("enable", "disable"):
        r = await api.post(f"{url}/{action}", headers=h)
        assert r.status_code == 409
    assert (await api.patch(url, json={"name": "x"}, headers=h)).status_code == 409
    r = await api.delete(url, headers=h)
    assert r.status_code == 200
    assert r.json() == {"id": key["id"], "deleted": True, "used_in_last_24h": False,
                        "last_used_at": None}
    assert (await api.get(url, headers=h)).status_code == 404
    actions = [e["action"] for e in (await api.get(
        "/v1/audit", params={"key_id": key["id"]}, headers=h)).json()["items"]]
    assert actions == ["key.deleted", "key.revoked", "key.enabled", "key.disabled",
                       "key.created"]


async def test_delete_reports_recent_use(api, org, clock) -> None:
    key, secret = await create_key(api, org.owner)
    r = await api.post("/v1/verify", json={"key": secret}, headers=org.service.headers)
    assert r.json()["valid"] is True
    await api.post(f"/v1/keys/{key['id']}/disable", headers=org.owner.headers)
    r = await api.delete(f"/v1/keys/{key['id']}", headers=org.owner.headers)
    assert r.json()["used_in_last_24h"] is True
    assert r.json()["last_used_at"] == to_rfc3339(clock.now)


async def test_policy_lifetime_and_terms(server_settings, api, org, clock) -> None:
    r = await api.post("/v1/keys", json={"name": "n", "expires_at": None},
                       headers=org.owner.headers)
    assert "expires_at" in fields(r)
    server_settings.max_lifetime_days = 0
    server_settings.require_terms = True
    r = await api.post("/v1/keys", json={"name": "n", "expires_at": None},
                       headers=org.owner.headers)
    assert "accept_terms" in fields(r)
    r = await api.post("/v1/keys", json={"name": "n", "expires_at": None, "accept_terms": True},
                       headers=org.owner.headers)
    assert r.status_code == 201 and r.json()["key"]["expires_at"] is None


async def test_test_env_keys(server_settings, api, org) -> None:
    server_settings.key_env = "test"
    key, secret = await create_key(api, org.owner)
    assert secret.startswith("ak_test_") and key["hint"].startswith("ak_test_")


async def test_search_follows_renames_and_deletes(api, org) -> None:
    key, _ = await create_key(api, org.owner, name="alpha-search-one")
    await create_key(api, org.owner, name="beta_search%two")
    h = org.owner.headers

    async def names(q: str) -> set[str]:
        r = await api.get("/v1/admin/keys", params={"q": q}, headers=org.admin.headers)
        return {k["name"] for k in r.json()["items"]}

    assert await names("search") == {"alpha-search-one", "beta_search%two"}
    # _ is a character here, not a wildcard: "alpha-search" does not match
    assert await names("a_s") == {"beta_search%two"}
    assert await names("h%t") == {"beta_search%two"}
    await api.patch(f"/v1/keys/{key['id']}", json={"name": "gamma-renamed"}, headers=h)
    assert await names("alpha") == set()
    assert await names("renamed") == {"gamma-renamed"}
    assert await names(key["id"]) == {"gamma-renamed"}
    assert await names("OWNER@example") == {"gamma-renamed", "beta_search%two"}
    await api.post(f"/v1/keys/{key['id']}/revoke", headers=h)
    await api.delete(f"/v1/keys/{key['id']}", headers=h)
    assert await names("renamed") == set()


async def test_an_odd_source_header_is_recorded_as_api_not_refused(api, org) -> None:
    key, _ = await create_key(api, org.owner)
    r = await api.post(f"/v1/keys/{key['id']}/revoke",
                       headers=org.owner.headers | {"X-Agentkeys-Source": "tui-" + "x" * 100})
    assert r.status_code == 200 and r.json()["status"] == "revoked"
    events = (await api.get("/v1/audit", params={"key_id": key["id"]},
                            headers=org.owner.headers)).json()["items"]
    assert events[0]["action"] == "key.revoked" and events[0]["source"] == "api"
