"""Shared fixtures: the real backend on SQLite and on PostgreSQL, and an embedded server.

- `db_url`: parametrised over a temporary SQLite file and a fresh PostgreSQL schema
  (postgresql://postgres@127.0.0.1:5432/test; one schema per test, dropped after, so
  tests are isolated and run under xdist). Without a reachable PostgreSQL the postgres
  cases skip with the reason — or fail when CI=true.
- `sqlite_url` / `pg_url`: one backend only; `module_db_url`: `db_url` shared by a
  module's tests.
- `clock`: a settable clock (tests move time on purpose); `server_settings`, `server_app`
  (create_app), `api` (httpx.AsyncClient over ASGITransport), `org` (people of every
  role with login tokens, created through the store).
- `served_url`: `server_app` behind uvicorn on loopback (real HTTP, lifespan on).
- `embedded_server`: `start_embedded()` on a temporary AGENTKEYS_HOME, stopped after.
- Local servers (`agentkeys` with no server configured starts one that outlives it):
  every one started under this session's temporary directories is stopped at the end,
  and meanwhile they stop after 60 idle seconds.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from backend_people import Org, Person, auth, make_org  # noqa: F401 (re-exported)

PG_URL = os.environ.get("AGENTKEYS_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
TEST_PEPPER = b"test-pepper-0123456789abcdef0123456789"
START = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)

_pg_state: dict[str, Any] = {}


@pytest.fixture(scope="session", autouse=True)
def _local_servers_stop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No local server outlives the test session (see tui_app/server/local.py)."""
    os.environ["AGENTKEYS_LOCAL_IDLE_SECONDS"] = "60"
    yield
    from tui_app.client import local_server
    from tui_app.local_state import LOCK_FILE

    for lock in tmp_path_factory.getbasetemp().rglob(LOCK_FILE):
        local_server.stop(lock.parent.parent)  # <home>/data/local-server.lock


def _pg_available() -> str | None:
    """None when PostgreSQL answers; else the reason it does not."""
    if "reason" not in _pg_state:
        try:
            import psycopg

            with psycopg.connect(PG_URL, connect_timeout=3) as conn:
                conn.execute("SELECT 1")
            _pg_state["reason"] = None
        except Exception as exc:  # any failure means: no PostgreSQL for these tests
            _pg_state["reason"] = f"PostgreSQL not reachable at {PG_URL}: {type(exc).__name__}"
    return _pg_state["reason"]  # type: ignore[no-any-return]


def _require_pg() -> None:
    reason = _pg_available()
    if reason is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: PostgreSQL tests must run)")
    pytest.skip(reason)


@contextlib.contextmanager
def _fresh_pg_schema() -> Iterator[str]:
    """A PostgreSQL URL whose connections use a fresh schema of their own, dropped after."""
    _require_pg()
    import psycopg

    from tui_app.server.store.db import with_search_path

    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield with_search_path(PG_URL, schema)
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@pytest.fixture
def pg_url() -> Iterator[str]:
    with _fresh_pg_schema() as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'agentkeys.db'}"


@pytest.fixture(scope="module",
                params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def module_db_url(request: pytest.FixtureRequest,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`db_url` shared by a module's tests: for what is costly to start per test (a
    cluster of server processes), where each test makes its own keys and people."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'agentkeys.db'}"
        return
    with _fresh_pg_schema() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("pg_url"))


class MovingClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now = self.now + timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> MovingClock:
    return MovingClock()


@pytest.fixture
def server_settings(db_url: str, clock: MovingClock) -> Any:
    from tui_app.server.settings import Settings

    return Settings(database_url=db_url, pepper=TEST_PEPPER, clock=clock)


@pytest.fixture
def server_app(server_settings: Any) -> Iterator[Any]:
    from tui_app.server.api.app import create_app

    app = create_app(server_settings)
    try:
        yield app
    finally:
        app.state.engine.dispose()


@pytest.fixture
async def api(server_app: Any) -> AsyncIterator[Any]:
    """An httpx.AsyncClient on the app (no token; pass headers=auth(token))."""
    import httpx

    transport = httpx.ASGITransport(app=server_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


@pytest.fixture
def served_url(server_app: Any) -> Iterator[str]:
    """`server_app` behind a real uvicorn server on loopback, lifespan included (the MCP
    endpoint's session manager runs in it): for real HTTP clients like the MCP SDK's."""
    import socket
    import threading
    import time

    import uvicorn

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(server_app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive(), "the test server did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture
def org(server_app: Any) -> Org:
    return make_org(server_app)


@pytest.fixture
def embedded_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A real embedded server (uvicorn on 127.0.0.1) on a temporary AGENTKEYS_HOME."""
    from tui_app.server.embedded import start_embedded

    home = tmp_path / "agentkeys-home"
    monkeypatch.setenv("AGENTKEYS_HOME", str(home))
    server = start_embedded(home)
    try:
        yield server
    finally:
        server.stop()
