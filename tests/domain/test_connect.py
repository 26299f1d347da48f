"""Connection settings: the exact lines for every client, with the new secret and for an
existing key (which never shows a secret), and quoting that no URL or key escapes."""

from __future__ import annotations

import base64
import json
import re
import shlex
from urllib.parse import parse_qs, urlsplit

import pytest

from tui_app.domain.connect import (
    AGENT_KEY_ENV,
    CLIENTS,
    all_connection_settings,
    connection_settings,
    mcp_url,
    server_name,
)

URL = "https://keys.example.com/v1/mcp"
HTTP_URL = "http://127.0.0.1:8765/v1/mcp"
SECRET = "ak_live_" + "FAKEfake0123456789" * 2 + "FAKE" + "Zq81xP"
TOKEN = re.compile(r"ak_(?:live|test)_")


def text(client: str, secret: str | None, url: str = URL) -> str:
    return connection_settings(url, client, secret).text


def test_clients_in_order_with_titles() -> None:
    settings = all_connection_settings(URL)
    assert [s.client for s in settings] == list(CLIENTS) == [
        "claude-code", "codex", "vscode", "cursor", "claude-desktop", "curl"]
    assert [s.title for s in settings] == [
        "Claude Code", "Codex", "VS Code", "Cursor", "Claude Desktop", "curl"]
    assert all(s.notes for s in settings)


def test_mcp_url_prefers_the_public_url() -> None:
    assert mcp_url("http://127.0.0.1:8765/") == HTTP_URL
    assert mcp_url("http://127.0.0.1:8765", "https://keys.example.com/") == URL
    assert mcp_url("http://127.0.0.1:8765", None) == HTTP_URL


def test_unknown_client_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown client"):
        connection_settings(URL, "emacs")


# -- with the new secret --------------------------------------------------------------


HELPER_BLOCK = (
    "# Or with no secret in any config file: run once\n"
    "#   agentkeys agent login --server https://keys.example.com\n"
    "# then, instead of the lines above:\n"
    "#   claude mcp add-json --scope user agentkeys \\\n"
    "#     '{\"type\":\"http\",\"url\":\"https://keys.example.com/v1/mcp\","
    "\"headersHelper\":\"agentkeys agent header --server https://keys.example.com\"}'")


def test_claude_code_with_secret() -> None:
    assert text("claude-code", SECRET) == (
        f"claude mcp add --transport http --scope user agentkeys {URL} \\\n"
        f'  --header "Authorization: Bearer {SECRET}"\n\n' + HELPER_BLOCK)


def test_claude_code_headers_helper_runs_as_written() -> None:
    """The helper way: comment lines (a pasted or piped text adds the server once), and
    without the comment mark the shell passes exactly the documented JSON entry."""
    for secret in (None, SECRET):
        block = text("claude-code", secret).split("\n\n")[1]
        assert all(line.startswith("#") for line in block.splitlines())
        lines = [line.removeprefix("#").strip() for line in block.splitlines()]
        login, add = lines[1], "\n".join(lines[3:]).replace("\\\n", " ")
        assert shlex.split(login) == ["agentkeys", "agent", "login", "--server",
                                      "https://keys.example.com"]
        words = shlex.split(add)
        assert words[:5] == ["claude", "mcp", "add-json", "--scope", "user"]
        assert words[5] == "agentkeys"
        assert json.loads(words[6]) == {
            "type": "http", "url": URL,
            "headersHelper": "agentkeys agent header --server https://keys.example.com"}
        assert not TOKEN.search(block)
    notes = connection_settings(URL, "claude-code").notes
    assert any("headersHelper" in note and "PATH" in note for note in notes)


def test_codex_with_secret() -> None:
    assert text("codex", SECRET) == (
        f"export AGENTKEYS_AGENT_KEY={SECRET}\n"
        f"codex mcp add agentkeys --url {URL} --bearer-token-env-var AGENTKEYS_AGENT_KEY")


def test_vscode_with_secret() -> None:
    assert text("vscode", SECRET) == (
        "code --add-mcp '{\"name\":\"agentkeys\",\"type\":\"http\","
        f"\"url\":\"{URL}\",\"headers\":{{\"Authorization\":\"Bearer {SECRET}\"}}}}'")


def test_cursor_with_secret() -> None:
    entry = {"url": URL, "headers": {"Authorization": f"Bearer {SECRET}"}}
    link, config = text("cursor", SECRET).split("\n\n")
    assert link.startswith("cursor://anysphere.cursor-deeplink/mcp/install?name=agentkeys"
                           "&config=")
    assert decoded_link_config(link) == entry
    assert config == (
        '{\n'
        '  "mcpServers": {\n'
        '    "agentkeys": {\n'
        f'      "url": "{URL}",\n'
        '      "headers": {\n'
        f'        "Authorization": "Bearer {SECRET}"\n'
        '      }\n'
        '    }\n'
        '  }\n'
        '}')


def test_claude_desktop_with_secret_over_http() -> None:
    settings = connection_settings(HTTP_URL, "claude-desktop", SECRET)
    assert json.loads(settings.text) == {"mcpServers": {"agentkeys": {
        "command": "npx",
        "args": ["-y", "mcp-remote", HTTP_URL, "--header", "Authorization:${AUTH_HEADER}",
                 "--allow-http"],
        "env": {"AUTH_HEADER": f"Bearer {SECRET}"},
    }}}
    assert '"Authorization:${AUTH_HEADER}"' in settings.text  # no space after the colon
    assert any("--allow-http" in note for note in settings.notes)


