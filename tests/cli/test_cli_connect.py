"""`agentkeys connect` against a real `agentkeys serve`: the settings for a key, never its
secret; a key found by id or name; the server's public URL when it has one."""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cli_support import AGENTKEYS, Server, _free_port, clean_env

from tui_app.domain.connect import CLIENTS, connection_settings

TOKEN = re.compile(r"ak_(?:live|test)_")


def create(cli, name: str) -> tuple[dict, str]:  # type: ignore[no-untyped-def]
    result = cli("keys", "create", name, "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    return data["key"], data["secret"]


def test_prints_the_lines_for_the_key_by_name(cli, logged_in, server: Server) -> None:
    create(cli, "claude-bot")
    result = cli("connect", "claude-code", "--key", "claude-bot")
    assert result.code == 0, result.err
    expected = connection_settings(f"{server.url}/v1/mcp", "claude-code")
    assert result.out == expected.text + "\n"
    assert result.out.startswith(
        f"claude mcp add --transport http --scope user agentkeys {server.url}/v1/mcp \\\n")
    assert '"Authorization: Bearer $AGENTKEYS_AGENT_KEY"' in result.out
    # The notes go to stderr, so stdout can be piped or saved as it is.
    assert "# Set AGENTKEYS_AGENT_KEY to the key you saved first" in result.err


@pytest.mark.parametrize("client", CLIENTS)
def test_json_for_every_client_by_id_without_the_secret(cli, logged_in, server: Server,
                                                        client: str) -> None:
    key, secret = create(cli, f"bot-{client}")
    result = cli("connect", client, "--key", key["id"], "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    url = f"{server.url}/v1/mcp"
    expected = connection_settings(url, client)
    assert data == {"client": client, "title": expected.title, "url": url,
                    "text": expected.text, "notes": list(expected.notes)}
    assert secret not in result.out + result.err
    assert not TOKEN.search(result.out + result.err)


def test_unknown_or_invisible_key_is_an_error(cli, logged_in, server: Server) -> None:
    result = cli("connect", "codex", "--key", "no-such-key")
    assert result.code == 1
    assert "no key named 'no-such-key'" in result.err and result.out == ""
    result = cli("connect", "codex", "--key", "key_01JDEMO0000000000000000000")
    assert result.code == 1 and result.out == ""
    # Another member's key is not theirs to see.
    other = server.add_user("member", teams=("red",))
    reply = httpx.post(f"{server.url}/v1/keys", json={"name": "not-yours"}, timeout=10,
                       headers={"Authorization": f"Bearer {other.token}"})
    assert reply.status_code == 201, reply.text
    result = cli("connect", "codex", "--key", reply.json()["key"]["id"])
    assert result.code == 1 and result.out == ""


def test_an_inactive_key_gets_its_lines_and_a_warning(cli, logged_in) -> None:
    create(cli, "off-bot")
    assert cli("keys", "disable", "off-bot", "--yes").code == 0
    result = cli("connect", "curl", "--key", "off-bot")
    assert result.code == 0, result.err
    assert result.out.startswith("curl -sS ")
    assert "off-bot is inactive" in result.err


def test_usage_errors_and_not_logged_in(cli, home: Path, server: Server) -> None:
    assert cli("connect", "emacs", "--key", "x").code == 2
    assert cli("connect", "codex").code == 2
    result = cli("connect", "codex", "--key", "x", "--server", server.url)
    assert result.code == 4 and "Not logged in" in result.err


# -- a server that says where agents reach it ------------------------------------------

PUBLIC = "https://keys.example.com"


@pytest.fixture(scope="module")
def public_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("public-server-home")
    database_url = f"sqlite:///{home / 'agentkeys.db'}"
    port = _free_port()
    process = subprocess.Popen(
        [AGENTKEYS, "serve", "--port", str(port), "--database", database_url],
        env=clean_env(AGENTKEYS_HOME=str(home), AGENTKEYS_PUBLIC_URL=PUBLIC),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("agentkeys serve did not start")
        time.sleep(0.1)
    try:
        yield Server(url, home, database_url)
    finally:
        process.terminate()
        process.wait(10)


def test_the_public_url_wins(cli, public_server: Server) -> None:
    user = public_server.add_user("member")
    assert cli("login", "--server", public_server.url, "--with-token",
               stdin=user.token + "\n").code == 0
    create(cli, "public-bot")
    result = cli("connect", "codex", "--key", "public-bot", "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["url"] == f"{PUBLIC}/v1/mcp"
    assert data["text"] == ("codex mcp add agentkeys --url https://keys.example.com/v1/mcp "
                            "--bearer-token-env-var AGENTKEYS_AGENT_KEY")
