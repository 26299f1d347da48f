"""Idempotent create: a lost response retried with the same key yields one key."""

from __future__ import annotations

from support import error


async def _create(api, who, body, idem):
    return await api.post("/v1/keys", json=body,
                          headers=who.headers | {"Idempotency-Key": idem})


async def verify(api, org, secret):
    r = await api.post("/v1/verify", json={"key": secret}, headers=org.service.headers)
    return r.json()


async def test_retry_gives_same_key_and_a_working_secret(api, org) -> None:
    body = {"name": "ci", "scope": "read"}
    first = await _create(api, org.owner, body, "req-1")
    assert first.status_code == 201
    lost_secret = first.json()["secret"]  # pretend this response never arrived
    second = await _create(api, org.owner, body, "req-1")
    assert second.status_code == 201
    assert second.json()["key"]["id"] == first.json()["key"]["id"]
    new_secret = second.json()["secret"]
    assert new_secret != lost_secret
    listed = (await api.get("/v1/keys", headers=org.owner.headers)).json()["items"]
    assert len(listed) == 1
    assert (await verify(api, org, lost_secret))["code"] == "TOKEN_INVALID"
    assert (await verify(api, org, new_secret))["valid"] is True
    # Once used, the secret cannot be issued again.
    third = await _create(api, org.owner, body, "req-1")
    assert third.status_code == 409 and error(third)["code"] == "CONFLICT"


async def test_different_body_is_a_mismatch(api, org) -> None:
    await _create(api, org.owner, {"name": "a"}, "req-2")
    r = await _create(api, org.owner, {"name": "b"}, "req-2")
    assert r.status_code == 422 and error(r)["code"] == "IDEMPOTENCY_MISMATCH"


async def test_keys_are_per_user_and_expire_after_a_day(api, org, clock) -> None:
    a = await _create(api, org.owner, {"name": "a"}, "shared")
    b = await _create(api, org.member, {"name": "a"}, "shared")
    assert a.json()["key"]["id"] != b.json()["key"]["id"]
    clock.advance(hours=25)
    c = await _create(api, org.owner, {"name": "a"}, "shared")
    assert c.status_code == 201 and c.json()["key"]["id"] != a.json()["key"]["id"]


async def test_revoked_or_deleted_key_is_a_conflict(api, org) -> None:
    r = await _create(api, org.owner, {"name": "a"}, "req-3")
    await api.post(f"/v1/keys/{r.json()['key']['id']}/revoke", headers=org.owner.headers)
    r2 = await _create(api, org.owner, {"name": "a"}, "req-3")
    assert r2.status_code == 409


async def test_without_a_key_each_create_is_new(api, org) -> None:
    a = await api.post("/v1/keys", json={"name": "a"}, headers=org.owner.headers)
    b = await api.post("/v1/keys", json={"name": "a"}, headers=org.owner.headers)
    assert a.json()["key"]["id"] != b.json()["key"]["id"]


async def test_reissue_is_audited_without_secrets(api, org) -> None:
    first = await _create(api, org.owner, {"name": "a"}, "req-4")
    second = await _create(api, org.owner, {"name": "a"}, "req-4")
    audit = await api.get("/v1/audit", headers=org.owner.headers)
    actions = [e["action"] for e in audit.json()["items"]]
    assert actions[:2] == ["key.secret_reissued", "key.created"]
    for secret in (first.json()["secret"], second.json()["secret"]):
        assert secret not in audit.text
