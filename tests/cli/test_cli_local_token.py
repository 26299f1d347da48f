"""`AGENTKEYS_TOKEN` is the login with the local server too, as with any other: a token
it rejects is exit 4, never the local admin's keys instead."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_support import run_agentkeys

from tui_app.client import local_server

GARBAGE = "garbage"


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "home"
    local_server.stop(tmp_path / "home")


def test_a_rejected_environment_token_is_exit_4(home: Path) -> None:
    made = run_agentkeys("keys", "create", "admins-key", "--expires", "30d", home=home)
    assert made.returncode == 0, made.stderr

    result = run_agentkeys("keys", "list", home=home, AGENTKEYS_TOKEN=GARBAGE)
    assert result.returncode == 4, (result.stdout, result.stderr)
    assert "admins-key" not in result.stdout
    assert "AGENTKEYS_TOKEN" in result.stderr and GARBAGE not in result.stderr


def test_the_environment_token_is_the_login_with_the_local_server(home: Path) -> None:
    added = run_agentkeys("server", "add-user", "--email", "bo@example.org", "--name", "Bo",
                          "--role", "member", home=home)
    assert added.returncode == 0, added.stderr
    token = added.stdout.strip().splitlines()[-1]
    assert run_agentkeys("keys", "create", "admins-key", "--expires", "30d",
                         home=home).returncode == 0
    made = run_agentkeys("keys", "create", "bos-key", "--expires", "30d", home=home,
                         AGENTKEYS_TOKEN=token)
    assert made.returncode == 0, made.stderr

    listed = run_agentkeys("keys", "list", "--json", home=home, AGENTKEYS_TOKEN=token)
    assert listed.returncode == 0, listed.stderr
    assert [key["name"] for key in json.loads(listed.stdout)] == ["bos-key"]
    whoami = run_agentkeys("whoami", "--json", home=home, AGENTKEYS_TOKEN=token)
    assert whoami.returncode == 0, whoami.stderr
    me = json.loads(whoami.stdout)
    assert me["user"]["email"] == "bo@example.org" and me["embedded"] is True
    assert me["credential"] == "environment AGENTKEYS_TOKEN"
