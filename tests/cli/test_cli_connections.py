"""`agentkeys approve` and `deny` against a real `agentkeys serve`: an agent (here plain
HTTP, as any OAuth client would) asks for access, the person answers from the command
line."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
from cli_support import Server

from tui_app.domain.clock import system_clock

DEVICE = "urn:ietf:params:oauth:grant-type:device_code"


def ask_for_access(server: Server, scope: str = "read_write") -> tuple[str, str, str]:
    """(client_id, user_code, device_code) of a fresh device request."""
    client = httpx.post(f"{server.url}/v1/oauth/register", json={
        "client_name": "nightly agent", "redirect_uris": [],
        "grant_types": [DEVICE, "refresh_token"]}).json()["client_id"]
    started = httpx.post(f"{server.url}/v1/oauth/device/code",
                         data={"client_id": client, "scope": scope}).json()
    return client, started["user_code"], started["device_code"]


def poll(server: Server, client: str, device_code: str) -> dict:  # type: ignore[type-arg]
    return httpx.post(f"{server.url}/v1/oauth/token", data={
        "grant_type": DEVICE, "device_code": device_code, "client_id": client}).json()


def create_key(cli, name: str, *extra: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    result = cli("keys", "create", name, "--json", *extra)
    assert result.code == 0, result.err
    return json.loads(result.out)["key"]


def expire(server: Server, key_id: str) -> None:
    """Put the key's expiry in the past, as time would (the API refuses a past date)."""
    from tui_app.server.store import keys as keys_store

    with server._engine().begin() as conn:
        keys_store.update_key(conn, key_id, expires_at=system_clock() - timedelta(days=1))


def test_approve_a_code_typed_any_way(cli, server: Server, logged_in) -> None:
    key = create_key(cli, "nightly-report", "--scope", "read_write")
    client, code, device_code = ask_for_access(server)
    typed = code.lower().replace("-", "")
    result = cli("approve", typed, "--key", "nightly-report")
    assert result.code == 0, result.err
    assert f"nightly agent asks for read and write access (code {code})" in result.err
    assert result.out == ("Approved: nightly agent now acts as key nightly-report "
                          "(read and write).\n")
    tokens = poll(server, client, device_code)
    who = httpx.get(f"{server.url}/v1/agent/whoami",
                    headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert who.status_code == 200 and who.json()["id"] == key["id"]


def test_approve_with_an_expired_key_extends_it(cli, server: Server, logged_in) -> None:
    key = create_key(cli, "old-bot")
    expire(server, key["id"])
    _, code, _ = ask_for_access(server)
    result = cli("approve", code, "--key", key["id"])
    assert result.code == 0, result.err
    day = (system_clock() + timedelta(days=30)).astimezone().date().isoformat()
    assert f"Key old-bot had expired: extended by 30 days, to {day}." in result.out
    assert "(read)" in result.out  # a read key gives a read session

    key = create_key(cli, "old-bot-2")
    expire(server, key["id"])
    _, code, _ = ask_for_access(server, scope="read")
    result = cli("approve", code, "--key", "old-bot-2", "--json")
    assert result.code == 0, result.err
    approval = json.loads(result.out)
    assert approval["user_code"] == code and approval["key_id"] == key["id"]
    assert approval["scope"] == "read" and approval["extended_to"].startswith(day)


def test_bad_codes_and_keys(cli, server: Server, logged_in) -> None:
    for bad in ("ABCD-EFGH", "BCDF", "hello world"):  # vowels; too short; not a code
        result = cli("approve", bad, "--key", "anything")
        assert result.code == 2, result
        assert "is not a connection code" in result.err
    assert cli("deny", "BCDF-GHJ").code == 2

    unknown = cli("approve", "BCDF-GHJK", "--key", "anything")
    assert unknown.code == 1 and "No such connection request" in unknown.err

    other = server.add_user("member")
    theirs = httpx.post(f"{server.url}/v1/keys", json={"name": "theirs"},
                        headers={"Authorization": f"Bearer {other.token}"}).json()["key"]
    _, code, _ = ask_for_access(server)
    result = cli("approve", code, "--key", theirs["id"])
    assert result.code == 1, result
    assert "Approved" not in result.out


def test_deny(cli, server: Server, logged_in) -> None:
    client, code, device_code = ask_for_access(server)
    result = cli("deny", code.lower())
    assert result.code == 0, result.err
    assert result.out == f"Denied: nightly agent gets no access (code {code}).\n"
    assert poll(server, client, device_code)["error"] == "access_denied"
    again = cli("approve", code, "--key", "anything")
    assert again.code == 1 and "This request was denied already" in again.err
    assert cli("deny", code).code == 1
