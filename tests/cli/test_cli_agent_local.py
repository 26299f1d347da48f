"""`agentkeys agent …` with no server configured: the agent connects to this machine's
local server, as every other command does, and `--json` answers for scripts.

One login, so one poll interval (the server's 5 s) of waiting.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cli_support import AGENTKEYS, clean_env, run_agentkeys

from tui_app.client import local_server

CODE_LINE = re.compile(r"^! First copy your one-time code: ([A-Z]{4}-[A-Z]{4})$", re.M)


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "home"
    local_server.stop(tmp_path / "home")


def agent(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_agentkeys("agent", *args, home=home)


def test_login_header_token_and_logout_on_the_local_server(home: Path) -> None:
    made = run_agentkeys("keys", "create", "laptop-agent", "--scope", "read_write",
                         "--json", home=home)
    assert made.returncode == 0, made.stderr
    key_id = json.loads(made.stdout)["key"]["id"]

    login = subprocess.Popen(
        [AGENTKEYS, "agent", "login", "--json"], stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=clean_env(AGENTKEYS_HOME=str(home),
                      PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring"))
    assert login.stderr is not None
    shown = ""
    deadline = time.monotonic() + 30
    while "Waiting for approval" not in shown and time.monotonic() < deadline:
        line = login.stderr.readline()
        if not line:
            break
        shown += line
    match = CODE_LINE.search(shown)
    assert match, shown
    approved = run_agentkeys("approve", match.group(1), "--key", "laptop-agent", home=home)
    assert approved.returncode == 0, approved.stderr
    out, err = login.communicate(timeout=40)
    assert login.returncode == 0, err

    connected = json.loads(out)
    url = connected["server"]
    assert url.startswith("http://127.0.0.1:")
    assert connected["scope"] == "read_write" and connected["stored_in"].startswith("file")
    assert "aks_" not in out + shown + err

    header = agent(home, "header")
    assert header.returncode == 0, header.stderr
    sent = json.loads(header.stdout)
    whoami = httpx.get(f"{url}/v1/agent/whoami", headers=sent)
    assert whoami.status_code == 200 and whoami.json()["id"] == key_id

    token = agent(home, "token", "--json")
    assert token.returncode == 0, token.stderr
    held = json.loads(token.stdout)
    assert held["access_token"] == sent["Authorization"].removeprefix("Bearer ")
    assert held["scope"] == "read_write" and held["expires_at"].endswith("Z")

    out_of_it = agent(home, "logout", "--json")
    assert out_of_it.returncode == 0, out_of_it.stderr
    logged_out = json.loads(out_of_it.stdout)
    assert logged_out["server"] == url
    assert [where.split()[0] for where in logged_out["removed_from"]] == ["file"]
    gone = agent(home, "header")
    assert gone.returncode == 4 and gone.stdout == ""
    assert "agent login" in gone.stderr
