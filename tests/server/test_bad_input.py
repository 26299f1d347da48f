"""Bad input is a 4xx with a message per field — never a 500."""

from __future__ import annotations

from datetime import timedelta

import pytest
from support import create_key, error, fields

from tui_app.domain.clock import to_rfc3339

BAD_CREATE = [
    ({"name": ""}, "name"),
    ({"name": "   "}, "name"),
    ({"name": "x" * 256}, "name"),
    ({"name": "x" * 20000}, "name"),
    ({"name": "bell\x07"}, "name"),
    ({"name": "esc\x1b]52;c;ZXZpbA==\x07"}, "name"),
    ({"name": "\u202eevil"}, "name"),
    ({"name": 5}, "name"),
    ({"name": None}, "name"),
    ({"name": ["a"]}, "name"),
    ({"name": "ok", "description": "d" * 1001}, "description"),
    ({"name": "ok", "scope": "admin"}, "scope"),
    ({"name": "ok", "expires_at": "tomorrow"}, "expires_at"),
    ({"name": "ok", "expires_at": "2020-01-01T00:00:00Z"}, "expires_at"),
    ({"name": "ok", "expires_at": "2126-01-01T00:00:00Z"}, "expires_at"),
    ({"name": "ok", "expires_at": 12}, "expires_at"),
    ({"name": "ok", "allowed_tools": "search"}, "allowed_tools"),
    ({"name": "ok", "allowed_tools": ["bad tool"]}, "allowed_tools"),
    ({"name": "ok", "allowed_tools": [1]}, "allowed_tools"),
    ({"name": "ok", "blocked_tools": [f"t{i}" for i in range(101)]}, "blocked_tools"),
    ({"name": "ok", "allowed_tools": ["a"], "blocked_tools": ["a"]}, "blocked_tools"),
    ({"name": "ok", "rate_limit_rpm": 0}, "rate_limit_rpm"),
    ({"name": "ok", "rate_limit_rpm": 100001}, "rate_limit_rpm"),
    ({"name": "ok", "rate_limit_rpm": "fast"}, "rate_limit_rpm"),
    ({"name": "ok", "rate_limit_rpm": 10**30}, "rate_limit_rpm"),
    ({"name": "ok", "accept_terms": "maybe"}, "accept_terms"),
    ({"name": "ok", "owner": "someone"}, "owner"),
    ({}, "name"),
]


@pytest.mark.parametrize(("body", "field"), BAD_CREATE)
async def test_bad_create_bodies(api, org, body, field) -> None:
    r = await api.post("/v1/keys", json=body, headers=org.owner.headers)
    assert r.status_code == 422, r.text
    messages = fields(r)
    assert field in messages, messages
    assert all(isinstance(m, str) and 5 < len(m) < 300 for m in messages.values())
    assert "\x1b" not in r.text and "\u202e" not in r.text


async def test_many_problems_reported_together(api, org) -> None:
    r = await api.post("/v1/keys", json={"name": "", "description": "d" * 1001,
                                         "rate_limit_rpm": 0}, headers=org.owner.headers)
    assert {"name", "description", "rate_limit_rpm"} <= set(fields(r))


