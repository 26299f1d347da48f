"""Crafted input at the API, class by class: never a 500, never a secret echoed, types as
JSON wrote them, names that guard access matched exactly. SQLite and PostgreSQL.

Property-based: hypothesis writes the cursors, headers and bodies; the examples are the
same on every run (derandomize), so a failure reproduces.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from strategies import LOOK_ALIKE_SUFFIXES, any_text, hostile_text, token_body, tokens

from tui_app.server.store.listing import ORDERS, SORTS

pytestmark = pytest.mark.slow

examples = settings(
    max_examples=40, deadline=None, derandomize=True,
    # One app and one organisation serve every example of a test: what an example
    # leaves behind (a key, an audit entry) is ordinary data for the next.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
LISTINGS = ["/v1/keys", "/v1/admin/keys"]


@pytest.fixture
def client(server_app: Any) -> Iterator[httpx.Client]:
    """The app behind a real HTTP server: header bytes reach it exactly as sent (an
    in-process transport would re-encode "\\xb2" as UTF-8 on the way)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(server_app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive(), "the test server did not start"
        time.sleep(0.01)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            yield http
    finally:
        server.should_exit = True
        thread.join(10)


def assert_envelope(response: Any, *, statuses: set[int]) -> dict[str, Any]:
    assert response.status_code in statuses, (response.status_code, response.text)
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"error"} and body["error"]["code"], body
        return body["error"]  # type: ignore[no-any-return]
    return {}


def encode_cursor(payload: object) -> str:
    raw = json.dumps(payload, ensure_ascii=True)  # \ud800 travels as its escape
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), any_text),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(any_text, inner, max_size=3),
    max_leaves=6,
)


@st.composite
def cursor_payloads(draw: st.DrawFn) -> tuple[str, str, object]:
    """A sort, an order and a cursor for them: mostly of the right shape and types with
    hostile text in it (so the decoder lets it through to a query, as the old one did
    with a lone surrogate), sometimes anything at all."""
    sort, order = draw(st.sampled_from(SORTS)), draw(st.sampled_from(ORDERS))
    right_type = any_text if sort in ("name", "owner") else st.integers(-(2**62), 2**62)
    value = draw(st.one_of(right_type, right_type, json_values))
    shaped = {"s": sort, "o": order, "v": value, "i": draw(hostile_text | any_text)}
    return sort, order, draw(st.one_of(st.just(shaped), st.just(shaped), json_values))


@examples
@given(payload=cursor_payloads(), path=st.sampled_from(LISTINGS))
@example(payload=("created_at", "desc", {"s": "created_at", "o": "desc", "v": 123, "i": "\ud800"}),
         path="/v1/keys")
def test_no_cursor_is_a_server_error(client: httpx.Client, org: Any, path: str,
                                     payload: tuple[str, str, object]) -> None:
    sort, order, cursor = payload
    response = client.get(path, headers=org.admin.headers,
                          params={"sort": sort, "order": order, "cursor": encode_cursor(cursor)})
    error = assert_envelope(response, statuses={200, 422})
    if error:
        assert error["details"][0]["field"] == "cursor"


@examples
@given(raw=st.binary(max_size=60), path=st.sampled_from([*LISTINGS, "/v1/audit"]))
def test_no_cursor_bytes_are_a_server_error(client: httpx.Client, org: Any, path: str,
                                            raw: bytes) -> None:
    cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    response = client.get(path, headers=org.admin.headers, params={"cursor": cursor})
    assert_envelope(response, statuses={200, 422})


@examples
@given(text=any_text)
def test_no_audit_cursor_is_a_server_error(client: httpx.Client, org: Any, text: str) -> None:
    cursor = base64.urlsafe_b64encode(f"a:{text}".encode("utf-8", "surrogatepass")).decode()
    response = client.get("/v1/audit", headers=org.admin.headers, params={"cursor": cursor})
    assert_envelope(response, statuses={200, 422})


# Header values are bytes; servers read them as Latin-1, where "²" is a digit to Python.
header_text = st.one_of(
    st.sampled_from(["²", '"³"', 'W/"¹"', "1²", "*", "1", '"1"', 'W/"1"', ""]),
    # HTTP itself has no room for leading or trailing blanks in a header value.
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
            max_size=20).map(str.strip),
)


@examples
@given(value=header_text)
def test_no_if_match_is_a_server_error(client: httpx.Client, org: Any, value: str) -> None:
    key = _a_key(client, org)
    headers = {**org.owner.headers, "If-Match": value.encode("latin-1")}
    response = client.patch(f"/v1/keys/{key}", json={"description": "edited"}, headers=headers)
    assert_envelope(response, statuses={200, 409, 422})


@examples
@given(value=header_text)
def test_no_idempotency_key_is_a_server_error(client: httpx.Client, org: Any, value: str) -> None:
    headers = {**org.owner.headers, "Idempotency-Key": value.encode("latin-1")}
    response = client.post("/v1/keys", json={"name": "idem"}, headers=headers)
    assert_envelope(response, statuses={201, 422})


_keys: dict[int, str] = {}


def _a_key(client: httpx.Client, org: Any) -> str:
    """One key per app, made on first use."""
    found = _keys.get(id(org))
    if found is None:
        created = client.post("/v1/keys", json={"name": "target"}, headers=org.owner.headers)
        found = _keys[id(org)] = created.json()["key"]["id"]
    return found


