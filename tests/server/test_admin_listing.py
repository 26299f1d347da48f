"""Admin listing: every filter, sort and order, paged by cursor, equals a brute-force
computation over a few hundred keys; totals too; managers see their teams only. Team
listings both ways: through key_teams and by the owners' own keys, cursors shared."""

from __future__ import annotations

import random
import secrets
from datetime import timedelta
from typing import Any

import pytest

from tui_app.domain.ids import new_id
from tui_app.domain.status import derive_status
from tui_app.server.store import db, listing
from tui_app.server.store import users as users_store

SORT_RANK = {"active": 0, "inactive": 1, "expired": 2, "revoked": 3}


def seed_keys(app: Any, org: Any, clock: Any, count: int = 240) -> list[dict[str, Any]]:
    rng = random.Random(11)
    now = clock.now
    people = [org.owner, org.member, org.manager, org.member2, org.manager2, org.admin,
              org.deactivated]
    names = ["Alpha", "beta", "Gamma", "delta", "ci-bot", "CI-bot", "ünïcode", "zeta", "Zeta"]
    rows = []
    for i in range(count):
        who = people[i % len(people)]
        name = f"{rng.choice(names)} {rng.randint(0, 30)}"
        created = now - timedelta(days=rng.randint(0, 400), minutes=rng.randint(0, 999))
        expires = rng.choice([None, now - timedelta(days=rng.randint(1, 50)),
                              now + timedelta(days=rng.randint(1, 120)), now])
        last_used = rng.choice([None, None, now - timedelta(days=rng.randint(0, 200)),
                                created])
        rows.append(key_row(org, who, name, created, last_used, expires=expires,
                            revoked_at=now - timedelta(days=1) if i % 9 == 0 else None,
                            disabled_at=now - timedelta(days=1) if i % 7 == 0 else None))
    with app.state.engine.begin() as conn:
        conn.execute(db.keys.insert(), rows)
    for row in rows:
        row["status"] = derive_status(
            now=now, revoked_at=row["revoked_at"], expires_at=row["expires_at"],
            disabled_at=row["disabled_at"], owner_active=row["owner_active"])[0].value
    return rows


def key_row(org: Any, who: Any, name: str, created: Any, last_used: Any, *,
            expires: Any = None, revoked_at: Any = None, disabled_at: Any = None
            ) -> dict[str, Any]:
    owner_name = who.email.split("@")[0].title()
    return {
        "id": new_id("key"), "name": name, "name_lower": name.lower(),
        "description": "", "owner_id": who.id,
        "owner_active": who is not org.deactivated, "owner_email": who.email,
        "owner_name": owner_name,
        "search_text": users_store.search_text(name, owner_name, who.email),
        "created_by_id": who.id, "created_at": created, "expires_at": expires,
        "scope": "read", "allowed_tools": [], "blocked_tools": [], "rate_limit_rpm": None,
        "digest": secrets.token_hex(32), "hint": "ak_live_…abcd",
        "env": "live", "last_used_at": last_used, "last_used_tool": None,
        "revoked_at": revoked_at, "revoked_by_id": None,
        "disabled_at": disabled_at, "disabled_by_id": None, "version": 1,
    }


def ms(value: Any, default: int) -> int:
    return default if value is None else db.to_millis(value)


def sort_value(row: dict[str, Any], sort: str) -> Any:
    return {
        "name": lambda: row["name_lower"],
        "owner": lambda: row["owner_email"],
        "status": lambda: SORT_RANK[row["status"]],
        "created_at": lambda: ms(row["created_at"], 0),
        "expires_at": lambda: ms(row["expires_at"], db.NEVER_EXPIRES_SORT),
        "last_used_at": lambda: ms(row["last_used_at"], db.NEVER_USED_SORT),
    }[sort]()


