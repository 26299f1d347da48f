"""A person deactivated while their keys are being created: no key of theirs works after.

Creates by one member run concurrently through two `serve` processes on one database
while an admin deactivates the member through one of them. Whatever the interleaving,
each create either fails with TOKEN_INACTIVE or makes a key the deactivation reaches:
afterwards, every secret handed out is refused by verify. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from serve_cluster import Cluster, bearer, key_body, serve_cluster

pytestmark = [pytest.mark.slow]

WORKERS = 6  # creating side by side, half through each server
ROUNDS = 3


@pytest.fixture
def cluster(db_url: str, tmp_path: Path) -> Iterator[Cluster]:
    with serve_cluster(db_url, tmp_path) as running:
        yield running


async def _creates_racing_a_deactivation(cluster: Cluster, user_id: str,
                                         token: str) -> list[httpx.Response]:
    """Workers create keys back to back; after the first few land, the admin deactivates
    the member; each worker stops after its first create that began once the
    deactivation had answered. So creates run before, during and after it."""
    answers: list[httpx.Response] = []
    started = asyncio.Event()
    deactivated = asyncio.Event()
    async with httpx.AsyncClient(timeout=60) as client:
        async def worker(index: int) -> None:
            while True:
                after = deactivated.is_set()
                answers.append(await client.post(
                    f"{cluster.urls[index % 2]}/v1/keys", json=key_body(name=f"race {index}"),
                    headers={**bearer(token), "Idempotency-Key": uuid.uuid4().hex},
                ))
                if len(answers) >= WORKERS:
                    started.set()
                if after:
                    return

        async def deactivate() -> None:
            await started.wait()
            response = await client.post(f"{cluster.urls[1]}/v1/users/{user_id}/deactivate",
                                         headers=bearer(cluster.admin_token))
            assert response.status_code == 200, response.text
            deactivated.set()

        await asyncio.gather(*(worker(i) for i in range(WORKERS)), deactivate())
    return answers


def test_no_key_created_during_a_deactivation_works(cluster: Cluster) -> None:
    handed_out = refused = 0
    for round_ in range(ROUNDS):
        user_id, token = cluster.add_member(f"racer{round_}@mp.example")
        answers = asyncio.run(_creates_racing_a_deactivation(cluster, user_id, token))
        for answer in answers:
            if answer.status_code == 201:
                handed_out += 1
                verdict = cluster.verify(round_ % 2, answer.json()["secret"])
                assert verdict["valid"] is False, answer.json()["key"]["name"]
                assert verdict["code"] == "TOKEN_INACTIVE"
            else:
                refused += 1
                assert answer.status_code == 401, answer.text
                assert answer.json()["error"]["code"] in ("TOKEN_INACTIVE", "TOKEN_INVALID")
    assert handed_out >= WORKERS * ROUNDS  # the creates before the deactivation
    assert refused >= WORKERS * ROUNDS  # one by each worker after it, at least
