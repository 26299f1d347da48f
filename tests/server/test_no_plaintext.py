"""No plaintext: secrets appear only in create responses — never in the database file,
the server's log, or any other response."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import httpx
from backend_people import auth
from support import create_key


async def test_no_secret_outside_create_responses(sqlite_url, clock, caplog, tmp_path) -> None:
    from backend_people import make_org

    from tui_app.server.api.app import create_app
    from tui_app.server.settings import Settings

    caplog.set_level(logging.DEBUG)
    settings = Settings(database_url=sqlite_url, pepper=b"p" * 32, clock=clock)
    app = create_app(settings)
    org = make_org(app)
    secrets: list[str] = [p.token for p in (org.admin, org.owner, org.manager, org.service)]
    other_responses: list[str] = []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as api:

        async def call(method: str, url: str, **kw):
            r = await api.request(method, url, **kw)
            other_responses.append(r.text)
            return r

        r = await api.post("/v1/users", json={"email": "n@x.y", "name": "N"},
                           headers=org.admin.headers)
        secrets.append(r.json()["token"])
        keys = []
        for i in range(4):
            key, secret = await create_key(api, org.owner, name=f"k{i}", rate_limit_rpm=100)
            keys.append(key)
            secrets.append(secret)
        retried = await api.post("/v1/keys", json={"name": "idem"},
                                 headers=org.owner.headers | {"Idempotency-Key": "i1"})
        secrets.append(retried.json()["secret"])
        retried = await api.post("/v1/keys", json={"name": "idem"},
                                 headers=org.owner.headers | {"Idempotency-Key": "i1"})
        secrets.append(retried.json()["secret"])
        for secret in secrets[5:]:
            await call("POST", "/v1/verify", json={"key": secret, "tool": "t"},
                       headers=org.service.headers)
            await call("GET", "/v1/agent/whoami", headers=auth(secret))
            # Misuse: a secret sent where a login token belongs, and in a key id.
            await call("GET", "/v1/keys", headers=auth(secret))
            await call("GET", f"/v1/keys/{secret}", headers=org.owner.headers)
        for key in keys:
            await call("PATCH", f"/v1/keys/{key['id']}", json={"name": "renamed"},
                       headers=org.owner.headers)
        await call("POST", "/v1/admin/keys/bulk",
                   json={"action": "disable", "ids": [k["id"] for k in keys]},
                   headers=org.admin.headers)
        await call("DELETE", f"/v1/keys/{keys[0]['id']}", headers=org.owner.headers)
        await call("GET", "/v1/keys", headers=org.owner.headers)
        await call("GET", "/v1/admin/keys", params={"include_totals": "true"},
                   headers=org.admin.headers)
        await call("GET", "/v1/audit", headers=org.admin.headers)
        await call("GET", "/v1/users", headers=org.admin.headers)
        await call("GET", "/v1/me", headers=org.owner.headers)
    app.state.engine.dispose()

    db_path = Path(sqlite_url.removeprefix("sqlite:///"))
    stored = b"".join(p.read_bytes() for p in db_path.parent.glob(db_path.name + "*"))
    # The server's log: everything but the test's own HTTP client (which logs URLs,
    # and this test puts secrets in URLs on purpose).
    log_text = "\n".join(r.getMessage() for r in caplog.records
                         if not r.name.startswith(("httpx", "httpcore")))
    assert len(secrets) == 11
    for secret in secrets:
        body = secret[8:] if secret.startswith("ak_") else secret[9:]
        assert body.encode() not in stored
        # Digests are peppered: a plain SHA-256 of the token is not there either.
        assert hashlib.sha256(secret.encode()).hexdigest().encode() not in stored
        assert body not in log_text
        assert not any(body in text for text in other_responses)


def test_embedded_server_over_http_keeps_secrets_out_of_logs(embedded_server, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    with httpx.Client(base_url=embedded_server.url, headers=auth(embedded_server.token)) as c:
        assert c.get("/v1/me").json()["user"]["role"] == "admin"
        r = c.post("/v1/keys", json={"name": "http key"})
        secret = r.json()["secret"]
        assert c.get("/v1/agent/whoami", headers=auth(secret)).status_code == 200
        assert c.get("/v1/nope", headers=auth(secret)).status_code == 404
    server_log = "\n".join(r.getMessage() for r in caplog.records
                           if not r.name.startswith(("httpx", "httpcore")))
    assert secret not in server_log and embedded_server.token not in server_log
    assert embedded_server.token not in repr(embedded_server)