# -- JSON types as written -------------------------------------------------------------

finite_floats = st.floats(allow_nan=False, allow_infinity=False)
not_a_number = st.one_of(st.booleans(), st.text(max_size=5), finite_floats,
                         st.lists(st.integers(), max_size=2))
not_a_bool = st.one_of(st.integers(), st.text(max_size=5), finite_floats)
not_a_time = st.one_of(st.booleans(), st.integers(), finite_floats,
                       st.lists(st.text(max_size=3), max_size=2))
not_text = st.one_of(st.booleans(), st.integers(), finite_floats)
# (path, method, field, wrong values, the rest of a valid body)
TYPED_FIELDS = [
    ("/v1/keys", "post", "rate_limit_rpm", not_a_number, {"name": "typed"}),
    ("/v1/keys", "post", "accept_terms", not_a_bool, {"name": "typed"}),
    ("/v1/keys", "post", "expires_at", not_a_time, {"name": "typed"}),
    ("/v1/keys", "post", "name", not_text, {}),
    ("/v1/keys", "post", "allowed_tools", st.lists(not_text, min_size=1, max_size=2),
     {"name": "typed"}),
    ("/v1/admin/keys/bulk", "post", "days", not_a_number,
     {"action": "extend", "ids": ["key_x"]}),
    ("/v1/users", "post", "teams", st.lists(not_text, min_size=1, max_size=2),
     {"email": "typed@example.com", "name": "T"}),
]


@examples
@given(case=st.sampled_from(TYPED_FIELDS), data=st.data())
def test_json_types_are_taken_as_written(client: httpx.Client, org: Any,
                                         case: tuple[Any, ...], data: st.DataObject) -> None:
    path, method, field, wrong, rest = case
    value = data.draw(wrong)
    if field == "rate_limit_rpm" and isinstance(value, float):
        value += 0.5  # 60.0 is JSON's 60 to some encoders; 60.5 is a number but not whole
    response = client.request(method, path, json={**rest, field: value},
                              headers=org.admin.headers)
    error = assert_envelope(response, statuses={422})
    assert field in {d["field"] for d in error["details"]}, error


def test_a_boolean_is_not_a_rate_limit(client: httpx.Client, org: Any) -> None:
    response = client.post("/v1/keys", json={"name": "b", "rate_limit_rpm": True},
                           headers=org.owner.headers)
    assert response.status_code == 422
    assert response.json()["error"]["details"][0] == {
        "field": "rate_limit_rpm", "message": "Rate limit rpm must be a whole number."}
    response = client.patch(f"/v1/keys/{_a_key(client, org)}", json={"expires_at": 1893456000},
                            headers=org.owner.headers)
    assert response.status_code == 422  # a number is not a date, even seconds since 1970


# -- secrets are never echoed ----------------------------------------------------------

PLACES = ["name", "description", "allowed_tools", "blocked_tools", "rate_limit_rpm",
          "expires_at", "scope", "bulk_ids", "if_match", "unknown_field"]


@examples
@given(token=tokens(), place=st.sampled_from(PLACES))
def test_a_secret_sent_anywhere_is_never_echoed(client: httpx.Client, org: Any, token: str,
                                               place: str) -> None:
    headers = org.admin.headers
    if place == "bulk_ids":
        response = client.post("/v1/admin/keys/bulk", headers=headers,
                               json={"action": "revoke", "ids": [token]})
    elif place == "if_match":
        response = client.patch(f"/v1/keys/{_a_key(client, org)}", json={"name": "n"},
                                headers={**headers, "If-Match": token})
    elif place == "unknown_field":
        response = client.post("/v1/keys", json={"name": "n", token: 1}, headers=headers)
    else:
        value: object = [token] if place.endswith("_tools") else token
        response = client.post("/v1/keys", json={"name": "n", place: value}, headers=headers)
    assert_envelope(response, statuses={422})
    assert token_body(token)[:12] not in response.text


# -- exact names -----------------------------------------------------------------------


@examples
@given(suffix=st.sampled_from(LOOK_ALIKE_SUFFIXES), case_change=st.booleans())
def test_verify_compares_tool_names_exactly(client: httpx.Client, org: Any, suffix: str,
                                            case_change: bool) -> None:
    created = client.post("/v1/keys", headers=org.owner.headers, json={
        "name": f"exact {uuid.uuid4().hex[:6]}", "blocked_tools": ["delete"],
    }).json()
    allowed = client.post("/v1/keys", headers=org.owner.headers, json={
        "name": f"exact {uuid.uuid4().hex[:6]}", "allowed_tools": ["search"],
    }).json()
    look_alikes = [("delete" + suffix, created), ("search" + suffix, allowed)]
    if case_change:  # names are case-sensitive, as MCP's are: "SEARCH" is not "search"
        look_alikes.append(("SEARCH", allowed))
    for tool, key in look_alikes:
        answer = client.post("/v1/verify", headers=org.service.headers,
                             json={"key": key["secret"], "tool": tool}).json()
        assert answer["code"] == "TOOL_FORBIDDEN", (tool, answer)
    answer = client.post("/v1/verify", headers=org.service.headers,
                         json={"key": allowed["secret"], "tool": "search"}).json()
    assert answer["code"] == "VALID"
