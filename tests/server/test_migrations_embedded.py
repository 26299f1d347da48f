"""Migrations (idempotent, safe when started twice at once) and the embedded server."""

from __future__ import annotations

import threading

import httpx
import sqlalchemy as sa
from backend_people import auth

from tui_app.server.embedded import start_embedded
from tui_app.server.store import db, migrations


def test_migrations_are_idempotent_and_race_safe(db_url) -> None:
    engines = [db.create_engine(db_url) for _ in range(4)]
    applied: list[list[int]] = []
    errors: list[BaseException] = []

    def run(engine: sa.Engine) -> None:
        try:
            applied.append(migrations.migrate(engine))
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert sorted(len(a) for a in applied) == [0, 0, 0, len(migrations.MIGRATIONS)]
    assert migrations.migrate(engines[0]) == []
    assert migrations.current_version(engines[0]) == migrations.MIGRATIONS[-1][0]
    with engines[0].connect() as conn:
        names = set(sa.inspect(conn).get_table_names())
    assert {"users", "teams", "team_members", "login_tokens", "keys", "audit", "idempotency",
            "rate_limit", "schema_migrations"} <= names
    for engine in engines:
        engine.dispose()


def test_embedded_first_run_creates_the_local_admin(tmp_path) -> None:
    home = tmp_path / "home"
    first = start_embedded(home)
    try:
        me = httpx.get(f"{first.url}/v1/me", headers=auth(first.token)).json()
        assert me["user"]["role"] == "admin"
        r = httpx.post(f"{first.url}/v1/keys", json={"name": "kept"},
                       headers=auth(first.token))
        assert r.status_code == 201
    finally:
        first.stop()
    assert (home / "data" / "agentkeys.db").exists()
    pepper = home / "config" / "pepper"
    assert pepper.stat().st_mode & 0o077 == 0
    second = start_embedded(home)
    try:
        assert second.token != first.token
        me2 = httpx.get(f"{second.url}/v1/me", headers=auth(second.token)).json()
        assert me2["user"]["id"] == me["user"]["id"]
        keys = httpx.get(f"{second.url}/v1/keys", headers=auth(second.token)).json()
        assert [k["name"] for k in keys["items"]] == ["kept"]
        # The first run's token lived only in memory: the database has its digest only.
        assert first.token.encode() not in (home / "data" / "agentkeys.db").read_bytes()
    finally:
        second.stop()


def test_embedded_demo_is_seeded_and_thrown_away() -> None:
    server = start_embedded(demo=True, demo_keys=60)
    try:
        h = auth(server.token)
        assert httpx.get(f"{server.url}/v1/me", headers=h).json()["user"]["role"] == "admin"
        page = httpx.get(f"{server.url}/v1/admin/keys",
                         params={"include_totals": "true"}, headers=h).json()
        totals = page["totals"]
        assert totals["all"] >= 60
        assert all(totals[s] > 0 for s in ("active", "inactive", "expired", "revoked"))
        data_dir = server._cleanup
        assert data_dir is not None and data_dir.exists()
    finally:
        server.stop()
    assert not data_dir.exists()


def test_embedded_token_is_revoked_on_stop(tmp_path) -> None:
    server = start_embedded(tmp_path / "home")
    url, token = server.url, server.token
    server.stop()
    again = start_embedded(tmp_path / "home")
    try:
        # A new run on the same data: the old run's token no longer signs in.
        r = httpx.get(f"{again.url}/v1/me", headers=auth(token))
        assert r.status_code == 401 and r.json()["error"]["code"] == "TOKEN_REVOKED"
        assert url  # the old server is gone; its token is dead in the database too
    finally:
        again.stop()
