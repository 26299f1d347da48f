"""Verify's store on each driver (sqlite3, asyncpg): the same records from the same rows,
and the writes it is asked for — nothing more."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from tui_app.server.store import db, migrations
from tui_app.server.store import users as users_store
from tui_app.server.store.verify_access import verify_store
from tui_app.server.store.verify_store import CallerRow, KeyRow

PEPPER = b"store-test-pepper-0123456789abcdef"


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    engine = db.create_engine(db_url)
    migrations.migrate(engine)
    try:
        yield engine
    finally:
        engine.dispose()


def _people_and_key(engine: sa.Engine, clock: Any) -> dict[str, Any]:
    now = clock.now
    with engine.begin() as conn:
        owner = users_store.create_user(conn, email="o@example.com", name="Owner",
                                        role="member", now=now)
        admin = users_store.create_user(conn, email="a@example.com", name="Admin",
                                        role="admin", now=now)
        gateway = users_store.create_user(conn, email="g@example.com", name="Gateway",
                                          role="service", now=now)
        users_store.issue_login_token(conn, PEPPER, gateway, now)
        token_digest = conn.execute(sa.select(db.login_tokens.c.digest)).scalar_one()
        conn.execute(db.keys.insert().values(
            id="key_1", name="agent", name_lower="agent", description="d", owner_id=owner,
            owner_active=True, owner_email="o@example.com", owner_name="Owner",
            search_text="agent", created_by_id=admin, created_at=now,
            expires_at=now + timedelta(days=7), scope="read_write",
            allowed_tools=["search"], blocked_tools=["deploy"], rate_limit_rpm=5,
            digest="d" * 64, hint="ak_live_…abcd", env="live", disabled_at=now,
            disabled_by_id=owner, version=3,
        ))
    return {"owner": owner, "admin": admin, "gateway": gateway, "token": token_digest}


async def test_one_lookup_reads_the_gateway_and_the_key(engine: sa.Engine, clock) -> None:
    ids = _people_and_key(engine, clock)
    store = verify_store(engine)
    gateway, key = await store.lookup(ids["token"], "d" * 64)
    assert isinstance(gateway, CallerRow) and isinstance(key, KeyRow)
    assert (gateway.id, gateway.role, gateway.active, gateway.revoked_at) == (
        ids["gateway"], "service", True, None)
    assert gateway.created_at == clock.now
    assert key.id == "key_1" and key.owner_role == "member" and key.owner_active is True
    assert key.allowed_tools == ["search"] and key.blocked_tools == ["deploy"]
    assert key.expires_at == clock.now + timedelta(days=7) and key.last_used_at is None
    assert (key.created_by_name, key.created_by_email) == ("Admin", "a@example.com")
    assert (key.disabled_by_name, key.revoked_by_name) == ("Owner", None)
    assert key.version == 3 and key.rate_limit_rpm == 5
    # Either side may be missing, or not asked for.
    assert await store.lookup(ids["token"], "e" * 64) == (gateway, None)
    assert await store.lookup("e" * 64, "d" * 64) == (None, key)
    assert await store.lookup(None, "d" * 64) == (None, key)
    assert await store.lookup(ids["token"], None) == (gateway, None)
    assert await store.lookup(None, None) == (None, None)


async def test_counting_forgetting_and_last_use(engine: sa.Engine, clock) -> None:
    _people_and_key(engine, clock)
    store = verify_store(engine)
    assert [await store.count_call("key_1", 600) for _ in range(3)] == [1, 2, 3]
    assert await store.count_call("key_1", 660) == 1
    await store.forget_windows_before("key_1", 660)
    with engine.connect() as conn:
        windows = conn.execute(sa.select(db.rate_limit.c.window_start, db.rate_limit.c.count))
        assert windows.all() == [(660, 1)]
    now = clock.now
    await store.record_use("key_1", now, unless_since=now - timedelta(seconds=60), tool="t")
    later = now + timedelta(seconds=30)
    # Someone recorded a use after the cutoff: this one is not written.
    await store.record_use("key_1", later, unless_since=later - timedelta(seconds=60),
                           tool="u")
    _, key = await store.lookup(None, "d" * 64)
    assert key is not None and (key.last_used_at, key.last_used_tool) == (now, "t")


async def test_disposing_the_engine_closes_the_store(engine: sa.Engine, clock) -> None:
    _people_and_key(engine, clock)
    store = verify_store(engine)
    assert (await store.lookup(None, "d" * 64))[1] is not None
    engine.dispose()
    assert verify_store(engine) is not store  # a new one, with new connections


@pytest.mark.postgres
async def test_disposing_the_engine_closes_postgres_connections(pg_url: str, clock) -> None:
    import uuid

    import psycopg

    name = f"verify-store-{uuid.uuid4().hex[:12]}"
    # libpq's own client settings in the URL too: asyncpg must not pass them on.
    engine = db.create_engine(
        f"{pg_url}&application_name={name}&connect_timeout=5&keepalives=1")
    migrations.migrate(engine)
    _people_and_key(engine, clock)

    def connections() -> int:
        with psycopg.connect(pg_url) as conn:
            return int(conn.execute("SELECT count(*) FROM pg_stat_activity"
                                    " WHERE application_name = %s", (name,)).fetchone()[0])

    store = verify_store(engine)
    await asyncio.gather(*(store.lookup(None, "d" * 64) for _ in range(4)))
    assert connections() >= 1
    engine.dispose()
    for _ in range(50):  # the server notices a closed socket within moments
        if connections() == 0:
            break
        await asyncio.sleep(0.05)
    assert connections() == 0


def test_asyncpg_gets_the_url_without_libpq_s_client_settings() -> None:
    from sqlalchemy.engine import make_url

    from tui_app.server.store.verify_postgres import connect_args

    dsn, kwargs = connect_args(make_url(
        "postgresql+psycopg://u:secret@db.example:5433/keys?options=-csearch_path%3Dt1"
        "&connect_timeout=7&keepalives=1&sslmode=require"))
    assert dsn == ("postgresql://u:secret@db.example:5433/keys"
                   "?options=-csearch_path%3Dt1&sslmode=require")
    assert kwargs == {"timeout": 7}
