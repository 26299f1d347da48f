"""Connection settings: the lines that connect an agent client to the MCP endpoint.

Each client has its own documented way to be told a URL and a bearer key; these are
the ones the clients' own docs give (Claude Code's `--header` is variadic, so it comes
after NAME and URL; its `headersHelper` runs a command whose JSON output joins the
headers, so `agentkeys agent header` can hand it a key session instead of a key; Codex
accepts a key only through an environment variable; Claude Desktop reaches HTTP servers
only through `mcp-remote`, whose header argument must not have a space after the colon).

Two modes. With the new secret (only in the dialog right after creation) the secret is
written into the lines. For an existing key, whose secret nobody has any more, the
lines refer to the environment variable AGENT_KEY_ENV and nothing secret is printed.

Every value that goes into a shell line is quoted, so no URL or key can end the
quoting; the server name is reduced to `[a-z0-9-]`.
"""

from __future__ import annotations

import base64
import json
import re
import shlex
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

AGENT_KEY_ENV = "AGENTKEYS_AGENT_KEY"
SERVER_NAME = "agentkeys"
MCP_PATH = "/v1/mcp"
VSCODE_INPUT = "agentkeys-key"
# What Claude Desktop's file holds for an existing key: it does not pass the shell's
# variables to the servers it starts, so the person pastes the key there.
PASTE_KEY = "<paste the key here>"

CLIENT_TITLES = {
    "claude-code": "Claude Code",
    "codex": "Codex",
    "vscode": "VS Code",
    "cursor": "Cursor",
    "claude-desktop": "Claude Desktop",
    "curl": "curl",
}
CLIENTS = tuple(CLIENT_TITLES)

_SET_FIRST = (f"Set {AGENT_KEY_ENV} to the key you saved first: "
              f"export {AGENT_KEY_ENV}=…")
_TOOLS_LIST = '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'
# Inside double quotes a shell still expands these (`!`: bash history).
_DOUBLE_QUOTE_SPECIAL = re.compile(r'["$`\\!\x00-\x1f\x7f]')


@dataclass(frozen=True, slots=True)
class ClientSettings:
    client: str  # one of CLIENTS
    title: str
    text: str  # what to copy: shell lines, a link, a config entry
    notes: tuple[str, ...]


def mcp_url(server_url: str, public_url: str | None = None) -> str:
    """Where agents reach the MCP endpoint: the server's public URL when it says one,
    else the URL this client uses."""
    return (public_url or server_url).rstrip("/") + MCP_PATH


def server_name(text: str = SERVER_NAME) -> str:
    """A name every client accepts as a server id: lowercase letters, digits, dashes."""
    name = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return name[:40].strip("-") or SERVER_NAME


def connection_settings(
    url: str, client: str, secret: str | None = None, *, name: str = SERVER_NAME
) -> ClientSettings:
    """The settings for one client; `secret` None means an existing key."""
    if client not in CLIENT_TITLES:
        raise ValueError(f"unknown client {client!r}; one of {', '.join(CLIENTS)}")
    name = server_name(name)
    text, notes = _BUILDERS[client](url, secret, name)
    if secret is None:
        notes = _existing_note(client) + notes
    return ClientSettings(client, CLIENT_TITLES[client], text, notes)


def all_connection_settings(
    url: str, secret: str | None = None, *, name: str = SERVER_NAME
) -> tuple[ClientSettings, ...]:
    return tuple(connection_settings(url, client, secret, name=name) for client in CLIENTS)


# -- quoting ----------------------------------------------------------------------------


def _bearer_header(secret: str | None) -> str:
    """The Authorization header as a shell word: double quotes, so `$VAR` expands."""
    if secret is None:
        return f'"Authorization: Bearer ${AGENT_KEY_ENV}"'
    value = f"Authorization: Bearer {secret}"
    if _DOUBLE_QUOTE_SPECIAL.search(value):
        return shlex.quote(value)  # not a real key: single quotes expand nothing
    return f'"{value}"'


def _bearer(secret: str | None, env_syntax: str) -> str:
    return "Bearer " + (env_syntax if secret is None else secret)


def _json(value: Any) -> str:
    return json.dumps(value, indent=2)


def _compact_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


# -- one builder per client ---------------------------------------------------------------


def _claude_code(url: str, secret: str | None, name: str) -> tuple[str, tuple[str, ...]]:
    text = (f"claude mcp add --transport http --scope user {name} {shlex.quote(url)} \\\n"
            f"  --header {_bearer_header(secret)}\n\n{_claude_code_helper(url, name)}")
    return text, ("Adds the server for your user, in every project; "
                  "`claude mcp list` checks the connection.",
                  "The headersHelper way keeps every secret out of Claude Code's config: "
                  "it runs `agentkeys agent header` (which must be on its PATH) for a "
                  "session you approve once with one of your keys.")