@pytest.mark.parametrize("raw", [b"{bad json", b"[1, 2]", b"null", b'"text"', b"", b"\xff\xfe"])
async def test_malformed_bodies(api, org, raw) -> None:
    r = await api.post("/v1/keys", content=raw,
                       headers=org.owner.headers | {"Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    assert error(r)["code"] == "VALIDATION_FAILED"


async def test_huge_body_is_413(api, org) -> None:
    body = b'{"name": "' + b"x" * 100_000 + b'"}'
    r = await api.post("/v1/keys", content=body,
                       headers=org.owner.headers | {"Content-Type": "application/json"})
    assert r.status_code == 413 and error(r)["code"] == "PAYLOAD_TOO_LARGE"

    async def chunks():
        for _ in range(20):
            yield b"x" * 8192

    r = await api.post("/v1/keys", content=chunks(),
                       headers=org.owner.headers | {"Content-Type": "application/json"})
    assert r.status_code == 413


@pytest.mark.parametrize("params", [
    {"limit": 0}, {"limit": 501}, {"limit": "ten"}, {"sort": "secret"}, {"order": "up"},
    {"status": "active,bogus"}, {"cursor": "!!!"}, {"cursor": "eyJzIjoibmFtZSJ9"},
    {"q": "x" * 300},
])
async def test_bad_list_params(api, org, params) -> None:
    r = await api.get("/v1/keys", params=params, headers=org.owner.headers)
    assert r.status_code == 422, r.text
    assert error(r)["details"]


@pytest.mark.parametrize("params", [
    {"stale_days": -1}, {"expiring_within_days": "soon"}, {"never_used": "perhaps"},
    {"include_totals": "lots"}, {"cursor": "e30"}, {"limit": 10**20},
])
async def test_bad_admin_params(api, org, params) -> None:
    r = await api.get("/v1/admin/keys", params=params, headers=org.admin.headers)
    assert r.status_code == 422, r.text


async def test_cursor_of_another_sort_is_refused(api, org) -> None:
    for i in range(3):
        await create_key(api, org.owner, name=f"k{i}")
    page = (await api.get("/v1/keys", params={"limit": 1, "sort": "name"},
                          headers=org.owner.headers)).json()
    r = await api.get("/v1/keys", params={"limit": 1, "sort": "created_at",
                                          "cursor": page["next_cursor"]},
                      headers=org.owner.headers)
    assert "cursor" in fields(r)


async def test_bad_patch_bulk_users_verify_audit(api, org, clock) -> None:
    key, _ = await create_key(api, org.owner)
    url = f"/v1/keys/{key['id']}"
    h = org.owner.headers
    assert "name" in fields(await api.patch(url, json={"name": ""}, headers=h))
    assert "expires_at" in fields(await api.patch(
        url, json={"expires_at": to_rfc3339(clock.now - timedelta(days=1))}, headers=h))
    assert "color" in fields(await api.patch(url, json={"color": "red"}, headers=h))
    assert "If-Match" in fields(await api.patch(url, json={"name": "a"},
                                                headers=h | {"If-Match": "abc"}))
    a = org.admin.headers
    for body in [{"action": "explode", "ids": ["x"]}, {"action": "revoke", "ids": []},
                 {"action": "revoke", "ids": ["x"] * 1001}, {"action": "extend", "ids": ["x"]},
                 {"action": "extend", "ids": ["x"], "days": 0}, {"action": "revoke"},
                 {"action": "revoke", "ids": [1]}]:
        r = await api.post("/v1/admin/keys/bulk", json=body, headers=a)
        assert r.status_code == 422, (body, r.text)
    for body in [{"email": "nope", "name": "x"}, {"email": "a@b.c", "name": ""},
                 {"email": "a@b.c", "name": "x", "role": "god"},
                 {"email": "a@b.c", "name": "x", "teams": "red"}]:
        r = await api.post("/v1/users", json=body, headers=a)
        assert r.status_code == 422, (body, r.text)
    for body in [{}, {"key": 5}, {"key": "x", "access": "root"}, {"key": "x" * 5000}]:
        r = await api.post("/v1/verify", json=body, headers=org.service.headers)
        assert r.status_code == 422, (body, r.text)
    # Any plausible string a gateway forwards is an answer, not a request error.
    _, secret = await create_key(api, org.owner, allowed_tools=["search"])
    for body, code in [({"key": "x" * 500}, "TOKEN_MALFORMED"),
                       ({"key": "ak_live_" + "A" * 300}, "TOKEN_MALFORMED"),
                       ({"key": secret, "tool": "t" * 300}, "TOOL_FORBIDDEN")]:
        r = await api.post("/v1/verify", json=body, headers=org.service.headers)
        assert r.status_code == 200 and r.json()["code"] == code, (body, r.text)
    assert (await api.get("/v1/audit", params={"cursor": "zzz"}, headers=a)).status_code == 422
    assert (await api.get(f"/v1/keys/{'x' * 500}", headers=h)).status_code == 404


async def test_unknown_paths_and_methods_use_the_envelope(api, org) -> None:
    r = await api.get("/v1/nothing", headers=org.owner.headers)
    assert r.status_code == 404 and error(r)["code"] == "NOT_FOUND"
    r = await api.put("/v1/keys", headers=org.owner.headers)
    assert r.status_code == 405 and error(r)["code"] == "METHOD_NOT_ALLOWED"


async def test_unexpected_errors_are_an_envelope_and_log_no_data(server_app, api, caplog) -> None:
    def boom() -> None:
        raise RuntimeError("request data ak_live_SHOULD_NOT_BE_LOGGED")

    server_app.add_api_route("/boom", boom)
    r = await api.get("/boom")
    assert r.status_code == 500 and error(r)["code"] == "INTERNAL"
    assert "SHOULD_NOT" not in r.text and "SHOULD_NOT" not in caplog.text
    assert "RuntimeError" in caplog.text


async def test_nul_characters_never_reach_the_database(api, org) -> None:
    """PostgreSQL text cannot hold NUL: it must be a 4xx everywhere, never a 500."""
    key, _ = await create_key(api, org.owner)
    a = org.admin.headers
    for params in [{"q": "a\x00b"}, {"owner": "\x00"}, {"team": "x\x00"},
                   {"cursor": "a%00b"}]:
        r = await api.get("/v1/admin/keys", params=params, headers=a)
        assert r.status_code == 422, (params, r.text)
    for params in [{"key_id": "\x00"}, {"actor": "\x00@x"}, {"action": "\x00"}]:
        r = await api.get("/v1/audit", params=params, headers=a)
        assert r.status_code == 422, (params, r.text)
    r = await api.get("/v1/keys/key_%00", headers=a)
    assert r.status_code in (404, 422)
    # No id holds a NUL: the request is refused whole, before any key is touched.
    r = await api.post("/v1/admin/keys/bulk", json={"action": "revoke",
                                                    "ids": ["key_\u0000", key["id"]]},
                       headers=a)
    assert r.status_code == 422 and "ids" in fields(r)
    assert (await api.get(f"/v1/keys/{key['id']}", headers=a)).json()["status"] == "active"
    import base64
    import json
    forged = base64.urlsafe_b64encode(json.dumps(
        {"s": "name", "o": "asc", "v": "a\u0000", "i": "k"}).encode()).decode()
    r = await api.get("/v1/admin/keys", params={"sort": "name", "order": "asc",
                                                "cursor": forged}, headers=a)
    assert r.status_code == 422


async def test_naive_times_lone_surrogates_and_odd_bytes_are_4xx(api, org) -> None:
    """Each of these once answered 500."""
    key, _ = await create_key(api, org.owner)
    h = org.owner.headers | {"Content-Type": "application/json"}
    naive = b'{"name": "x", "expires_at": "2026-04-01T00:00:00"}'
    assert "expires_at" in fields(await api.post("/v1/keys", content=naive, headers=h))
    r = await api.patch(f"/v1/keys/{key['id']}", content=b'{"expires_at": "2026-04-01T00:00"}',
                        headers=h)
    assert "expires_at" in fields(r)
    # Bytes no JSON decoder accepts (FastAPI's own 400) are bad input like malformed JSON.
    r = await api.post("/v1/keys", content=b"\xff\xfe\x00", headers=h)
    assert r.status_code == 422 and error(r)["code"] == "VALIDATION_FAILED"
    # JSON may carry lone surrogates, which neither UTF-8 nor a database can hold.
    r = await api.post("/v1/keys", content=b'{"name": "x", "allowed_tools": ["\\ud800"]}',
                       headers=h)
    assert "allowed_tools" in fields(r)
    a = org.admin.headers | {"Content-Type": "application/json"}
    r = await api.post("/v1/users", headers=a,
                       content=b'{"email": "s@example.com", "name": "S", "teams": ["\\ud800"]}')
    assert "teams" in fields(r)
    r = await api.post("/v1/admin/keys/bulk", headers=a,
                       content=b'{"action": "disable", "ids": ["\\ud800", "' +
                       key["id"].encode() + b'"]}')
    assert r.status_code == 422 and "ids" in fields(r)  # refused whole, nothing done
    assert (await api.get(f"/v1/keys/{key['id']}", headers=a)).json()["status"] == "active"


async def test_errors_never_echo_a_token_sent_as_a_field_name(api, org) -> None:
    """A secret pasted as a JSON key by mistake is not quoted back (nor a huge name)."""
    key, secret = await create_key(api, org.owner)
    for url, method in (("/v1/keys", "POST"), (f"/v1/keys/{key['id']}", "PATCH")):
        r = await api.request(method, url, json={"name": "x", secret: 1, "y" * 5000: 2},
                              headers=org.owner.headers)
        assert r.status_code == 422, r.text
        assert secret[8:] not in r.text and "y" * 100 not in r.text
    r = await api.post("/v1/verify", json={"key": secret, secret: True},
                       headers=org.service.headers)
    assert r.status_code == 422 and secret[8:] not in r.text


async def test_a_body_that_is_not_sent_as_json_says_so(api, org) -> None:
    """`curl -d '{…}'` sends application/x-www-form-urlencoded: say what to fix."""
    for content_type in ("application/x-www-form-urlencoded", "text/plain"):
        r = await api.post("/v1/verify", content=b'{"key": "x"}',
                           headers=org.service.headers | {"Content-Type": content_type})
        assert r.status_code == 422, r.text
        assert "Content-Type: application/json" in fields(r)["body"]


async def test_far_future_expiries_are_4xx_not_overflows(server_settings, api, org) -> None:
    """Without a lifetime limit, year-9999 dates used to overflow (500) on create (with
    a negative offset) and on extend; expiries are now capped at 100 years ahead."""
    server_settings.max_lifetime_days = 0
    h = org.owner.headers
    for stamp in ("9999-12-31T23:59:59-05:00", "9999-12-31T23:59:59Z", "2200-01-01T00:00:00Z"):
        r = await api.post("/v1/keys", json={"name": "far", "expires_at": stamp}, headers=h)
        assert "expires_at" in fields(r), stamp
    key, _ = await create_key(api, org.owner, expires_at="2100-01-01T00:00:00Z")
    r = await api.post("/v1/admin/keys/bulk", headers=org.admin.headers,
                       json={"action": "extend", "ids": [key["id"]], "days": 36500})
    assert r.status_code == 200, r.text
    result = r.json()["results"][0]
    assert result["ok"] is False and result["code"] == "VALIDATION_FAILED"
