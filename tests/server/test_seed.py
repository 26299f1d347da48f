"""Seeded data is realistic and consistent, and the admin listing works over it.

seed_bulk / seed_demo write rows directly (bulk insert), bypassing the stores; these tests
check that what they write is what the app expects: every status present, references
that resolve, and the admin list (filters, totals, cursors) answering over it through the
real HTTP app.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tui_app.domain.status import KeyStatus, derive_status
from tui_app.server.api.app import create_app
from tui_app.server.settings import Settings
from tui_app.server.store import db, migrations
from tui_app.server.store import users as users_store
from tui_app.server.store.seed import seed_bulk, seed_demo

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
PEPPER = b"test-pepper-0123456789abcdef0123"
KEYS = 3000


PG_URL = os.environ.get("AGENTKEYS_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


@contextmanager
def _pg_schema() -> Iterator[str]:
    """A fresh schema in the test database; skip (fail under CI=true) without PostgreSQL."""
    try:
        import psycopg

        psycopg.connect(PG_URL, connect_timeout=3).close()
    except Exception as exc:  # any failure to connect: skip or fail with the reason
        reason = f"PostgreSQL not reachable at {PG_URL}: {type(exc).__name__}: {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    schema = f"seed_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield db.with_search_path(PG_URL, schema)
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


# Both write paths: executemany on SQLite, COPY on PostgreSQL; indexes and triggers dropped
# and rebuilt around the load, as for a million keys.
@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[sa.Engine, str]]:
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path_factory.mktemp('seed') / 'seed.db'}"
        else:
            url = stack.enter_context(_pg_schema())
        engine = db.create_engine(url)
        stack.callback(engine.dispose)
        migrations.migrate(engine)
        before = _schema_objects(engine)
        counts = seed_bulk(engine, keys=KEYS, users=150, now=NOW, rebuild_indexes=True)
        assert counts["keys"] == KEYS
        assert _schema_objects(engine) == before, "indexes/triggers not rebuilt as they were"
        yield engine, url


def _schema_objects(engine: sa.Engine) -> set[str]:
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            return set(conn.execute(sa.text(
                "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                "UNION SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t "
                "JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE c.relnamespace = current_schema()::regnamespace AND NOT t.tgisinternal"
            )).scalars())
        return set(conn.execute(sa.text(
            "SELECT type || ':' || name FROM sqlite_master WHERE sql IS NOT NULL"
        )).scalars())


def test_search_index_in_step_after_bulk_load(seeded: tuple[sa.Engine, str]) -> None:
    engine, url = seeded
    with engine.connect() as conn:
        owner = conn.execute(sa.select(db.keys.c.owner_email).limit(1)).scalar_one()
        expected = conn.execute(
            sa.select(sa.func.count()).select_from(db.keys)
            .where(db.keys.c.search_text.like(f"%{owner}%"))
        ).scalar_one()
    client = _admin_client(engine, url)
    found = client.get("/v1/admin/keys", params={"q": owner, "limit": 500})
    assert found.status_code == 200, found.text
    assert len(found.json()["items"]) == expected > 0


def test_key_teams_in_step_after_bulk_load(seeded: tuple[sa.Engine, str]) -> None:
    """Loaded with its triggers off, key_teams is filled as one set: exactly the rows the
    triggers would have written."""
    engine, _url = seeded
    kt = db.key_teams
    with engine.connect() as conn:
        want = set(conn.execute(migrations.key_teams_rows()))
        have = set(conn.execute(sa.select(kt.c.team_id, kt.c.key_id,
                                          *(kt.c[c] for c in db.KEY_TEAMS_COLUMNS))))
    assert have == want and len(have) > KEYS
    if engine.dialect.name == "postgresql":  # switched off for the load, and on again
        with engine.connect() as conn:
            states = set(conn.execute(sa.text(
                "SELECT tgenabled FROM pg_trigger WHERE tgname LIKE 'key_teams%' "
                "AND tgrelid = to_regclass('keys')")).scalars())
        assert states == {"O"}


def _statuses(engine: sa.Engine) -> Counter[str]:
    out: Counter[str] = Counter()
    with engine.connect() as conn:
        for row in conn.execute(sa.select(db.keys)):
            status, reason = derive_status(
                now=NOW, revoked_at=row.revoked_at, expires_at=row.expires_at,
                disabled_at=row.disabled_at, owner_active=row.owner_active,
            )
            out[status.value] += 1
            if reason is not None:
                out[f"reason:{reason.value}"] += 1
    return out


def test_every_status_and_reason_is_represented(seeded: tuple[sa.Engine, str]) -> None:
    counts = _statuses(seeded[0])
    for status in KeyStatus:
        assert counts[status.value] > 0, f"no {status.value} key in {dict(counts)}"
    for reason in ("revoked", "expired", "disabled", "owner_deactivated"):
        assert counts[f"reason:{reason}"] > 0, f"no key inactive for {reason}"
    # Realistic: most keys are active, and none of the rare states dominates.
    assert counts["active"] > KEYS * 0.3


def test_references_resolve(seeded: tuple[sa.Engine, str]) -> None:
    engine = seeded[0]
    k, u = db.keys, db.users
    with engine.connect() as conn:
        users = {r.id: r for r in conn.execute(sa.select(u))}
        roles = {r.role for r in users.values()}
        assert roles == {"member", "manager", "admin", "service"}
        assert any(not r.active for r in users.values())
        for row in conn.execute(sa.select(k)):
            owner = users[row.owner_id]
            # The denormalised owner fields match the user row.
            assert (row.owner_email, row.owner_name, row.owner_active) == (
                owner.email, owner.name, owner.active)
            assert owner.role != "service", "service users cannot own keys"
            for ref in (row.created_by_id, row.revoked_by_id, row.disabled_by_id):
                assert ref is None or ref in users
            assert row.created_at <= NOW
            assert row.last_used_at is None or row.created_at <= row.last_used_at <= NOW
            assert row.name_lower == row.name.lower()
            assert len(row.digest) == 64 and row.hint.startswith("ak_live_…")
            assert isinstance(row.allowed_tools, list) and isinstance(row.blocked_tools, list)
        team_ids = set(conn.execute(sa.select(db.teams.c.id)).scalars())
        for team_id, user_id in conn.execute(sa.select(db.team_members)):
            assert team_id in team_ids and user_id in users
        key_ids = set(conn.execute(sa.select(k.c.id)).scalars())
        audit = list(conn.execute(sa.select(db.audit)))
        assert len(audit) >= KEYS
        assert all(a.key_id in key_ids and a.actor_id in users for a in audit)
        # Usage spread over about a year.
        used = [r for r in conn.execute(sa.select(k.c.last_used_at)).scalars() if r]
        assert (max(used) - min(used)).days > 200


def test_seeded_digests_are_not_usable_tokens(seeded: tuple[sa.Engine, str]) -> None:
    with seeded[0].connect() as conn:
        digests = list(conn.execute(sa.select(db.keys.c.digest)).scalars())
    assert len(set(digests)) == len(digests)


def _admin_client(engine: sa.Engine, url: str) -> TestClient:
    with engine.begin() as conn:
        admin = users_store.create_user(
            conn, email=f"admin-{datetime.now().timestamp()}@test.example", name="Admin",
            role="admin", now=NOW,
        )
        token = users_store.issue_login_token(conn, PEPPER, admin, NOW)
    app = create_app(Settings(database_url=url, pepper=PEPPER))
    return TestClient(app, headers={"Authorization": f"Bearer {token}"})


def test_admin_listing_over_seeded_data(seeded: tuple[sa.Engine, str]) -> None:
    engine, url = seeded
    client = _admin_client(engine, url)
    first = client.get("/v1/admin/keys", params={"limit": 100, "include_totals": "true"})
    assert first.status_code == 200, first.text
    body = first.json()
    assert len(body["items"]) == 100 and body["next_cursor"]
    totals = body["totals"]
    assert sum(totals[s.value] for s in KeyStatus) == totals.get("all", KEYS) == KEYS
    assert all(totals[s.value] > 0 for s in KeyStatus)

    # Cursors walk every key exactly once.
    seen: set[str] = set()
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 500, "sort": "last_used_at", "order": "desc"}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/v1/admin/keys", params=params)
        assert page.status_code == 200, page.text
        ids = [item["id"] for item in page.json()["items"]]
        assert not seen.intersection(ids)
        seen.update(ids)
        cursor = page.json()["next_cursor"]
        pages += 1
        if not cursor:
            break
    assert len(seen) == KEYS and pages == KEYS // 500

    # Every status filter returns only keys of that status (status is derived by the app
    # with the real clock; the seeded times are relative to NOW, a few days earlier at most,
    # so compare the sets the app itself reports).
    for status in KeyStatus:
        page = client.get("/v1/admin/keys", params={"status": status.value, "limit": 200})
        assert page.status_code == 200, page.text
        assert {item["status"] for item in page.json()["items"]} <= {status.value}
    reason = client.get("/v1/admin/keys", params={"status": "inactive", "limit": 500}).json()
    assert "owner_deactivated" in {item["status_reason"] for item in reason["items"]}


def test_demo_org_is_deterministic_and_complete(tmp_path: Path) -> None:
    fingerprints = []
    for name in ("a", "b"):
        engine = db.create_engine(f"sqlite:///{tmp_path / name}.db")
        migrations.migrate(engine)
        demo = seed_demo(engine, keys=120, now=NOW)
        with engine.connect() as conn:
            rows = conn.execute(
                sa.select(db.keys.c.id, db.keys.c.name, db.keys.c.expires_at,
                          db.keys.c.owner_email).order_by(db.keys.c.id)
            ).all()
            admin = conn.execute(sa.select(db.users).where(db.users.c.id == demo.admin_id)).one()
        assert admin.role == "admin" and admin.active
        assert demo.key_count == len(rows) == 120
        fingerprints.append(rows)
        counts = _statuses(engine)
        assert all(counts[s.value] for s in KeyStatus), dict(counts)
        assert counts["reason:owner_deactivated"] > 0
        engine.dispose()
    assert fingerprints[0] == fingerprints[1]


def test_seed_command(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    result = subprocess.run(
        [sys.executable, "-c", "from tui_app.cli import main; main()", "server", "seed",
         "--keys", "500", "--users", "40", "--database", url],
        env={"AGENTKEYS_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "500 keys" in result.stderr
    engine = db.create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(db.keys)).scalar() == 500
    engine.dispose()


@pytest.mark.parametrize(
    "seeded", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_postgres_tables_are_vacuumed_after_bulk_load(seeded: tuple[sa.Engine, str]) -> None:
    """What autovacuum would do some time later: the visibility map and hint bits are
    set, so the first listings do not pay for them (bulk_load._analyze)."""
    engine, _url = seeded
    with engine.connect() as conn:
        vacuumed = set(conn.execute(sa.text(
            "SELECT relname FROM pg_stat_user_tables WHERE schemaname = current_schema() "
            "AND last_vacuum IS NOT NULL AND last_analyze IS NOT NULL"
        )).scalars())
    assert {"keys", "key_teams", "team_members", "users", "audit"} <= vacuumed
