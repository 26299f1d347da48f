"""The README's curl examples, run as written against a served backend (`agentkeys
serve`), with real tokens put in for the placeholders: a README that drifts from the
API fails here."""

from __future__ import annotations

import json
import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from cli_support import Server

README = Path(__file__).resolve().parents[2] / "README.md"
EXAMPLE_URL = "http://127.0.0.1:8765"
KEY_PLACEHOLDER = "ak_live_…"


def curl_examples() -> list[str]:
    """Every `curl` command in the README's sh blocks, continuation lines joined."""
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(), flags=re.DOTALL)
    commands = []
    for block in blocks:
        for command in block.replace("\\\n", " ").splitlines():
            if command.lstrip().startswith("curl "):
                commands.append(command.strip())
    return commands


def run(command: str, **env: str) -> dict[str, object]:
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True,
                          timeout=30, env={"PATH": "/usr/bin:/bin", **env})
    assert done.returncode == 0, (command, done.stderr)
    answer: dict[str, object] = json.loads(done.stdout)
    return answer


def test_the_readmes_curl_examples_work(server: Server) -> None:
    commands = curl_examples()
    verify = [c for c in commands if "/v1/verify" in c]
    whoami = [c for c in commands if "/v1/agent/whoami" in c]
    mcp = [c for c in commands if "/v1/mcp" in c]
    assert verify and whoami and mcp, commands

    owner = server.add_user("member")
    gateway = server.add_user("service")
    expires = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    created = httpx.post(f"{server.url}/v1/keys", timeout=10,
                         headers={"Authorization": f"Bearer {owner.token}"},
                         json={"name": "readme-bot", "expires_at": expires})
    assert created.status_code == 201, created.text
    secret = created.json()["secret"]

    for command in verify + whoami + mcp:
        assert EXAMPLE_URL in command and KEY_PLACEHOLDER in command, command
        real = command.replace(EXAMPLE_URL, server.url).replace(KEY_PLACEHOLDER, secret)
        answer = run(real, SERVICE_TOKEN=gateway.token)
        if "/v1/verify" in command:
            assert answer["valid"] is True and answer["code"] == "VALID", answer
        elif "/v1/mcp" in command:
            tools = answer["result"]["tools"]  # type: ignore[index]
            assert "whoami" in {tool["name"] for tool in tools}, answer
        else:
            assert answer["name"] == "readme-bot", answer
