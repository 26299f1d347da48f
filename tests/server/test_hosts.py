"""The Host header is the client's word: no answer reflects it (no trailing-slash
redirect to it), and a server with a list of names refuses every other with the error
envelope."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import error

from tui_app.server.api.app import create_app
from tui_app.server.api.hosts import REFUSED_MESSAGE
from tui_app.server.host_names import (
    LOOPBACK_HOSTS,
    is_loopback,
    loopback_names,
    parse_allowed_hosts,
)
from tui_app.server.settings import Settings

PEPPER = b"test-pepper-0123456789abcdef0123456789"
EVIL = "evil.example"


def _app(url: str, allowed_hosts: tuple[str, ...] | None) -> Iterator[FastAPI]:
    app = create_app(Settings(database_url=url, pepper=PEPPER, allowed_hosts=allowed_hosts))
    try:
        yield app
    finally:
        app.state.engine.dispose()


def call(app: FastAPI, path: str, host: str, method: str = "GET") -> httpx.Response:
    """One request with this Host header (sync, so hypothesis can drive it)."""

    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.request(method, path, headers={"host": host})

    return asyncio.run(send())


@pytest.fixture
def open_server(sqlite_url: str) -> Iterator[FastAPI]:
    """No list of names: what `agentkeys serve` on a public address without one runs."""
    yield from _app(sqlite_url, None)


@pytest.fixture
def loopback_server(sqlite_url: str) -> Iterator[FastAPI]:
    """The local server's names, and `agentkeys serve` on 127.0.0.1 without a list."""
    yield from _app(sqlite_url, LOOPBACK_HOSTS)


@pytest.fixture
def listed_server(sqlite_url: str) -> Iterator[FastAPI]:
    yield from _app(sqlite_url, parse_allowed_hosts("keys.example.com, *.example.org, ::1"))


def _every_route_with_a_slash(app: Any) -> list[tuple[str, str]]:
    """(method, path + "/") for every operation the app documents and its docs pages,
    path parameters filled in."""
    operations = [(method.upper(), path) for path, item in app.openapi()["paths"].items()
                  for method in item if method != "parameters"]
    operations += [("GET", path) for path in ("/openapi.json", "/docs", "/redoc")]
    return [(method, re.sub(r"\{[^}]*\}", "x", path).rstrip("/") + "/")
            for method, path in operations]


@pytest.mark.parametrize("server", ["open_server", "loopback_server"])
def test_no_trailing_slash_redirect_anywhere(server: str, request: pytest.FixtureRequest,
                                             ) -> None:
    app: FastAPI = request.getfixturevalue(server)
    host = EVIL if server == "open_server" else "127.0.0.1:8765"
    routes = _every_route_with_a_slash(app)
    assert ("GET", "/v1/keys/") in routes and len(routes) > 20
    for method, path in routes:
        reply = call(app, path, host, method)
        assert reply.status_code == 404, (method, path, reply.status_code, reply.headers)
        assert "location" not in reply.headers
        assert error(reply)["code"] == "NOT_FOUND"


def test_a_host_not_listed_is_refused_with_the_envelope(loopback_server: FastAPI) -> None:
    for path in ("/healthz", "/v1/keys", "/v1/keys/", "/nowhere", "/v1/mcp"):
        reply = call(loopback_server, path, f"{EVIL}:8765")
        assert reply.status_code == 400 and "location" not in reply.headers
        assert error(reply) == {"code": "HOST_NOT_ALLOWED", "message": REFUSED_MESSAGE,
                                "details": None}
        assert reply.headers["content-type"] == "application/json"


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.1:8765", "localhost", "LocalHost:1",
                                  "[::1]", "[::1]:8765"])
def test_loopback_names_pass(loopback_server: FastAPI, host: str) -> None:
    assert call(loopback_server, "/healthz", host).status_code == 200


@pytest.mark.parametrize(("host", "status"), [
    ("keys.example.com", 200), ("KEYS.example.com:443", 200), ("a.example.org", 200),
    ("b.a.example.org:8", 200), ("[::1]:80", 200), ("example.org", 400),
    ("keys.example.com.evil.example", 400), ("evil-keys.example.com", 400),
    ("127.0.0.1", 400), ("", 400), ("keys.example.com@evil.example", 400),
])
def test_listed_names_and_wildcards(listed_server: FastAPI, host: str, status: int) -> None:
    assert call(listed_server, "/healthz", host).status_code == status


_LOOPBACK = re.compile(r"(127\.0\.0\.1|localhost|\[::1\])(:[0-9]*)?", re.IGNORECASE)
_HOSTISH = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=30)


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(host=st.one_of(_HOSTISH, st.builds("{}{}".format, st.sampled_from(
    ["127.0.0.1", "localhost", "[::1]", EVIL, "127.0.0.2", "[::2]", "localhost."]), _HOSTISH)))
def test_only_the_listed_names_get_through(loopback_server: FastAPI, host: str) -> None:
    reply = call(loopback_server, "/healthz", host)
    assert reply.status_code in (200, 400), reply.text
    if reply.status_code == 200:
        assert _LOOPBACK.fullmatch(host), host
    else:
        assert error(reply)["code"] == "HOST_NOT_ALLOWED"


def test_the_list_is_read_and_checked() -> None:
    assert parse_allowed_hosts(" Keys.Example.com, *.example.org ,, ::1, [::1], 10.0.0.5 ") == (
        "keys.example.com", "*.example.org", "[::1]", "[::1]", "10.0.0.5")
    assert parse_allowed_hosts("*") == ("*",)
    for bad, says in [("keys.example.com:443", "without a port"), ("[nope]", "IPv6"),
                      ("keys*.example.com", "wildcard"), ("*.*.example.com", "wildcard"),
                      (" , ", "no names"), ("https://keys.example.com/", "not URLs")]:
        with pytest.raises(ValueError, match=says):
            parse_allowed_hosts(bad)


def test_settings_read_the_list_from_the_environment(monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Any) -> None:
    monkeypatch.setenv("AGENTKEYS_PEPPER", "ab" * 32)
    url = f"sqlite:///{tmp_path / 'x.db'}"
    monkeypatch.delenv("AGENTKEYS_ALLOWED_HOSTS", raising=False)
    assert Settings.from_env(url).allowed_hosts is None
    monkeypatch.setenv("AGENTKEYS_ALLOWED_HOSTS", "keys.example.com,localhost")
    assert Settings.from_env(url).allowed_hosts == ("keys.example.com", "localhost")
    monkeypatch.setenv("AGENTKEYS_ALLOWED_HOSTS", "keys.example.com:8443")
    with pytest.raises(ValueError, match="without a port"):
        Settings.from_env(url)


@pytest.mark.parametrize(("bind", "loopback"), [
    ("127.0.0.1", True), ("127.0.0.2", True), ("localhost", True), ("::1", True),
    ("[::1]", True), ("0.0.0.0", False), ("::", False), ("10.0.0.5", False),
    ("keys.example.com", False),
])
def test_which_bind_addresses_are_loopback(bind: str, loopback: bool) -> None:
    assert is_loopback(bind) is loopback


def test_a_loopback_bind_address_answers_to_itself_too() -> None:
    assert loopback_names("127.0.0.1") == LOOPBACK_HOSTS
    assert loopback_names("::1") == LOOPBACK_HOSTS
    assert loopback_names("127.0.0.2") == (*LOOPBACK_HOSTS, "127.0.0.2")