def test_claude_desktop_over_https_needs_no_allow_http() -> None:
    settings = connection_settings(URL, "claude-desktop", SECRET)
    assert "--allow-http" not in settings.text
    assert json.loads(settings.text)["mcpServers"]["agentkeys"]["args"] == [
        "-y", "mcp-remote", URL, "--header", "Authorization:${AUTH_HEADER}"]


def test_curl_with_secret() -> None:
    assert text("curl", SECRET) == (
        f"curl -sS {URL} \\\n"
        f'  -H "Authorization: Bearer {SECRET}" \\\n'
        '  -H "Content-Type: application/json" \\\n'
        '  -H "Accept: application/json, text/event-stream" \\\n'
        "  -d '{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}'")


# -- for an existing key: no secret, the environment variable ----------------------------


def test_claude_code_existing_key() -> None:
    settings = connection_settings(URL, "claude-code")
    assert settings.text == (
        f"claude mcp add --transport http --scope user agentkeys {URL} \\\n"
        '  --header "Authorization: Bearer $AGENTKEYS_AGENT_KEY"\n\n' + HELPER_BLOCK)
    assert settings.notes[0] == ("Set AGENTKEYS_AGENT_KEY to the key you saved first: "
                                 "export AGENTKEYS_AGENT_KEY=…")


def test_codex_existing_key() -> None:
    assert text("codex", None) == (
        f"codex mcp add agentkeys --url {URL} --bearer-token-env-var AGENTKEYS_AGENT_KEY")


def test_vscode_existing_key_prompts_for_the_key() -> None:
    settings = connection_settings(URL, "vscode")
    assert json.loads(settings.text) == {
        "inputs": [{"type": "promptString", "id": "agentkeys-key",
                    "description": "agentkeys agent key", "password": True}],
        "servers": {"agentkeys": {"type": "http", "url": URL, "headers": {
            "Authorization": "Bearer ${input:agentkeys-key}"}}},
    }
    assert "password prompt" in settings.notes[0]


def test_cursor_existing_key() -> None:
    entry = {"url": URL, "headers": {"Authorization": "Bearer ${env:AGENTKEYS_AGENT_KEY}"}}
    link, config = text("cursor", None).split("\n\n")
    assert decoded_link_config(link) == entry
    assert json.loads(config) == {"mcpServers": {"agentkeys": entry}}


def test_claude_desktop_existing_key() -> None:
    settings = connection_settings(URL, "claude-desktop")
    server = json.loads(settings.text)["mcpServers"]["agentkeys"]
    assert server["env"] == {"AUTH_HEADER": "Bearer <paste the key here>"}
    assert "replace <paste the key here>" in settings.notes[0]


def test_curl_existing_key() -> None:
    assert text("curl", None) == (
        f"curl -sS {URL} \\\n"
        '  -H "Authorization: Bearer $AGENTKEYS_AGENT_KEY" \\\n'
        '  -H "Content-Type: application/json" \\\n'
        '  -H "Accept: application/json, text/event-stream" \\\n'
        "  -d '{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}'")


def test_existing_key_shows_no_token_anywhere() -> None:
    for settings in all_connection_settings(HTTP_URL):
        shown = " ".join((settings.text, *settings.notes))
        assert not TOKEN.search(shown), settings.client
        if settings.client == "cursor":
            shown = json.dumps(decoded_link_config(settings.text.split("\n\n")[0]))
            assert not TOKEN.search(shown)
        if settings.client not in ("vscode", "claude-desktop"):
            assert AGENT_KEY_ENV in settings.text, settings.client


# -- quoting -------------------------------------------------------------------------------

HOSTILE_URL = "https://x.example/'; rm -rf ~; echo '$(id)\"`id`\"/v1/mcp"


@pytest.mark.parametrize("secret", [None, SECRET, "ak_live_x\"; rm -rf ~; echo \"$(id)"])
def test_shell_lines_never_break_their_quoting(secret: str | None) -> None:
    # VS Code's line is a shell line only with the secret; otherwise it is mcp.json.
    shell_clients = ("claude-code", "codex", "curl") + (("vscode",) if secret else ())
    for client in shell_clients:
        words = shlex.split(text(client, secret, HOSTILE_URL).replace("\\\n", " "))
        # The whole URL stays one word (VS Code: inside the one JSON word).
        assert (HOSTILE_URL in words) or any(
            json.loads(w).get("url") == HOSTILE_URL for w in words if w.startswith("{")), client
        assert "rm" not in words, client
        if secret is not None and client != "vscode":
            assert any(w.endswith(secret) for w in words), client


def test_json_configs_hold_the_hostile_url_as_data() -> None:
    config = json.loads(text("claude-desktop", None, HOSTILE_URL))
    assert config["mcpServers"]["agentkeys"]["args"][2] == HOSTILE_URL
    link, entry = text("cursor", None, HOSTILE_URL).split("\n\n")
    assert decoded_link_config(link)["url"] == HOSTILE_URL
    assert json.loads(entry)["mcpServers"]["agentkeys"]["url"] == HOSTILE_URL


@pytest.mark.parametrize(("raw", "name"), [
    ("agentkeys", "agentkeys"), ("My Keys!", "my-keys"), ("'; rm -rf ~", "rm-rf"),
    ("", "agentkeys"), ("ééé", "agentkeys"), ("a" * 80, "a" * 40),
])
def test_server_names_are_strict(raw: str, name: str) -> None:
    assert server_name(raw) == name
    assert connection_settings(URL, "codex", name=raw).text.startswith(
        f"codex mcp add {name} ")


def decoded_link_config(link: str) -> object:
    query = parse_qs(urlsplit(link).query)
    assert query["name"] == ["agentkeys"]
    return json.loads(base64.b64decode(query["config"][0], validate=True))
