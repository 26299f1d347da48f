"""`agentkeys users …` and `agentkeys teams …` against a real `agentkeys serve`."""

from __future__ import annotations

import json
import os

import pytest
from cli_support import Server


@pytest.fixture
def admin(cli, server: Server, monkeypatch):  # type: ignore[no-untyped-def]
    user = server.add_user("admin")
    monkeypatch.setenv("AGENTKEYS_SERVER", server.url)
    monkeypatch.setenv("AGENTKEYS_TOKEN", user.token)
    return user


def unique(tag: str) -> str:
    return f"{tag}-{os.getpid()}-{id(tag)}"


def test_add_prints_the_token_alone_and_it_logs_in(cli, admin, server, monkeypatch) -> None:
    email = f"{unique('ada')}@example.org"
    added = cli("users", "add", email, "--name", "Ada", "--role", "manager",
                "--team", "cli-red", "--team", "cli-blue")
    assert added.code == 0, added.err
    token = added.out
    assert token.startswith("akp_") and "\n" not in token  # piped: exactly the token
    assert f"agentkeys login --server {server.url} --with-token" in added.err
    assert token not in added.err
    monkeypatch.setenv("AGENTKEYS_TOKEN", token)
    me = cli("whoami", "--json")
    assert me.code == 0 and json.loads(me.out)["user"]["email"] == email
    monkeypatch.setenv("AGENTKEYS_TOKEN", admin.token)
    as_json = cli("users", "add", f"{unique('bo')}@example.org", "--name", "Bo", "--json")
    data = json.loads(as_json.out)
    assert set(data) == {"user", "login_token"} and data["login_token"].startswith("akp_")
    assert data["user"]["role"] == "member"


def test_list_edit_deactivate_reactivate(cli, admin, server) -> None:
    person = server.add_user("member", teams=("cli-green",))
    listed = cli("users", "list", "--team", "cli-green", "--json")
    assert listed.code == 0, listed.err
    assert [u["email"] for u in json.loads(listed.out)] == [person.email]
    table = cli("users", "list", "-q", person.email, tty=True, columns=80)
    header, row = table.out.splitlines()
    assert "EMAIL" in header and "ROLE" in header and person.email in row
    piped = cli("users", "list", "-q", person.email)
    assert piped.out.split("\t")[:4] == [person.id, person.email, person.name, "member"]

    edited = cli("users", "edit", person.email, "--name", "Renamed", "--role", "manager",
                 "--team", "cli-green", "--team", "cli-violet", "--json")
    assert edited.code == 0, edited.err
    assert json.loads(edited.out)["teams"] == ["cli-green", "cli-violet"]
    assert cli("users", "edit", person.id, "--no-teams", "--json").code == 0

    refused = cli("users", "deactivate", person.id)  # no terminal, no --yes
    assert refused.code == 2 and "--yes" in refused.err
    cancelled = cli("users", "deactivate", person.id, stdin="n\n", stdin_tty=True)
    assert cancelled.code == 2
    asked = cli("users", "deactivate", person.id, stdin="y\n", stdin_tty=True)
    assert asked.code == 0 and "0 active keys" in asked.err and "Deactivated" in asked.out
    again = cli("users", "reactivate", person.email, "--json")
    assert json.loads(again.out)["user"]["active"] is True
    assert json.loads(again.out)["keys_affected"] == 0
    done = cli("users", "deactivate", person.id, "--yes", "--json")
    assert done.code == 0 and json.loads(done.out)["user"]["active"] is False


def test_new_token_and_errors(cli, admin, server, monkeypatch) -> None:
    person = server.add_user("member")
    fresh = cli("users", "token", person.email, "--revoke-others", "--yes")
    assert fresh.code == 0 and fresh.out.startswith("akp_")
    monkeypatch.setenv("AGENTKEYS_TOKEN", person.token)
    assert cli("whoami").code == 4  # the old one was revoked
    monkeypatch.setenv("AGENTKEYS_TOKEN", fresh.out)
    assert cli("users", "list").code == 1  # a member sees nobody: forbidden
    monkeypatch.setenv("AGENTKEYS_TOKEN", admin.token)
    bad = cli("users", "add", "not-an-email", "--name", "", "--role", "boss")
    assert bad.code == 2 and "email" in bad.err and "role" in bad.err and "name" in bad.err
    assert cli("users", "edit", "nobody@example.org", "--name", "x").code == 1
    assert cli("users", "edit", person.id).code == 2
    last = cli("users", "deactivate", admin.id, "--yes")
    assert last.code == 1 and "yourself" in last.err


def test_teams(cli, admin) -> None:
    name = unique("cli-team")
    added = cli("teams", "add", name, "--json")
    assert added.code == 0 and json.loads(added.out)["members"] == 0
    renamed = cli("teams", "rename", name, name + "-2")
    assert renamed.code == 0 and f"Renamed team {name}-2" in renamed.out
    listed = cli("teams", "list", "--json")
    assert name + "-2" in {t["name"] for t in json.loads(listed.out)}
    assert cli("teams", "add", name + "-2").code == 1  # taken: CONFLICT
    bad = cli("teams", "add", "a\u202eb")
    assert bad.code == 2 and "invisible" in bad.err
