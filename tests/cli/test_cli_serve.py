"""`agentkeys serve` as people run it: which Host names it answers to, what its access
log keeps of a token, and the modes of its database files."""

from __future__ import annotations

import stat
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import httpx
import pytest
from cli_support import AGENTKEYS, _free_port, clean_env, run_agentkeys

from tui_app.domain import keyformat
from tui_app.domain.keyformat import TokenKind

EVIL = "evil.example"


@dataclass
class Serve:
    port: int
    home: Path
    database: Path
    out: Path  # the access log
    err: Path  # start-up messages and warnings

    def get(self, path: str, host: str | None = None, **headers: str) -> httpx.Response:
        headers["host"] = host or f"127.0.0.1:{self.port}"
        return httpx.get(f"http://127.0.0.1:{self.port}{path}", headers=headers, timeout=10,
                         follow_redirects=False)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Serve]]:
    """Start `agentkeys serve ARGS` (umask 022) and wait until it answers."""
    processes: list[subprocess.Popen[bytes]] = []

    def start(*args: str, **env: str) -> Serve:
        n = len(processes)
        home = tmp_path / f"home{n}"
        server = Serve(_free_port(), home, tmp_path / f"serve{n}.db",
                       tmp_path / f"out{n}.log", tmp_path / f"err{n}.log")
        with server.out.open("wb") as out, server.err.open("wb") as err:
            processes.append(subprocess.Popen(
                [AGENTKEYS, "serve", "--port", str(server.port),
                 "--database", f"sqlite:///{server.database}", *args],
                env=clean_env(AGENTKEYS_HOME=str(home), **env), stdout=out, stderr=err,
                umask=0o022,
            ))
        deadline = time.monotonic() + 30
        while True:
            try:
                server.get("/healthz", host=f"localhost:{server.port}")
                return server
            except httpx.TransportError:
                pass
            if processes[-1].poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"agentkeys serve did not start:\n{server.err.read_text()}")
            time.sleep(0.1)

    yield start
    for process in processes:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def _refused(reply: httpx.Response) -> bool:
    return (reply.status_code == 400 and "location" not in reply.headers
            and reply.json()["error"]["code"] == "HOST_NOT_ALLOWED")


def _not_found(reply: httpx.Response) -> bool:
    return (reply.status_code == 404 and "location" not in reply.headers
            and reply.json()["error"]["code"] == "NOT_FOUND")


def test_on_loopback_it_answers_its_loopback_names_only(serve: Callable[..., Serve]) -> None:
    server = serve("--workers", "2")  # the workers learn the names from the parent
    for _ in range(4):  # some requests reach each worker
        assert _refused(server.get("/healthz", host=f"{EVIL}:{server.port}"))
        assert _refused(server.get("/v1/keys/", host=EVIL))
    for host in ("127.0.0.1", f"localhost:{server.port}", f"[::1]:{server.port}"):
        assert server.get("/healthz", host=host).status_code == 200
    assert _not_found(server.get("/v1/keys/"))
    started = server.err.read_text()
    assert "answering to 127.0.0.1, localhost, [::1]" in started
    assert "warning" not in started


def test_on_a_public_address_without_a_list_it_warns_and_never_redirects(
    serve: Callable[..., Serve],
) -> None:
    server = serve("--host", "0.0.0.0")
    assert _not_found(server.get("/v1/keys/", host=EVIL))
    assert server.get("/healthz", host=EVIL).status_code == 200
    started = server.err.read_text()
    assert "warning: answering requests for any host name" in started
    assert "AGENTKEYS_ALLOWED_HOSTS=" in started


def test_with_a_list_it_answers_those_names(serve: Callable[..., Serve]) -> None:
    server = serve("--host", "0.0.0.0", AGENTKEYS_ALLOWED_HOSTS="keys.example.com")
    assert server.get("/healthz", host=f"keys.example.com:{server.port}").status_code == 200
    assert _refused(server.get("/healthz", host=f"127.0.0.1:{server.port}"))
    assert _not_found(server.get("/v1/keys/", host="keys.example.com"))
    assert "warning" not in server.err.read_text()


def test_a_list_that_cannot_work_stops_it_cleanly(tmp_path: Path) -> None:
    result = run_agentkeys("serve", "--port", "0", home=tmp_path / "home",
                           AGENTKEYS_ALLOWED_HOSTS="keys.example.com:443")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "without a port" in result.stderr


def test_its_database_files_are_private_and_its_log_keeps_no_token(
    serve: Callable[..., Serve],
) -> None:
    server = serve()
    made = run_agentkeys("server", "add-user", "--email", "a@b.c", "--name", "A", "--role",
                         "admin", "--database", f"sqlite:///{server.database}",
                         home=server.home)
    assert made.returncode == 0, made.stderr
    login = made.stdout.strip()
    assert server.get("/v1/me", authorization=f"Bearer {login}").status_code == 200

    files = [server.database.with_name(server.database.name + suffix)
             for suffix in ("", "-wal", "-shm")]
    assert {f.name: stat.S_IMODE(f.stat().st_mode) for f in files} == {
        f.name: 0o600 for f in files}

    token = keyformat.generate(TokenKind.AGENT)
    body = token.split("_", 2)[2]
    # `_` encoded once, every third character twice: ak%5Flive%5F%2541b…
    hidden = "".join("%5F" if c == "_" else f"%25{ord(c):02X}" if i % 3 == 0 else c
                     for i, c in enumerate(token))
    server.get(f"/v1/keys?q={hidden}%0AINFO:%20forged", authorization=f"Bearer {login}")
    deadline = time.monotonic() + 10
    while "/v1/keys?q=" not in server.out.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    line = next(x for x in server.out.read_text().splitlines() if "/v1/keys?q=" in x)
    assert "/v1/keys?q=[token redacted]%0AINFO:%20forged" in line, line
    for _ in range(3):  # nor after anyone decodes the line
        assert body[-20:] not in line
        line = unquote(line)
