"""Deactivation through one `agentkeys serve` process is honoured by another at once.

The person's login token and every key of theirs are refused on their very next request
to the other process; reactivation through that other process restores them. Runs on a
SQLite file and on PostgreSQL, like test_multiprocess.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from serve_cluster import Cluster, bearer, serve_cluster

pytestmark = [pytest.mark.slow]


@pytest.fixture
def cluster(db_url: str, tmp_path: Path) -> Iterator[Cluster]:
    with serve_cluster(db_url, tmp_path) as running:
        yield running


def test_deactivation_reaches_the_other_process(cluster: Cluster) -> None:
    one, other = cluster.urls
    member = bearer(cluster.member_token)
    _, secret = cluster.create_key()
    # The other process knows the person and the key first (nothing cached may linger).
    assert httpx.get(f"{other}/v1/me", headers=member).status_code == 200
    assert cluster.verify(1, secret)["valid"] is True
    assert httpx.get(f"{other}/v1/agent/whoami", headers=bearer(secret)).status_code == 200
    me = httpx.get(f"{one}/v1/me", headers=member).json()["user"]["id"]
    r = httpx.post(f"{one}/v1/users/{me}/deactivate", headers=bearer(cluster.admin_token))
    assert r.status_code == 200 and r.json()["keys_affected"] == 1, r.text
    refused = httpx.get(f"{other}/v1/me", headers=member)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "TOKEN_INACTIVE"
    answer = cluster.verify(1, secret)
    assert answer["valid"] is False and answer["code"] == "TOKEN_INACTIVE"
    assert httpx.get(f"{other}/v1/agent/whoami", headers=bearer(secret)).status_code == 401
    r = httpx.post(f"{other}/v1/users/{me}/reactivate", headers=bearer(cluster.admin_token))
    assert r.status_code == 200 and r.json()["keys_affected"] == 1, r.text
    assert httpx.get(f"{one}/v1/me", headers=member).status_code == 200
    assert cluster.verify(0, secret)["valid"] is True
