"""People and teams over HTTP: who may do what, what each change does, bad input.

The matrix walks every people and teams endpoint with every kind of caller: a member,
the manager of the target's team (red), the manager of another team (blue), an admin,
a service account and a deactivated person.
"""

from __future__ import annotations

from typing import Any

from backend_people import auth
from support import create_key, error, fields

CALLERS = ["member", "manager", "manager2", "admin", "service", "deactivated"]
ADMIN_ONLY = {"member": 403, "manager": 403, "manager2": 403, "admin": 200, "service": 403,
              "deactivated": 401}
READERS = ADMIN_ONLY | {"manager": 200, "manager2": 200}


async def test_permission_matrix(api, org) -> None:
    wrong: list[str] = []

    async def check(name: str, caller: str, expected: int, method: str, url: str,
                    **kwargs: Any) -> Any:
        r = await api.request(method, url, headers=getattr(org, caller).headers, **kwargs)
        if r.status_code != expected:
            wrong.append(f"{name} as {caller}: {r.status_code} (want {expected}) {r.text[:100]}")
        return r

    async def new_person(tag: str) -> str:
        r = await api.post("/v1/users", headers=org.admin.headers,
                           json={"email": f"{tag}@example.com", "name": tag, "teams": ["red"]})
        assert r.status_code == 201, r.text
        return str(r.json()["user"]["id"])

    teams = (await api.get("/v1/teams", headers=org.admin.headers)).json()["items"]
    red = next(t for t in teams if t["name"] == "red")
    for caller in CALLERS:
        created = 201 if ADMIN_ONLY[caller] == 200 else ADMIN_ONLY[caller]
        await check("users list", caller, READERS[caller], "GET", "/v1/users")
        await check("teams list", caller, READERS[caller], "GET", "/v1/teams")
        await check("users add", caller, created, "POST", "/v1/users",
                    json={"email": f"add-{caller}@example.com", "name": "New"})
        target = await new_person(f"target-{caller}")
        await check("edit", caller, ADMIN_ONLY[caller], "PATCH", f"/v1/users/{target}",
                    json={"name": "Renamed"})
        await check("token", caller, created, "POST", f"/v1/users/{target}/login-tokens")
        await check("deactivate", caller, ADMIN_ONLY[caller], "POST",
                    f"/v1/users/{target}/deactivate")
        await api.post(f"/v1/users/{target}/deactivate", headers=org.admin.headers)
        await check("reactivate", caller, ADMIN_ONLY[caller], "POST",
                    f"/v1/users/{target}/reactivate")
        await check("teams add", caller, created, "POST", "/v1/teams",
                    json={"name": f"team-{caller}"})
        await check("teams rename", caller, ADMIN_ONLY[caller], "PATCH",
                    f"/v1/teams/{red['id']}", json={"name": "red"})
        # Nobody edits themselves into an admin.
        await check("self edit", caller, ADMIN_ONLY[caller] if caller != "admin" else 200,
                    "PATCH", f"/v1/users/{getattr(org, caller).id}", json={"role": "admin"})
    assert not wrong, "\n".join(wrong)


async def test_managers_read_only_their_teams_people(api, org) -> None:
    def emails(r: Any) -> set[str]:
        assert r.status_code == 200, r.text
        return {u["email"] for u in r.json()["items"]}

    red = emails(await api.get("/v1/users", headers=org.manager.headers))
    assert red == {f"{n}@example.com" for n in
                   ("manager", "owner", "member", "deactivated", "revoked_login")}
    blue = emails(await api.get("/v1/users", headers=org.manager2.headers))
    assert blue == {"manager2@example.com", "member2@example.com"}
    # Another team's filter gives nobody, not the other team.
    assert emails(await api.get("/v1/users", params={"team": "red"},
                                headers=org.manager2.headers)) == set()
    teams = (await api.get("/v1/teams", headers=org.manager.headers)).json()["items"]
    assert [t["name"] for t in teams] == ["red"] and teams[0]["members"] == 5


async def test_filters_and_keyset_pages(api, org) -> None:
    admin = org.admin.headers

    async def walk(**params: Any) -> list[dict[str, Any]]:
        out, cursor = [], None
        while True:
            r = await api.get("/v1/users", headers=admin,
                              params={"limit": 2, **params} | ({"cursor": cursor} if cursor
                                                               else {}))
            assert r.status_code == 200, r.text
            out += r.json()["items"]
            cursor = r.json()["next_cursor"]
            if not cursor:
                return out

    everyone = await walk()
    assert [u["email"] for u in everyone] == sorted(u["email"] for u in everyone)
    assert len(everyone) == 9
    assert {u["email"] for u in await walk(role="manager")} == {
        "manager@example.com", "manager2@example.com"}
    assert {u["email"] for u in await walk(team="blue")} == {
        "manager2@example.com", "member2@example.com"}
    assert {u["email"] for u in await walk(active="false")} == {"deactivated@example.com"}
    assert {u["email"] for u in await walk(q="MEMBER2")} == {"member2@example.com"}
    assert await walk(q="100%_") == []
    bad = await api.get("/v1/users", params={"cursor": "garbage!"}, headers=admin)
    assert "cursor" in fields(bad)
    bad = await api.get("/v1/users", params={"role": "boss"}, headers=admin)
    assert "role" in fields(bad)