def _claude_code_helper(url: str, name: str) -> str:
    """The other way for Claude Code: no secret in any file, a key session instead.

    Comment lines, so that pasting or piping the whole text to a shell runs only the
    first way: both add a server of the same name."""
    server = shlex.quote(url.removesuffix(MCP_PATH))
    entry = {"type": "http", "url": url,
             "headersHelper": f"agentkeys agent header --server {server}"}
    return ("# Or with no secret in any config file: run once\n"
            f"#   agentkeys agent login --server {server}\n"
            "# then, instead of the lines above:\n"
            f"#   claude mcp add-json --scope user {name} \\\n"
            f"#     {shlex.quote(_compact_json(entry))}")


def _codex(url: str, secret: str | None, name: str) -> tuple[str, tuple[str, ...]]:
    add = (f"codex mcp add {name} --url {shlex.quote(url)} "
           f"--bearer-token-env-var {AGENT_KEY_ENV}")
    if secret is not None:
        add = f"export {AGENT_KEY_ENV}={shlex.quote(secret)}\n{add}"
    return add, (f"Codex reads the key from {AGENT_KEY_ENV} each time it starts: "
                 "keep it exported where codex runs (e.g. your shell profile).",)


def _vscode(url: str, secret: str | None, name: str) -> tuple[str, tuple[str, ...]]:
    if secret is not None:
        entry = {"name": name, "type": "http", "url": url,
                 "headers": {"Authorization": _bearer(secret, "")}}
        return f"code --add-mcp {shlex.quote(_compact_json(entry))}", (
            "Adds the server to your VS Code user settings.",)
    config = {
        "inputs": [{"type": "promptString", "id": VSCODE_INPUT,
                    "description": "agentkeys agent key", "password": True}],
        "servers": {name: {"type": "http", "url": url, "headers": {
            "Authorization": _bearer(None, f"${{input:{VSCODE_INPUT}}}")}}},
    }
    return _json(config), ("Put this in .vscode/mcp.json, or your user mcp.json "
                           "(command: MCP: Open User Configuration).",)


def _cursor(url: str, secret: str | None, name: str) -> tuple[str, tuple[str, ...]]:
    entry = {"url": url,
             "headers": {"Authorization": _bearer(secret, f"${{env:{AGENT_KEY_ENV}}}")}}
    config = base64.b64encode(_compact_json(entry).encode()).decode("ascii")
    # Percent-encoded: a `+` of base64 would be read as a space in a query string.
    link = (f"cursor://anysphere.cursor-deeplink/mcp/install?name={name}"
            f"&config={quote(config, safe='')}")
    text = f"{link}\n\n{_json({'mcpServers': {name: entry}})}"
    notes: tuple[str, ...] = (
        "Open the link to install, or add the entry to ~/.cursor/mcp.json.",)
    if secret is None:
        notes += (f"Cursor reads {AGENT_KEY_ENV} from the environment it was started in.",)
    return text, notes


def _claude_desktop(url: str, secret: str | None, name: str) -> tuple[str, tuple[str, ...]]:
    args = ["-y", "mcp-remote", url, "--header", "Authorization:${AUTH_HEADER}"]
    notes = ["Add to claude_desktop_config.json (Settings → Developer → Edit Config), "
             "then restart Claude Desktop; it needs Node.js (npx)."]
    if url.lower().startswith("http://"):
        args.append("--allow-http")
        notes.append("--allow-http: mcp-remote refuses a plain-http URL without it.")
    server = {"command": "npx", "args": args,
              "env": {"AUTH_HEADER": _bearer(secret, PASTE_KEY)}}
    return _json({"mcpServers": {name: server}}), tuple(notes)


def _curl(url: str, secret: str | None, name: str) -> tuple[str, tuple[str, ...]]:
    text = (f"curl -sS {shlex.quote(url)} \\\n"
            f"  -H {_bearer_header(secret)} \\\n"
            '  -H "Content-Type: application/json" \\\n'
            '  -H "Accept: application/json, text/event-stream" \\\n'
            f"  -d '{_TOOLS_LIST}'")
    return text, ("Lists the tools this key may call.",)


_BUILDERS = {
    "claude-code": _claude_code,
    "codex": _codex,
    "vscode": _vscode,
    "cursor": _cursor,
    "claude-desktop": _claude_desktop,
    "curl": _curl,
}


def _existing_note(client: str) -> tuple[str, ...]:
    if client == "vscode":
        return ("VS Code asks for the key you saved the first time it starts the server "
                "(a password prompt) and keeps it in its secret storage.",)
    if client == "claude-desktop":
        return (f"Claude Desktop does not pass your shell's variables to servers: "
                f"replace {PASTE_KEY} with the key you saved.",)
    return (_SET_FIRST,)
