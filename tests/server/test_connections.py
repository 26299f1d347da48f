"""Connections: the device flow and the authorization code flow with PKCE on Authlib's
grants, approval by a person with one of their keys, key sessions that act as their key
and end with it, refresh tokens that rotate and are used once."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from backend_people import auth
from support import create_key

from tui_app.domain.clock import parse_rfc3339, to_rfc3339
from tui_app.domain.connections import USER_CODE_ALPHABET

DEVICE = "urn:ietf:params:oauth:grant-type:device_code"
REDIRECT = "http://127.0.0.1:9999/callback"


@pytest.fixture
async def http(server_app):
    """The app on a loopback name: OAuth refuses plain http anywhere else."""
    transport = httpx.ASGITransport(app=server_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8765") as c:
        yield c


async def _register(http, **extra):
    body = {"client_name": "Claude Code", "redirect_uris": [REDIRECT],
            "grant_types": ["authorization_code", "refresh_token", DEVICE]} | extra
    r = await http.post("/v1/oauth/register", json=body)
    assert r.status_code == 201, r.text
    return r.json()["client_id"]


async def _device(http, client_id, scope="read_write"):
    r = await http.post("/v1/oauth/device/code", data={"client_id": client_id, "scope": scope})
    assert r.status_code == 200, r.text
    return r.json()


async def _poll(http, client_id, device_code):
    return await http.post("/v1/oauth/token", data={
        "grant_type": DEVICE, "device_code": device_code, "client_id": client_id})


async def test_discovery_names_every_endpoint(http):
    meta = (await http.get("/.well-known/oauth-authorization-server")).json()
    base = "http://127.0.0.1:8765"
    assert meta["issuer"] == base
    assert meta["authorization_endpoint"] == f"{base}/v1/oauth/authorize"
    assert meta["device_authorization_endpoint"] == f"{base}/v1/oauth/device/code"
    assert meta["code_challenge_methods_supported"] == ["S256"]
    resource = (await http.get("/.well-known/oauth-protected-resource/v1/mcp")).json()
    assert resource["resource"] == f"{base}/v1/mcp"
    assert resource["authorization_servers"] == [base]
    r = await http.post("/v1/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == (
        'Bearer error="invalid_token", resource_metadata='
        f'"{base}/.well-known/oauth-protected-resource/v1/mcp"')


async def test_the_device_flow_from_code_to_session(http, api, org, clock):
    key, _ = await create_key(api, org.owner, scope="read_write",
                              expires_at=to_rfc3339(clock.now + timedelta(days=2)))
    client_id = await _register(http, client_name="agentkeys CLI", redirect_uris=[],
                                grant_types=[DEVICE, "refresh_token"])
    started = await _device(http, client_id)
    assert re.fullmatch(f"[{USER_CODE_ALPHABET}]{{4}}-[{USER_CODE_ALPHABET}]{{4}}",
                        started["user_code"])
    assert started["expires_in"] == 600 and started["interval"] == 5
    assert started["verification_uri"] == "http://127.0.0.1:8765/v1/oauth/device"
    code, device_code = started["user_code"], started["device_code"]

    r = await _poll(http, client_id, device_code)
    assert r.status_code == 400 and r.json()["error"] == "authorization_pending"
    r = await _poll(http, client_id, device_code)  # too soon: slow down, by 5 s more
    assert r.json()["error"] == "slow_down"
    clock.advance(seconds=6)  # the interval is 10 s now
    assert (await _poll(http, client_id, device_code)).json()["error"] == "slow_down"
    clock.advance(seconds=16)
    assert (await _poll(http, client_id, device_code)).json()["error"] == "authorization_pending"

    seen = await api.get(f"/v1/connections/pending/{code.lower().replace('-', '')}",
                         headers=org.owner.headers)
    assert seen.status_code == 200, seen.text
    assert seen.json()["client_name"] == "agentkeys CLI" and seen.json()["status"] == "pending"
    approved = await api.post("/v1/connections/approve", headers=org.owner.headers,
                              json={"user_code": code, "key_id": key["id"]})
    assert approved.status_code == 200, approved.text
    assert approved.json()["extended_to"] is None and approved.json()["scope"] == "read_write"

    clock.advance(seconds=16)
    r = await _poll(http, client_id, device_code)
    assert r.status_code == 200, r.text
    tokens = r.json()
    assert tokens["access_token"].startswith("aks_live_") and tokens["refresh_token"]
    assert tokens["expires_in"] == 8 * 3600 and tokens["token_type"] == "Bearer"
    # A device code gives one session.
    clock.advance(seconds=16)
    again = await _poll(http, client_id, device_code)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"

    session = tokens["access_token"]
    who = await http.get("/v1/agent/whoami", headers=auth(session))
    assert who.status_code == 200 and who.json()["id"] == key["id"]
    verdict = (await http.post("/v1/verify", json={"key": session, "access": "write"},
                               headers=org.service.headers)).json()
    assert verdict["valid"] is True and verdict["key"]["id"] == key["id"]
    sessions = (await api.get(f"/v1/keys/{key['id']}/sessions",
                              headers=org.owner.headers)).json()["items"]
    assert [(s["client_name"], s["scope"]) for s in sessions] == [("agentkeys CLI", "read_write")]
    activity = (await api.get(f"/v1/keys/{key['id']}/activity",
                              headers=org.owner.headers)).json()["items"]
    assert activity and all(e["session_id"] == sessions[0]["id"] for e in activity)
    audit = (await api.get("/v1/audit", headers=org.owner.headers)).json()["items"]
    assert audit[0]["action"] == "connection.approved"
    assert audit[0]["details"]["client"] == "agentkeys CLI"


async def test_approving_with_an_expired_key_extends_it_by_30_days(http, api, org, clock):
    key, _ = await create_key(api, org.owner, scope="read",
                              expires_at=to_rfc3339(clock.now + timedelta(days=1)))
    clock.advance(days=3)
    client_id = await _register(http, redirect_uris=[], grant_types=[DEVICE])
    started = await _device(http, client_id)
    r = await api.post("/v1/connections/approve", headers=org.owner.headers,
                       json={"user_code": started["user_code"], "key_id": key["id"]})
    assert r.status_code == 200, r.text
    assert parse_rfc3339(r.json()["extended_to"]) == clock.now + timedelta(days=30)
    assert r.json()["scope"] == "read"  # a read key gives a read session
    after = (await api.get(f"/v1/keys/{key['id']}", headers=org.owner.headers)).json()
    assert after["status"] == "active"
    assert parse_rfc3339(after["expires_at"]) == clock.now + timedelta(days=30)
    audit = (await api.get(f"/v1/audit?key_id={key['id']}", headers=org.owner.headers)).json()
    assert {"key.extended", "connection.approved"} <= {e["action"] for e in audit["items"]}
    clock.advance(seconds=6)
    tokens = (await _poll(http, client_id, started["device_code"])).json()
    verdict = (await http.post("/v1/verify", json={"key": tokens["access_token"],
                                                   "access": "write"},
                               headers=org.service.headers)).json()
    assert verdict["code"] == "SCOPE_FORBIDDEN"


async def test_deny_and_expiry_end_the_wait(http, api, org, clock):
    client_id = await _register(http, redirect_uris=[], grant_types=[DEVICE])
    denied = await _device(http, client_id)
    r = await api.post("/v1/connections/deny", headers=org.member.headers,
                       json={"user_code": denied["user_code"]})
    assert r.status_code == 204
    clock.advance(seconds=6)
    assert (await _poll(http, client_id, denied["device_code"])).json()["error"] == "access_denied"
    late = await _device(http, client_id)
    clock.advance(minutes=11)
    assert (await _poll(http, client_id, late["device_code"])).json()["error"] == "expired_token"
    r = await api.post("/v1/connections/deny", headers=org.member.headers,
                       json={"user_code": late["user_code"]})
    assert r.status_code == 409 and r.json()["error"]["code"] == "CODE_EXPIRED"


async def test_only_your_own_usable_keys_can_be_picked(http, api, org):
    theirs, _ = await create_key(api, org.owner)
    revoked, _ = await create_key(api, org.manager)
    await api.post(f"/v1/keys/{revoked['id']}/revoke", headers=org.manager.headers)
    client_id = await _register(http, redirect_uris=[], grant_types=[DEVICE])
    code = (await _device(http, client_id))["user_code"]
    # A manager sees the member's key but cannot lend it to an agent.
    r = await api.post("/v1/connections/approve", headers=org.manager.headers,
                       json={"user_code": code, "key_id": theirs["id"]})
    assert r.status_code == 404
    r = await api.post("/v1/connections/approve", headers=org.manager.headers,
                       json={"user_code": code, "key_id": revoked["id"]})
    assert r.status_code == 409
    for bad in ("nope", "AAAA-AAAA", "", "BCDF-GHJ"):
        r = await api.get(f"/v1/connections/pending/{bad or 'x'}", headers=org.owner.headers)
        assert r.status_code == 422, bad
    r = await api.get("/v1/connections/pending/BCDF-GHJK", headers=org.owner.headers)
    assert r.status_code == 404
    r = await api.post("/v1/connections/approve", headers=org.service.headers,
                       json={"user_code": code, "key_id": theirs["id"]})
    assert r.status_code == 403


def _pkce():
    verifier = base64.urlsafe_b64encode(b"v" * 48).decode().rstrip("=")
    challenge = base64.urlsafe_b64encode(
        hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


async def _authorize(http, client, challenge, **extra):
    params = {"response_type": "code", "client_id": client, "redirect_uri": REDIRECT,
              "state": "xyz", "code_challenge": challenge, "code_challenge_method": "S256",
              "scope": "read_write"} | extra
    return await http.get("/v1/oauth/authorize", params=params)


async def test_the_authorization_code_flow_with_pkce(http, api, org, clock):
    key, _ = await create_key(api, org.owner, scope="read_write")
    client_id = await _register(http)
    verifier, challenge = _pkce()
    r = await _authorize(http, client_id, challenge)
    assert r.status_code == 200, r.text
    assert "Claude Code" in r.text and "password" in r.text  # "never asks for a password"
    assert "script" not in r.text.lower()
    assert "default-src 'none'" in r.headers["content-security-policy"]
    code = re.search(r'id="user-code">([A-Z-]+)<', r.text).group(1)
    follow = re.search(r'href="([^"]+)"', r.text).group(1).replace("&amp;", "&")
    waiting = await http.get(follow)
    assert waiting.status_code == 200 and code in waiting.text
    await api.post("/v1/connections/approve", headers=org.owner.headers,
                   json={"user_code": code, "key_id": key["id"]})
    done = await http.get(follow)
    assert done.status_code == 302, done.text
    location = urlsplit(done.headers["location"])
    query = parse_qs(location.query)
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    assert query["state"] == ["xyz"]
    auth_code = query["code"][0]
    exchange = {"grant_type": "authorization_code", "code": auth_code, "client_id": client_id,
                "redirect_uri": REDIRECT}
    wrong = await http.post("/v1/oauth/token", data=exchange | {"code_verifier": "w" * 50})
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    elsewhere = await http.post("/v1/oauth/token", data=exchange | {
        "code_verifier": verifier, "redirect_uri": "http://127.0.0.1:9999/other"})
    assert elsewhere.json()["error"] == "invalid_grant"
    r = await http.post("/v1/oauth/token", data=exchange | {"code_verifier": verifier})
    assert r.status_code == 200, r.text
    assert r.json()["access_token"].startswith("aks_")
    reused = await http.post("/v1/oauth/token", data=exchange | {"code_verifier": verifier})
    assert reused.json()["error"] == "invalid_grant"
    assert (await http.get(follow)).status_code == 410  # the page says it is done


async def test_a_denied_authorization_goes_back_with_access_denied(http, api, org):
    client_id = await _register(http)
    _, challenge = _pkce()
    page = await _authorize(http, client_id, challenge)
    code = re.search(r'id="user-code">([A-Z-]+)<', page.text).group(1)
    follow = re.search(r'href="([^"]+)"', page.text).group(1).replace("&amp;", "&")
    await api.post("/v1/connections/deny", headers=org.owner.headers, json={"user_code": code})
    r = await http.get(follow)
    query = parse_qs(urlsplit(r.headers["location"]).query)
    assert query["error"] == ["access_denied"] and query["state"] == ["xyz"]


async def test_authorization_requests_that_are_refused(http):
    client_id = await _register(http)
    _, challenge = _pkce()
    cases = [
        {"code_challenge_method": "plain"},
        {"code_challenge": ""},
        {"redirect_uri": "https://evil.example/cb"},
        {"client_id": "cli_unknown"},
        {"resource": "https://other.example/v1/mcp"},
    ]
    for extra in cases:
        r = await _authorize(http, client_id, challenge, **extra)
        assert r.status_code == 400, extra
        assert "location" not in r.headers  # never sent back to an unchecked address
    bad = await http.post("/v1/oauth/register", json={"redirect_uris": ["javascript:x"]})
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_redirect_uri"
    bad = await http.post("/v1/oauth/register", json={"redirect_uris": ["http://evil.example/"]})
    assert bad.status_code == 400


async def _session(http, api, org, clock, **key_fields):
    key, _ = await create_key(api, org.owner, scope="read_write", **key_fields)
    client_id = await _register(http, redirect_uris=[], grant_types=[DEVICE, "refresh_token"])
    started = await _device(http, client_id)
    await api.post("/v1/connections/approve", headers=org.owner.headers,
                   json={"user_code": started["user_code"], "key_id": key["id"]})
    clock.advance(seconds=6)
    tokens = (await _poll(http, client_id, started["device_code"])).json()
    return key, client_id, tokens


async def test_refresh_rotates_and_a_replayed_token_ends_the_session(http, api, org, clock):
    _, client_id, tokens = await _session(http, api, org, clock)
    refresh = {"grant_type": "refresh_token", "client_id": client_id}
    first = refresh | {"refresh_token": tokens["refresh_token"]}
    r = await http.post("/v1/oauth/token", data=first)
    assert r.status_code == 200, r.text
    renewed = r.json()
    assert renewed["refresh_token"] != tokens["refresh_token"]
    assert (await http.get("/v1/agent/whoami", headers=auth(renewed["access_token"]))
            ).status_code == 200
    # The first refresh token again: stolen or replayed. It is refused, and the session
    # ends, so the newer tokens stop working too.
    replay = await http.post("/v1/oauth/token",
                             data=refresh | {"refresh_token": tokens["refresh_token"]})
    assert replay.json()["error"] == "invalid_grant"
    who = await http.get("/v1/agent/whoami", headers=auth(renewed["access_token"]))
    assert who.status_code == 401 and who.json()["error"]["code"] == "TOKEN_REVOKED"
    second = refresh | {"refresh_token": renewed["refresh_token"]}
    r = await http.post("/v1/oauth/token", data=second)
    assert r.json()["error"] == "invalid_grant"


async def test_sessions_end_on_their_own_and_with_their_key(http, api, org, clock):
    key, client_id, tokens = await _session(http, api, org, clock)
    session = tokens["access_token"]
    clock.advance(hours=8, seconds=1)
    who = await http.get("/v1/agent/whoami", headers=auth(session))
    assert who.status_code == 401 and who.json()["error"]["code"] == "TOKEN_EXPIRED"
    r = await http.post("/v1/oauth/token", data={
        "grant_type": "refresh_token", "client_id": client_id,
        "refresh_token": tokens["refresh_token"]})
    assert r.status_code == 200, r.text
    session = r.json()["access_token"]
    assert (await http.get("/v1/agent/whoami", headers=auth(session))).status_code == 200
    # Disabling the key ends its sessions for good: enabling it again does not bring them back.
    await api.post(f"/v1/keys/{key['id']}/disable", headers=org.owner.headers)
    await api.post(f"/v1/keys/{key['id']}/enable", headers=org.owner.headers)
    who = await http.get("/v1/agent/whoami", headers=auth(session))
    assert who.status_code == 401 and who.json()["error"]["code"] == "TOKEN_REVOKED"
    listed = (await api.get(f"/v1/keys/{key['id']}/sessions", headers=org.owner.headers)).json()
    assert listed["items"][0]["revoked_at"] is not None


async def test_a_session_revoked_from_its_key_stops(http, api, org, clock):
    key, _, tokens = await _session(http, api, org, clock)
    sessions = (await api.get(f"/v1/keys/{key['id']}/sessions",
                              headers=org.owner.headers)).json()["items"]
    assert (await api.post(f"/v1/sessions/{sessions[0]['id']}/revoke",
                           headers=org.member.headers)).status_code == 404
    r = await api.post(f"/v1/sessions/{sessions[0]['id']}/revoke", headers=org.owner.headers)
    assert r.status_code == 200 and r.json()["revoked_at"] is not None
    who = await http.get("/v1/agent/whoami", headers=auth(tokens["access_token"]))
    assert who.status_code == 401 and who.json()["error"]["code"] == "TOKEN_REVOKED"
    # The key itself goes on working.
    assert (await api.get(f"/v1/keys/{key['id']}", headers=org.owner.headers)
            ).json()["status"] == "active"


async def test_a_session_never_outlives_its_key(http, api, org, clock):
    _, client_id, tokens = await _session(
        http, api, org, clock, expires_at=to_rfc3339(clock.now + timedelta(hours=2)))
    assert tokens["expires_in"] <= 2 * 3600
    clock.advance(hours=2, seconds=1)
    who = await http.get("/v1/agent/whoami", headers=auth(tokens["access_token"]))
    assert who.json()["error"]["code"] in ("TOKEN_EXPIRED",)
    r = await http.post("/v1/oauth/token", data={
        "grant_type": "refresh_token", "client_id": client_id,
        "refresh_token": tokens["refresh_token"]})
    assert r.json()["error"] == "invalid_grant"


async def test_deactivating_the_owner_ends_the_sessions_for_good(http, api, org, clock):
    key, _, tokens = await _session(http, api, org, clock)
    owner_id = org.owner.id
    r = await api.post(f"/v1/users/{owner_id}/deactivate", headers=org.admin.headers)
    assert r.status_code == 200, r.text
    who = await http.get("/v1/agent/whoami", headers=auth(tokens["access_token"]))
    assert who.status_code == 401
    r = await api.post(f"/v1/users/{owner_id}/reactivate", headers=org.admin.headers)
    assert r.status_code == 200, r.text
    assert (await http.get("/v1/agent/whoami", headers=auth(tokens["access_token"]))
            ).json()["error"]["code"] == "TOKEN_REVOKED"
    sessions = (await api.get(f"/v1/keys/{key['id']}/sessions",
                              headers=org.admin.headers)).json()["items"]
    assert sessions[0]["revoked_at"] is not None