async def test_key_counts_and_last_use(api, org, clock) -> None:
    await create_key(api, org.member)
    key, _ = await create_key(api, org.member)
    await api.post(f"/v1/keys/{key['id']}/disable", headers=org.member.headers)
    listed = (await api.get("/v1/users", params={"q": "member@"},
                            headers=org.admin.headers)).json()["items"]
    assert [(u["keys"], u["active_keys"]) for u in listed] == [(2, 1)]
    assert listed[0]["last_used_at"] is None


async def test_add_edit_and_audit(api, org) -> None:
    r = await api.post("/v1/users", headers=org.admin.headers,
                       json={"email": "Ann@Example.com", "name": "Ann", "teams": ["green"]})
    assert r.status_code == 201
    user, token = r.json()["user"], r.json()["token"]
    assert token.startswith("akp_") and user["teams"] == ["green"]
    r = await api.patch(f"/v1/users/{user['id']}", headers=org.admin.headers,
                        json={"name": "Ann Lee", "role": "manager", "teams": ["red", "blue"]})
    assert r.status_code == 200, r.text
    assert (r.json()["name"], r.json()["role"], r.json()["teams"]) == (
        "Ann Lee", "manager", ["blue", "red"])
    # Renamed: the admin listing finds her keys by her new name.
    key, _ = await create_key(api, auth_person(user["id"], token))
    await api.patch(f"/v1/users/{user['id']}", headers=org.admin.headers, json={"name": "Zoe"})
    found = (await api.get("/v1/admin/keys", params={"q": "zoe"},
                           headers=org.admin.headers)).json()["items"]
    assert [k["id"] for k in found] == [key["id"]] and found[0]["owner"]["name"] == "Zoe"
    audit = (await api.get("/v1/audit", params={"action": "user.updated"},
                           headers=org.admin.headers)).json()["items"]
    first = audit[-1]["details"]
    assert first["before"] == {"name": "Ann", "role": "member", "teams": ["green"]}
    assert first["after"] == {"name": "Ann Lee", "role": "manager", "teams": ["blue", "red"]}
    assert audit[-1]["actor"]["id"] == org.admin.id
    # Teams: add, rename (by id or name), duplicates refused.
    r = await api.post("/v1/teams", headers=org.admin.headers, json={"name": "purple"})
    assert r.status_code == 201 and r.json()["members"] == 0
    r = await api.patch("/v1/teams/purple", headers=org.admin.headers, json={"name": "violet"})
    assert r.status_code == 200 and r.json()["name"] == "violet"
    r = await api.post("/v1/teams", headers=org.admin.headers, json={"name": "violet"})
    assert r.status_code == 409 and error(r)["code"] == "CONFLICT"
    r = await api.patch("/v1/teams/violet", headers=org.admin.headers, json={"name": "red"})
    assert r.status_code == 409
    r = await api.patch("/v1/teams/team_nope", headers=org.admin.headers, json={"name": "x"})
    assert r.status_code == 404
    actions = {e["action"] for e in (await api.get(
        "/v1/audit", headers=org.admin.headers)).json()["items"]}
    assert {"user.created", "user.updated", "team.created", "team.renamed"} <= actions
    assert token not in (await api.get("/v1/audit", headers=org.admin.headers)).text


def auth_person(user_id: str, token: str) -> Any:
    from backend_people import Person
    return Person(user_id, "", token)


async def test_bad_input_is_validation_failed_per_field(api, org) -> None:
    admin = org.admin.headers
    bad = await api.post("/v1/users", headers=admin,
                         json={"email": "not-an-email", "name": "", "teams": ["ok", "\x1b[31m"]})
    assert set(fields(bad)) == {"email", "name", "teams"}
    bad = await api.post("/v1/users", headers=admin,
                         json={"email": "a@b.c", "name": "A", "role": "boss"})
    assert "role" in fields(bad)
    bad = await api.post("/v1/users", headers=admin, json={"email": 5, "name": "A"})
    assert "email" in fields(bad)
    target = org.member.id
    bad = await api.patch(f"/v1/users/{target}", headers=admin,
                          json={"role": "root", "name": "x" * 300, "teams": [""]})
    assert set(fields(bad)) == {"role", "name", "teams"}
    bad = await api.patch(f"/v1/users/{target}", headers=admin, json={"name": None})
    assert "name" in fields(bad)
    bad = await api.patch(f"/v1/users/{target}", headers=admin, json={"email": "x@y.z"})
    assert error(bad)["code"] == "VALIDATION_FAILED"
    for name in ("", "   ", "x" * 101, "a\u202eb", 7):
        bad = await api.post("/v1/teams", headers=admin, json={"name": name})
        assert "name" in fields(bad), name
    bad = await api.post("/v1/users/usr_nobody/login-tokens", headers=admin,
                         json={"revoke_others": "yes"})
    assert error(bad)["code"] == "VALIDATION_FAILED"
    assert (await api.post("/v1/users/usr_nobody/reactivate",
                           headers=admin)).status_code == 404