def brute(rows: list[dict[str, Any]], now: Any, *, statuses=(), owner_ids=None, q=None,
          stale_days=None, never_used=None, expiring_within_days=None) -> list[dict]:
    out = []
    for r in rows:
        if statuses and r["status"] not in statuses:
            continue
        if owner_ids is not None and r["owner_id"] not in owner_ids:
            continue
        if q and q.lower() not in r["search_text"] and q != r["id"]:
            continue
        if stale_days is not None and (
                r["created_at"] > now - timedelta(days=stale_days)
                or (r["last_used_at"] is not None
                    and r["last_used_at"] > now - timedelta(days=stale_days))):
            continue
        if never_used is True and r["last_used_at"] is not None:
            continue
        if expiring_within_days is not None and not (
                r["expires_at"] is not None and now < r["expires_at"]
                <= now + timedelta(days=expiring_within_days)):
            continue
        out.append(r)
    return out


async def fetch_all(api: Any, headers: dict, params: dict, limit: int) -> list[str]:
    ids: list[str] = []
    cursor = None
    for _ in range(200):
        query = params | {"limit": limit} | ({"cursor": cursor} if cursor else {})
        r = await api.get("/v1/admin/keys", params=query, headers=headers)
        assert r.status_code == 200, r.text
        page = r.json()
        ids += [k["id"] for k in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            return ids
    raise AssertionError("pagination did not end")


@pytest.fixture
def seeded(server_app, org, clock):
    return seed_keys(server_app, org, clock)


@pytest.fixture(params=["key_teams", "owner_ids"])
def team_route(request, monkeypatch) -> tuple[str, list[Any]]:
    """Team listings through key_teams (what the route picks here) or by the owners' own
    keys (what it picks for a few people of a big team); gives the paths taken."""
    taken: list[Any] = []
    real = listing.team_path

    def choose(*args: Any, **kw: Any) -> Any:
        taken.append(real(*args, **kw) if request.param == "key_teams" else None)
        return taken[-1]

    monkeypatch.setattr(listing, "team_path", choose)
    return request.param, taken


async def test_every_sort_and_order_pages_correctly(api, org, clock, seeded) -> None:
    for sort in ("name", "owner", "status", "created_at", "expires_at", "last_used_at"):
        for order in ("asc", "desc"):
            got = await fetch_all(api, org.admin.headers, {"sort": sort, "order": order}, 47)
            expected = sorted(seeded, key=lambda r, s=sort: (sort_value(r, s), r["id"]),
                              reverse=order == "desc")
            assert got == [r["id"] for r in expected], (sort, order)


async def test_filters_match_brute_force(api, org, clock, seeded, team_route) -> None:
    now = clock.now
    cases: list[tuple[dict, dict]] = [
        ({"status": "active"}, {"statuses": ("active",)}),
        ({"status": "inactive,expired"}, {"statuses": ("inactive", "expired")}),
        ({"status": "revoked"}, {"statuses": ("revoked",)}),
        ({"status": "all"}, {}),
        ({"owner": org.owner.id}, {"owner_ids": {org.owner.id}}),
        ({"owner": "MEMBER2@example.com"}, {"owner_ids": {org.member2.id}}),
        ({"owner": "nobody@example.com"}, {"owner_ids": set()}),
        ({"team": "red"}, {"owner_ids": {org.owner.id, org.member.id, org.manager.id,
                                         org.deactivated.id, org.revoked_login.id}}),
        ({"q": "ci-bot"}, {"q": "ci-bot"}),
        ({"q": "GAMMA 1"}, {"q": "gamma 1"}),
        ({"q": "100%_"}, {"q": "100%_"}),
        ({"q": "member2@"}, {"q": "member2@"}),
        ({"stale_days": 30}, {"stale_days": 30}),
        ({"never_used": "true"}, {"never_used": True}),
        ({"expiring_within_days": 30}, {"expiring_within_days": 30}),
        ({"team": "red", "owner": org.member.id}, {"owner_ids": {org.member.id}}),
        ({"team": "red", "q": "ci-bot", "never_used": "true"},
         {"owner_ids": {org.owner.id, org.member.id, org.manager.id, org.deactivated.id},
          "q": "ci-bot", "never_used": True}),
        ({"status": "active", "stale_days": 90, "team": "red"},
         {"statuses": ("active",), "stale_days": 90,
          "owner_ids": {org.owner.id, org.member.id, org.manager.id, org.deactivated.id}}),
    ]
    for params, spec in cases:
        expected = brute(seeded, now, **spec)
        for sort in ("name", "last_used_at", "status", "created_at"):
            got = await fetch_all(api, org.admin.headers, params | {"sort": sort}, 61)
            want = sorted(expected, key=lambda r, s=sort: (sort_value(r, s), r["id"]),
                          reverse=True)
            assert got == [r["id"] for r in want], (params, sort)
        r = await api.get("/v1/admin/keys", params=params | {"include_totals": "true",
                                                             "limit": 5},
                          headers=org.admin.headers)
        totals = r.json()["totals"]
        base = brute(seeded, now, **{k: v for k, v in spec.items() if k != "statuses"})
        for status in ("active", "inactive", "expired", "revoked"):
            assert totals[status] == sum(1 for x in base if x["status"] == status), params
        assert totals["all"] == len(base)
    route, taken = team_route
    assert any(p is not None for p in taken) is (route == "key_teams")


async def test_team_listing_pages_across_both_paths(api, org, clock, seeded,
                                                   monkeypatch) -> None:
    """Every sort and order, the path switching at each page: cursors are the same."""
    flip = [0]
    real = listing.team_path

    def alternate(*args: Any, **kw: Any) -> Any:
        flip[0] += 1
        return real(*args, **kw) if flip[0] % 2 else None

    monkeypatch.setattr(listing, "team_path", alternate)
    red = {org.owner.id, org.member.id, org.manager.id, org.deactivated.id}
    for params, spec in (({"team": "red"}, {}),
                         ({"team": "red", "status": "active"}, {"statuses": ("active",)}),
                         ({"team": "red", "status": "expired,revoked"},
                          {"statuses": ("expired", "revoked")})):
        expected = brute(seeded, clock.now, owner_ids=red, **spec)
        for sort in ("name", "owner", "status", "created_at", "expires_at", "last_used_at"):
            for order in ("asc", "desc"):
                got = await fetch_all(api, org.admin.headers,
                                      params | {"sort": sort, "order": order}, 7)
                want = sorted(expected, key=lambda r, s=sort: (sort_value(r, s), r["id"]),
                              reverse=order == "desc")
                assert got == [r["id"] for r in want], (params, sort, order)
    assert flip[0] > 100


async def test_manager_sees_only_their_teams(api, org, clock, seeded, team_route) -> None:
    red = {org.owner.id, org.member.id, org.manager.id, org.deactivated.id}
    got = await fetch_all(api, org.manager.headers, {"sort": "name", "order": "asc"}, 100)
    expected = sorted((r for r in seeded if r["owner_id"] in red),
                      key=lambda r: (r["name_lower"], r["id"]))
    assert got == [r["id"] for r in expected]
    got = await fetch_all(api, org.manager.headers, {"team": "blue"}, 100)
    assert got == []
    route, taken = team_route
    assert any(p is not None for p in taken) is (route == "key_teams")


async def test_time_moves_status_between_filters(api, org, clock, seeded) -> None:
    before = (await api.get("/v1/admin/keys", params={"include_totals": "true"},
                            headers=org.admin.headers)).json()["totals"]
    clock.advance(days=200)
    after = (await api.get("/v1/admin/keys", params={"include_totals": "true"},
                           headers=org.admin.headers)).json()["totals"]
    assert after["expired"] > before["expired"] and after["all"] == before["all"]


async def test_a_new_key_is_not_stale(api, server_app, org, clock) -> None:
    """Stale: made more than N days ago and not used in them. A key made minutes ago has
    not had the chance to be used."""
    now = clock.now
    made = {"fresh": (now - timedelta(minutes=5), None),
            "old, never used": (now - timedelta(days=120), None),
            "old, used long ago": (now - timedelta(days=120), now - timedelta(days=100)),
            "old, used lately": (now - timedelta(days=120), now - timedelta(days=2))}
    rows = [key_row(org, org.owner, name, created, used)
            for name, (created, used) in made.items()]
    with server_app.state.engine.begin() as conn:
        conn.execute(db.keys.insert(), rows)
    for sort in ("name", "created_at", "last_used_at"):
        r = await api.get("/v1/admin/keys", headers=org.admin.headers,
                          params={"stale_days": 90, "sort": sort, "owner": org.owner.id})
        assert r.status_code == 200, r.text
        assert sorted(k["name"] for k in r.json()["items"]) == [
            "old, never used", "old, used long ago"], sort
