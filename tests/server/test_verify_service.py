"""The verify use case without HTTP: a Verdict record out, domain errors for a gateway
that may not verify; on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from backend_people import Org

from tui_app.domain import keyformat
from tui_app.domain.checks import NewKeyInput
from tui_app.domain.errors import Forbidden, Unauthorized
from tui_app.domain.models import AgentKey
from tui_app.domain.status import KeyStatus
from tui_app.server import security
from tui_app.server.services.auth import authenticate
from tui_app.server.services.backend import Backend
from tui_app.server.services.create_key import create_key
from tui_app.server.services.verify import verify_key


@pytest.fixture
def backend(server_app: Any) -> Backend:
    found: Backend = server_app.state.backend
    return found


def new_secret(backend: Backend, org: Org, **fields: Any) -> str:
    owner = authenticate(backend, org.owner.token)
    created = create_key(backend, owner, NewKeyInput(name="verified", **fields),
                         idempotency_key=None, fingerprint="", source="api")
    return created.secret


async def test_a_verdict_carries_the_key_and_its_window(backend: Backend, org: Org,
                                                        clock) -> None:
    secret = new_secret(backend, org, rate_limit_rpm=2, allowed_tools=("search",))
    first = await verify_key(backend, secret, tool="search")
    assert first.valid and first.message is None and first.at == clock.now
    assert isinstance(first.key, AgentKey) and first.key.status is KeyStatus.ACTIVE
    assert first.ratelimit is not None and first.ratelimit.remaining == 1
    assert first.gateway is None and first.retry_after is None
    refused = await verify_key(backend, secret, tool="deploy")
    assert refused.code == "TOOL_FORBIDDEN" and refused.key is not None
    assert refused.ratelimit is None  # a refused call is not counted
    await verify_key(backend, secret)
    limited = await verify_key(backend, secret)
    assert limited.code == "RATE_LIMITED" and limited.retry_after is not None
    assert 1 <= limited.retry_after <= 60


async def test_look_alikes_and_strangers(backend: Backend, org: Org) -> None:
    assert (await verify_key(backend, "  ")).code == "TOKEN_MISSING"
    assert (await verify_key(backend, "ak_live_short")).code == "TOKEN_MALFORMED"
    unknown = await verify_key(backend, keyformat.generate())
    assert unknown.code == "TOKEN_INVALID" and unknown.key is None


async def test_the_gateway_is_signed_in_with_the_key(backend: Backend, org: Org) -> None:
    secret = new_secret(backend, org)
    pepper = backend.settings.pepper_bytes
    verdict = await verify_key(backend, secret,
                               gateway_digest=security.digest(pepper, org.service.token))
    assert verdict.valid and verdict.gateway is not None
    assert verdict.gateway.id == org.service.id
    with pytest.raises(Forbidden):
        await verify_key(backend, secret, gateway_digest=security.digest(pepper, org.member.token))
    for person in (org.deactivated, org.revoked_login):
        with pytest.raises(Unauthorized):
            await verify_key(backend, secret,
                             gateway_digest=security.digest(pepper, person.token))
    with pytest.raises(Unauthorized):  # even when the key itself is malformed
        await verify_key(backend, "nonsense", gateway_digest="0" * 64)
