"""Permission matrix: every endpoint x every kind of caller → the expected status.

Keys people may not see are 404, never 403. One test per backend walks the whole matrix
on fresh keys (so cells do not interfere) and reports every wrong cell at once.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from backend_people import auth
from support import create_key

from tui_app.domain import keyformat
from tui_app.domain.keyformat import TokenKind
from tui_app.server.store import users as users_store

CALLERS = ["owner", "member", "manager", "manager2", "admin", "service", "none", "malformed",
           "revoked_login", "deactivated"]
UNAUTH = {"none": 401, "malformed": 401, "revoked_login": 401, "deactivated": 401}
KEY_ACCESS = {"owner": 200, "member": 404, "manager": 200, "manager2": 404, "admin": 200,
              "service": 403, **UNAUTH}
ANY_USER = {c: 200 for c in CALLERS} | UNAUTH
KEY_USER = ANY_USER | {"service": 403}
MANAGERS = {"owner": 403, "member": 403, "manager": 200, "manager2": 200, "admin": 200,
            "service": 403, **UNAUTH}
ADMINS = {c: 403 for c in CALLERS} | {"admin": 200} | UNAUTH
VERIFIERS = {c: 403 for c in CALLERS} | {"admin": 200, "service": 200} | UNAUTH


def headers_for(org: Any, caller: str) -> dict[str, str]:
    if caller == "none":
        return {}
    if caller == "malformed":
        token = keyformat.generate(TokenKind.PERSONAL)
        return auth(token[:-1] + ("A" if token[-1] != "A" else "B"))
    return getattr(org, caller).headers


async def test_permission_matrix(api, org) -> None:
    wrong: list[str] = []

    async def check(name: str, caller: str, expected: int, method: str, url: str,
                    **kwargs: Any) -> Any:
        r = await api.request(method, url, headers=headers_for(org, caller), **kwargs)
        if r.status_code != expected:
            wrong.append(f"{name} as {caller}: {r.status_code} (want {expected}) {r.text[:120]}")
        return r

    async def fresh_key() -> str:
        key, _ = await create_key(api, org.owner)
        return str(key["id"])

    for caller in CALLERS:
        await check("me", caller, ANY_USER[caller], "GET", "/v1/me")
        await check("list own", caller, KEY_USER[caller], "GET", "/v1/keys")
        want = 201 if KEY_USER[caller] == 200 else KEY_USER[caller]
        await check("create", caller, want, "POST", "/v1/keys", json={"name": "x"})
        await check("audit", caller, KEY_USER[caller], "GET", "/v1/audit")
        await check("admin list", caller, MANAGERS[caller], "GET", "/v1/admin/keys")
        await check("users list", caller, MANAGERS[caller], "GET", "/v1/users")
        want = 201 if ADMINS[caller] == 200 else ADMINS[caller]
        await check("users create", caller, want, "POST", "/v1/users",
                    json={"email": f"new-{caller}@example.com", "name": "New"})
        target = (await api.post("/v1/users", headers=org.admin.headers,
                                 json={"email": f"t-{caller}@example.com", "name": "T"}))
        await check("deactivate", caller, ADMINS[caller], "POST",
                    f"/v1/users/{target.json()['user']['id']}/deactivate")
        _, secret = await create_key(api, org.owner)
        await check("verify", caller, VERIFIERS[caller], "POST", "/v1/verify",
                    json={"key": secret})
        # whoami takes agent keys only: a login token is malformed there.
        await check("whoami", caller, 401, "GET", "/v1/agent/whoami")

        expected = KEY_ACCESS[caller]
        await check("get", caller, expected, "GET", f"/v1/keys/{await fresh_key()}")
        await check("patch", caller, expected, "PATCH", f"/v1/keys/{await fresh_key()}",
                    json={"name": "renamed"})
        for action in ("revoke", "disable", "enable"):
            await check(action, caller, expected, "POST",
                        f"/v1/keys/{await fresh_key()}/{action}")
        key_id = await fresh_key()
        await api.post(f"/v1/keys/{key_id}/disable", headers=org.owner.headers)
        await check("delete", caller, expected, "DELETE", f"/v1/keys/{key_id}")

        key_id = await fresh_key()
        r = await check("bulk", caller, MANAGERS[caller], "POST", "/v1/admin/keys/bulk",
                        json={"action": "disable", "ids": [key_id]})
        if r.status_code == 200:
            result = r.json()["results"][0]
            want_ok = KEY_ACCESS[caller] == 200
            if result["ok"] is not want_ok or (not want_ok and result["code"] != "NOT_FOUND"):
                wrong.append(f"bulk result as {caller}: {result}")
    assert not wrong, "\n".join(wrong)


async def test_unauthenticated_codes(api, org, server_app, clock) -> None:
    settings = server_app.state.settings
    with server_app.state.engine.begin() as conn:
        expired = users_store.issue_login_token(
            conn, settings.pepper_bytes, org.member.id, clock.now,
            expires_at=clock.now - timedelta(seconds=1))
    cases = {
        "none": ({}, "TOKEN_MISSING"),
        "malformed": (headers_for(org, "malformed"), "TOKEN_MALFORMED"),
        "basic scheme": ({"Authorization": "Basic abc"}, "TOKEN_MALFORMED"),
        "agent key as login": (auth(keyformat.generate(TokenKind.AGENT)), "TOKEN_MALFORMED"),
        "unknown": (auth(keyformat.generate(TokenKind.PERSONAL)), "TOKEN_INVALID"),
        "expired": (auth(expired), "TOKEN_EXPIRED"),
        "revoked": (org.revoked_login.headers, "TOKEN_REVOKED"),
        "deactivated": (org.deactivated.headers, "TOKEN_INACTIVE"),
    }
    for name, (headers, code) in cases.items():
        r = await api.get("/v1/keys", headers=headers)
        assert r.status_code == 401, name
        assert r.json()["error"]["code"] == code, name
        assert r.headers.get("WWW-Authenticate") == "Bearer"


async def test_manager_acts_on_team_keys_only(api, org) -> None:
    mine, _ = await create_key(api, org.owner, name="red key")
    blue, _ = await create_key(api, org.member2, name="blue key")
    listed = (await api.get("/v1/admin/keys", headers=org.manager.headers)).json()["items"]
    names = {k["name"] for k in listed}
    assert "red key" in names and "blue key" not in names
    r = await api.post(f"/v1/keys/{mine['id']}/revoke", headers=org.manager.headers)
    assert r.json()["revoked_by"]["email"] == "manager@example.com"
    assert (await api.post(f"/v1/keys/{blue['id']}/revoke",
                           headers=org.manager.headers)).status_code == 404
    # The owner sees the manager's action in their audit log.
    events = (await api.get("/v1/audit", headers=org.owner.headers)).json()["items"]
    assert events[0]["action"] == "key.revoked"
    assert events[0]["actor"]["email"] == "manager@example.com"
    # The other team's member does not.
    other = (await api.get("/v1/audit", headers=org.member2.headers)).json()["items"]
    assert all(e["key_id"] != mine["id"] for e in other)


async def test_manager_may_edit_and_delete_team_keys_as_the_endpoint_table_says(api, org) -> None:
    """PATCH and DELETE are for the owner, the owner's manager and admins, like the
    other actions on a key (revoke, disable, enable, extend): a manager may also rename
    and delete (non-active) team keys, the audit names the manager, and managers of
    other teams get 404."""
    key, _ = await create_key(api, org.owner, name="red key")
    url = f"/v1/keys/{key['id']}"
    r = await api.patch(url, json={"name": "renamed by manager"}, headers=org.manager.headers)
    assert r.status_code == 200 and r.json()["name"] == "renamed by manager"
    assert (await api.patch(url, json={"name": "x"},
                            headers=org.manager2.headers)).status_code == 404
    r = await api.delete(url, headers=org.manager.headers)
    assert r.status_code == 409 and r.json()["error"]["code"] == "KEY_ACTIVE"
    await api.post(f"{url}/disable", headers=org.manager.headers)
    assert (await api.delete(url, headers=org.manager2.headers)).status_code == 404
    assert (await api.delete(url, headers=org.member.headers)).status_code == 404
    assert (await api.delete(url, headers=org.manager.headers)).status_code == 200
    events = (await api.get("/v1/audit", params={"key_id": key["id"]},
                            headers=org.owner.headers)).json()["items"]
    assert [(e["action"], e["actor"]["email"]) for e in events[:3]] == [
        ("key.deleted", "manager@example.com"), ("key.disabled", "manager@example.com"),
        ("key.updated", "manager@example.com")]


async def test_manager_cannot_act_on_admins_or_co_managers_in_the_same_team(
    api, org, server_app
) -> None:
    """A manager's reach is the *members* of their teams: an admin or another manager
    who sits in the same team keeps their keys out of the manager's hands (404)."""
    colleague_key, _ = await create_key(api, org.manager, name="manager's own key")
    url = f"/v1/keys/{colleague_key['id']}"
    # manager2 joins team red: still may not see the red manager's key.
    with server_app.state.engine.begin() as conn:
        from tui_app.server.store import db

        red = conn.execute(db.teams.select().where(db.teams.c.name == "red")).first()
        conn.execute(db.team_members.insert().values(team_id=red.id, user_id=org.manager2.id))
        conn.execute(db.team_members.insert().values(team_id=red.id, user_id=org.admin.id))
    assert (await api.get(url, headers=org.manager2.headers)).status_code == 404
    assert (await api.post(f"{url}/revoke", headers=org.manager2.headers)).status_code == 404
    admin_key, _ = await create_key(api, org.admin, name="admin's key")
    assert (await api.get(f"/v1/keys/{admin_key['id']}",
                          headers=org.manager.headers)).status_code == 404
    listed = (await api.get("/v1/admin/keys", headers=org.manager.headers)).json()["items"]
    assert "admin's key" not in {k["name"] for k in listed}
    # …while a plain member of the team stays in reach.
    member_key, _ = await create_key(api, org.member, name="member key")
    assert (await api.get(f"/v1/keys/{member_key['id']}",
                          headers=org.manager.headers)).status_code == 200
