"""The admin listing's owner filter: an id or email exactly, else names and email
prefixes ignoring case, everyone it matches (among the people the caller may see), and a
clear 422 with a few candidates when it matches too many people."""

from __future__ import annotations

from typing import Any

from support import create_key, error

from tui_app.server.services.key_listing import OWNER_MATCHES_MAX


async def owners_of(api: Any, who: Any, owner: str) -> set[str]:
    r = await api.get("/v1/admin/keys", params={"owner": owner, "limit": 100},
                      headers=who.headers)
    assert r.status_code == 200, r.text
    return {k["owner"]["email"] for k in r.json()["items"]}


async def test_names_and_email_prefixes_match_ignoring_case(api, org) -> None:
    for person in (org.owner, org.member, org.member2, org.manager):
        await create_key(api, person, name=f"key of {person.email}")
    assert await owners_of(api, org.admin, "owner") == {"owner@example.com"}
    assert await owners_of(api, org.admin, "OWN") == {"owner@example.com"}
    assert await owners_of(api, org.admin, "owner@example.com") == {"owner@example.com"}
    assert await owners_of(api, org.admin, org.owner.id) == {"owner@example.com"}
    # Everyone it matches, as a filter: Member and Member2.
    assert await owners_of(api, org.admin, "member") == {"member@example.com",
                                                         "member2@example.com"}
    # A manager's filter stays within the people they may see (member2 is another team's).
    assert await owners_of(api, org.manager, "member") == {"member@example.com"}
    assert await owners_of(api, org.admin, "nobody") == set()


async def test_too_many_people_is_a_422_with_candidates(api, org) -> None:
    from tui_app.server.store import users as users_store

    app = org.app
    with app.state.engine.begin() as conn:
        for n in range(OWNER_MATCHES_MAX + 1):
            users_store.create_user(conn, email=f"olga{n:02d}@example.com",
                                    name=f"Olga {n:02d}", role="member", teams=[],
                                    now=app.state.settings.clock())
    r = await api.get("/v1/admin/keys", params={"owner": "olga"}, headers=org.admin.headers)
    assert r.status_code == 422
    body = error(r)
    assert body["code"] == "VALIDATION_FAILED"
    [detail] = body["details"]
    assert detail["field"] == "owner"
    assert f"matches more than {OWNER_MATCHES_MAX} people" in detail["message"]
    assert "Olga 00 <olga00@example.com>" in detail["message"]
    assert await owners_of(api, org.admin, "olga07") == set()  # one person: no keys, no 422