async def test_last_active_admin_stays(api, org) -> None:
    admin = org.admin.headers
    r = await api.patch(f"/v1/users/{org.admin.id}", headers=admin, json={"role": "member"})
    assert r.status_code == 409 and "last active admin" in error(r)["message"]
    r = await api.post("/v1/users", headers=admin,
                       json={"email": "second@example.com", "name": "Second", "role": "admin"})
    second_id, second = r.json()["user"]["id"], auth(r.json()["token"])
    # With a second admin, the first may step down; then the second is the last one.
    r = await api.patch(f"/v1/users/{org.admin.id}", headers=admin, json={"role": "manager"})
    assert r.status_code == 200
    r = await api.patch(f"/v1/users/{second_id}", headers=second, json={"role": "member"})
    assert r.status_code == 409
    r = await api.post(f"/v1/users/{second_id}/deactivate", headers=second)
    assert r.status_code == 409


async def test_deactivate_and_reactivate_count_and_restore_keys(api, org, clock) -> None:
    from datetime import timedelta

    from tui_app.domain.clock import to_rfc3339

    owner, admin = org.owner, org.admin.headers
    working, _ = await create_key(api, owner)
    revoked, _ = await create_key(api, owner)
    await api.post(f"/v1/keys/{revoked['id']}/revoke", headers=owner.headers)
    disabled, _ = await create_key(api, owner)
    await api.post(f"/v1/keys/{disabled['id']}/disable", headers=owner.headers)
    soon = to_rfc3339(clock() + timedelta(days=1))
    expiring, _ = await create_key(api, owner, expires_at=soon)
    r = await api.post(f"/v1/users/{owner.id}/deactivate", headers=admin)
    assert r.status_code == 200 and r.json()["keys_affected"] == 2
    assert r.json()["active"] is False
    assert (await api.get("/v1/me", headers=owner.headers)).status_code == 401
    again = await api.post(f"/v1/users/{owner.id}/deactivate", headers=admin)
    assert again.json()["keys_affected"] == 0
    clock.advance(days=2)  # the expiring key expires while its owner is away
    r = await api.post(f"/v1/users/{owner.id}/reactivate", headers=admin)
    assert r.status_code == 200 and r.json()["keys_affected"] == 1 and r.json()["active"]
    statuses = {k["id"]: k["status"] for k in (await api.get(
        "/v1/keys", params={"status": "all"}, headers=owner.headers)).json()["items"]}
    assert statuses == {working["id"]: "active", revoked["id"]: "revoked",
                        disabled["id"]: "inactive", expiring["id"]: "expired"}
    audit = (await api.get("/v1/audit", params={"action": "user.reactivated"},
                           headers=admin)).json()["items"]
    assert audit[0]["details"]["keys_affected"] == 1


async def test_new_login_token(api, org) -> None:
    admin, member = org.admin.headers, org.member
    r = await api.post(f"/v1/users/{member.id}/login-tokens", headers=admin)
    assert r.status_code == 201
    first = r.json()["token"]
    assert (await api.get("/v1/me", headers=auth(first))).status_code == 200
    assert (await api.get("/v1/me", headers=member.headers)).status_code == 200
    r = await api.post(f"/v1/users/{member.id}/login-tokens", headers=admin,
                       json={"revoke_others": True})
    fresh = r.json()["token"]
    assert (await api.get("/v1/me", headers=member.headers)).status_code == 401
    assert (await api.get("/v1/me", headers=auth(first))).status_code == 401
    assert (await api.get("/v1/me", headers=auth(fresh))).status_code == 200
    r = await api.post(f"/v1/users/{org.deactivated.id}/login-tokens", headers=admin)
    assert r.status_code == 409
    audit = (await api.get("/v1/audit", params={"action": "user.login_token_issued"},
                           headers=admin)).text
    assert fresh not in audit and first not in audit


async def test_a_triage_disable_sticks(api, org) -> None:
    """A key a manager or an admin disabled stays disabled for its owner, and says who
    disabled it; the owner's own disable the owner undoes."""
    for who in (org.admin, org.manager):
        key, _ = await create_key(api, org.member)
        r = await api.post(f"/v1/keys/{key['id']}/disable", headers=who.headers)
        assert r.json()["disabled_by"]["id"] == who.id
        r = await api.post(f"/v1/keys/{key['id']}/enable", headers=org.member.headers)
        assert r.status_code == 403 and error(r)["code"] == "FORBIDDEN"
        got = (await api.get(f"/v1/keys/{key['id']}", headers=org.member.headers)).json()
        assert got["status"] == "inactive" and got["disabled_by"]["id"] == who.id
        r = await api.post(f"/v1/keys/{key['id']}/enable", headers=who.headers)
        assert r.status_code == 200 and r.json()["status"] == "active"
    key, _ = await create_key(api, org.member)
    await api.post(f"/v1/keys/{key['id']}/disable", headers=org.member.headers)
    r = await api.post(f"/v1/keys/{key['id']}/enable", headers=org.member.headers)
    assert r.status_code == 200
