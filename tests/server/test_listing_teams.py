"""Team listings through key_teams: the table follows every write (its triggers), a v4
database gets it filled on upgrade, and the team path excludes the people a manager may
not see (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from backend_people import Person
from support import create_key

from tui_app.server.services.visibility import visible_owners
from tui_app.server.store import db, listing, migrations
from tui_app.server.store import users as users_store

KT = db.key_teams


def assert_in_step(engine: sa.Engine) -> int:
    """key_teams holds exactly what keys x team_members say it must."""
    with engine.connect() as conn:
        want = set(conn.execute(migrations.key_teams_rows()))
        have = set(conn.execute(sa.select(KT.c.team_id, KT.c.key_id,
                                          *(KT.c[c] for c in db.KEY_TEAMS_COLUMNS))))
    assert have == want, (have - want, want - have)
    return len(have)


async def test_key_teams_follows_every_write(api, org, clock, server_app) -> None:
    engine = server_app.state.engine
    admin = org.admin.headers
    a, secret_a = await create_key(api, org.owner, name="alpha")
    b, _ = await create_key(api, org.member2, name="beta")
    c, _ = await create_key(api, org.member, name="gamma")
    assert assert_in_step(engine) == 3
    r = await api.post("/v1/users", json={"email": "two@example.com", "name": "Two",
                                          "role": "member", "teams": ["red", "blue"]},
                       headers=admin)
    two = r.json()
    d, _ = await create_key(api, Person(two["user"]["id"], "two@example.com", two["token"]),
                            name="d")
    assert assert_in_step(engine) == 5  # one key, two teams
    await api.patch(f"/v1/keys/{a['id']}", json={"name": "Alpha Two"}, headers=admin)
    await api.post(f"/v1/keys/{b['id']}/disable", headers=admin)
    await api.post(f"/v1/keys/{b['id']}/enable", headers=admin)
    await api.post(f"/v1/keys/{c['id']}/revoke", headers=admin)
    await api.post("/v1/admin/keys/bulk", json={"action": "extend", "ids": [a["id"]],
                                                "days": 10}, headers=admin)
    r = await api.post("/v1/verify", json={"key": secret_a}, headers=org.service.headers)
    assert r.json()["valid"] is True
    assert_in_step(engine)
    await api.delete(f"/v1/keys/{c['id']}", headers=admin)
    await api.post(f"/v1/users/{two['user']['id']}/deactivate", headers=admin)
    assert assert_in_step(engine) == 4
    with engine.begin() as conn:  # raw writes too: memberships come and go, teams go
        conn.execute(db.team_members.insert().values(team_id=_team(conn, "blue"),
                                                     user_id=org.owner.id))
    assert assert_in_step(engine) == 5
    with engine.begin() as conn:
        conn.execute(db.team_members.delete().where(
            db.team_members.c.user_id == org.member2.id))
        conn.execute(db.keys.update().where(db.keys.c.id == d["id"])
                     .values(owner_id=org.member.id))
    assert assert_in_step(engine) == 3  # a: red + blue; d: red (now member's)
    with engine.begin() as conn:
        conn.execute(db.teams.delete().where(db.teams.c.name == "red"))
    assert assert_in_step(engine) == 1


def _team(conn: sa.Connection, name: str) -> str:
    return str(conn.execute(sa.select(db.teams.c.id).where(db.teams.c.name == name))
               .scalar_one())


def test_upgrade_from_v4_fills_key_teams(db_url, clock) -> None:
    engine = db.create_engine(db_url)
    try:
        v4 = [m for m in migrations.MIGRATIONS if m[0] <= 4]
        with engine.begin() as conn:  # a database as v4 left it: no key_teams
            for version, _name, step in v4:
                step(conn)
                conn.execute(db.schema_migrations.insert().values(
                    version=version, name=_name, applied_at=clock.now))
            KT.drop(conn)
            owner = users_store.create_user(conn, email="o@example.com", name="O",
                                            role="member", teams=["x", "y"], now=clock.now)
            for i in range(3):
                conn.execute(db.keys.insert().values(
                    id=f"key_{i}", name=f"k{i}", name_lower=f"k{i}", description="",
                    owner_id=owner, owner_active=True, owner_email="o@example.com",
                    owner_name="O", search_text=f"k{i}", created_at=clock.now, scope="read",
                    allowed_tools=[], blocked_tools=[], digest=f"{i:064x}", hint="h",
                    env="live", version=1))
        assert migrations.migrate(engine)[0] == 5
        assert assert_in_step(engine) == 6
    finally:
        engine.dispose()


async def test_manager_team_listing_skips_people_they_may_not_see(
        api, org, clock, server_app, monkeypatch) -> None:
    """A co-manager in the same team: on the team path the manager's listing still
    leaves out their keys (the NOT IN of TeamPath), sorted and paged like the rest."""
    with server_app.state.engine.begin() as conn:
        co = users_store.create_user(conn, email="co@example.com", name="Co",
                                     role="manager", teams=["red"], now=clock.now)
        co_person = Person(co, "co@example.com", users_store.issue_login_token(
            conn, server_app.state.settings.pepper_bytes, co, clock.now))
    mine = [(await create_key(api, who, name=f"n{i}"))[0]["id"]
            for i, who in enumerate([org.owner, org.member, org.manager, org.owner] * 3)]
    theirs = [(await create_key(api, co_person, name=f"n{i}"))[0]["id"] for i in range(4)]
    paths: list[Any] = []
    real = listing.team_path
    monkeypatch.setattr(listing, "team_path",
                        lambda *a, **kw: paths.append(real(*a, **kw)) or paths[-1])
    for params in ({}, {"team": "red"}):
        for sort in ("name", "status", "created_at"):
            got: list[str] = []
            cursor = None
            while True:
                query = params | {"sort": sort, "limit": 5} | ({"cursor": cursor} if cursor
                                                              else {})
                page = (await api.get("/v1/admin/keys", params=query,
                                      headers=org.manager.headers)).json()
                got += [k["id"] for k in page["items"]]
                cursor = page["next_cursor"]
                if not cursor:
                    break
            assert sorted(got) == sorted(mine) and not set(got) & set(theirs), (params, sort)
    assert paths and all(p is not None and p.excluded == (co,) for p in paths)
    admin = (await api.get("/v1/admin/keys", params={"team": "red", "limit": 100},
                           headers=org.admin.headers)).json()
    assert {k["id"] for k in admin["items"]} == set(mine) | set(theirs)


def test_upgrade_to_v6_adds_the_index_of_people_who_are_not_members(db_url, clock) -> None:
    """A v5 database gets db.NOT_MEMBERS_INDEX, and a manager's visible owners stay the
    same: the members of their teams with the role member, and themselves."""
    engine = db.create_engine(db_url)
    try:
        with engine.begin() as conn:
            for version, name, step in [m for m in migrations.MIGRATIONS if m[0] <= 5]:
                step(conn)
                conn.execute(db.schema_migrations.insert().values(
                    version=version, name=name, applied_at=clock.now))
            db.NOT_MEMBERS_INDEX.drop(conn)  # v1 creates today's tables: v5 lacked it
        assert migrations.migrate(engine) == [6, 7, 8]
        with engine.begin() as conn:
            assert "ix_users_not_members" in {
                index["name"] for index in sa.inspect(conn).get_indexes("users")}
            people = {role: users_store.create_user(
                conn, email=f"{role}@example.com", name=role, role=role, teams=["red"],
                now=clock.now) for role in ("member", "manager", "admin", "service")}
            other = users_store.create_user(conn, email="blue@example.com", name="b",
                                            role="member", teams=["blue"], now=clock.now)
            manager = users_store.caller_from_row(
                conn, users_store.get_user(conn, people["manager"]))
            visible = visible_owners(conn, manager)
        assert visible.owners is not None
        assert set(visible.owners) == {people["member"], people["manager"]}
        assert visible.members == set(people.values())
        assert other not in visible.owners
    finally:
        engine.dispose()
