"""Two `agentkeys serve` processes on one database, as two hosts of one organisation.

Used by the multi-process tests (imported as `serve_cluster`). Both processes share one
AGENTKEYS_HOME, so they read the same pepper file, as two hosts sharing a config would.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from tui_app.domain.clock import to_rfc3339

AGENTKEYS = [sys.executable, "-c", "from tui_app.cli import main; main()"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Cluster:
    urls: list[str]
    service_token: str  # a gateway's login token: calls /v1/verify
    member_token: str  # owns the keys
    admin_token: str  # adds and deactivates people

    def create_key(self, **fields: object) -> tuple[str, str]:
        response = httpx.post(
            f"{self.urls[0]}/v1/keys", json=key_body(**fields),
            headers={**bearer(self.member_token), "Idempotency-Key": uuid.uuid4().hex},
        )
        assert response.status_code == 201, response.text
        return response.json()["key"]["id"], response.json()["secret"]

    def verify(self, server: int, secret: str) -> dict[str, object]:
        response = httpx.post(f"{self.urls[server]}/v1/verify", json={"key": secret},
                              headers=bearer(self.service_token))
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    def add_member(self, email: str) -> tuple[str, str]:
        """A new member through the API: (user id, login token)."""
        response = httpx.post(f"{self.urls[0]}/v1/users", headers=bearer(self.admin_token),
                              json={"email": email, "name": "Member", "role": "member"})
        assert response.status_code == 201, response.text
        return response.json()["user"]["id"], response.json()["token"]


def key_body(**fields: object) -> dict[str, object]:
    expires = to_rfc3339(datetime.now(UTC) + timedelta(days=7))
    return {"name": "mp key", "expires_at": expires, **fields}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _add_user(url: str, env: dict[str, str], email: str, role: str) -> str:
    result = subprocess.run(
        [*AGENTKEYS, "server", "add-user", "--email", email, "--name", role.title(),
         "--role", role, "--database", url],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@contextmanager
def serve_cluster(db_url: str, tmp_path: Path) -> Iterator[Cluster]:
    env = {**os.environ, "AGENTKEYS_HOME": str(tmp_path / "home")}
    env.pop("AGENTKEYS_DATABASE_URL", None)
    service = _add_user(db_url, env, "gateway@mp.example", "service")
    member = _add_user(db_url, env, "member@mp.example", "member")
    admin = _add_user(db_url, env, "admin@mp.example", "admin")
    processes: list[subprocess.Popen[bytes]] = []
    urls = []
    try:
        for index in range(2):
            port = _free_port()
            log = open(tmp_path / f"serve-{index}.log", "wb")  # noqa: SIM115 - closed below
            processes.append(subprocess.Popen(
                [*AGENTKEYS, "serve", "--port", str(port), "--database", db_url],
                env=env, stdout=log, stderr=subprocess.STDOUT,
            ))
            log.close()
            urls.append(f"http://127.0.0.1:{port}")
        for url, process in zip(urls, processes, strict=True):
            _wait_ready(url, process)
        yield Cluster(urls, service, member, admin)
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
