"""Two `agentkeys serve` processes on one PostgreSQL database behave as one server.

A key revoked through one is rejected by the other on its very next verify; a key limited
to N requests per minute accepts exactly N of a concurrent burst of 3N spread over both.
Each test gets a fresh schema in the `test` database. Skips with the reason when
PostgreSQL is unreachable; fails instead under CI=true.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tui_app.domain.clock import to_rfc3339

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

AGENTKEYS = [sys.executable, "-c", "from tui_app.cli import main; main()"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Cluster:
    urls: list[str]
    service_token: str  # a gateway's login token: calls /v1/verify
    member_token: str  # owns the keys

    def create_key(self, **fields: object) -> tuple[str, str]:
        expires = to_rfc3339(datetime.now(UTC) + timedelta(days=7))
        response = httpx.post(
            f"{self.urls[0]}/v1/keys", json={"name": "mp key", "expires_at": expires, **fields},
            headers={"Authorization": f"Bearer {self.member_token}",
                     "Idempotency-Key": uuid.uuid4().hex},
        )
        assert response.status_code == 201, response.text
        return response.json()["key"]["id"], response.json()["secret"]

    def verify(self, server: int, secret: str) -> dict[str, object]:
        response = httpx.post(
            f"{self.urls[server]}/v1/verify", json={"key": secret},
            headers={"Authorization": f"Bearer {self.service_token}"},
        )
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]


def _add_user(url: str, env: dict[str, str], email: str, role: str) -> str:
    result = subprocess.run(
        [*AGENTKEYS, "server", "add-user", "--email", email, "--name", role.title(),
         "--role", role, "--database", url],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.fixture
def cluster(pg_url: str, tmp_path: Path) -> Iterator[Cluster]:
    # One AGENTKEYS_HOME: both servers read the same pepper file, as two hosts sharing a
    # config would.
    env = {**os.environ, "AGENTKEYS_HOME": str(tmp_path / "home")}
    env.pop("AGENTKEYS_DATABASE_URL", None)
    service = _add_user(pg_url, env, "gateway@mp.example", "service")
    member = _add_user(pg_url, env, "member@mp.example", "member")
    processes: list[subprocess.Popen[bytes]] = []
    urls = []
    try:
        for index in range(2):
            port = _free_port()
            log = open(tmp_path / f"serve-{index}.log", "wb")  # noqa: SIM115 - closed below
            processes.append(subprocess.Popen(
                [*AGENTKEYS, "serve", "--port", str(port), "--database", pg_url],
                env=env, stdout=log, stderr=subprocess.STDOUT,
            ))
            log.close()
            urls.append(f"http://127.0.0.1:{port}")
        for url, process in zip(urls, processes, strict=True):
            _wait_ready(url, process)
        yield Cluster(urls, service, member)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    for index in range(2):  # the servers' logs never hold a secret
        assert "ak_live_" not in (tmp_path / f"serve-{index}.log").read_text(errors="replace")


def _wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, f"server exited with {process.returncode}"
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} did not become ready")


def test_revoked_through_one_is_rejected_by_the_other(cluster: Cluster) -> None:
    key_id, secret = cluster.create_key()
    # Both servers accept it first (and server 1 may have looked it up already).
    assert cluster.verify(1, secret)["valid"] is True
    assert cluster.verify(0, secret)["valid"] is True
    revoked = httpx.post(f"{cluster.urls[0]}/v1/keys/{key_id}/revoke",
                         headers={"Authorization": f"Bearer {cluster.member_token}"})
    assert revoked.status_code == 200, revoked.text
    answer = cluster.verify(1, secret)
    assert answer["valid"] is False
    assert answer["code"] == "TOKEN_REVOKED"


def _wait_for_fresh_minute(margin: float = 8.0) -> None:
    """Rate limits count per calendar minute: keep the burst inside one window."""
    into = time.time() % 60
    if into > 60 - margin:
        time.sleep(60 - into + 0.2)


def test_rate_limit_holds_across_processes(cluster: Cluster) -> None:
    limit = 6
    _, secret = cluster.create_key(rate_limit_rpm=limit)

    async def burst() -> list[dict[str, object]]:
        async with httpx.AsyncClient(
            headers={"Authorization": f"Bearer {cluster.service_token}"}, timeout=30
        ) as client:
            async def one(index: int) -> dict[str, object]:
                response = await client.post(
                    f"{cluster.urls[index % 2]}/v1/verify", json={"key": secret}
                )
                assert response.status_code == 200, response.text
                return response.json()  # type: ignore[no-any-return]

            return await asyncio.gather(*(one(i) for i in range(3 * limit)))

    _wait_for_fresh_minute()
    answers = asyncio.run(burst())
    accepted = [a for a in answers if a["valid"] is True]
    refused = [a for a in answers if a["valid"] is False]
    assert len(accepted) == limit, [a["code"] for a in answers]
    assert {a["code"] for a in refused} == {"RATE_LIMITED"}
    assert all(a["ratelimit"]["limit"] == limit for a in answers)  # type: ignore[index]
