"""`agentkeys admin keys` and `admin bulk` against a real `agentkeys serve`."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from cli_support import Server

from tui_app.client.export import CSV_COLUMNS


@pytest.fixture
def team(cli, server: Server, monkeypatch):  # type: ignore[no-untyped-def]
    """A team of its own: a manager (logged in) and two members with keys."""
    name = f"team-{id(monkeypatch)}"
    manager = server.add_user("manager", teams=(name,))
    members = [server.add_user("member", teams=(name,)) for _ in range(2)]
    keys: list[dict] = []
    monkeypatch.setenv("AGENTKEYS_SERVER", server.url)
    for n, member in enumerate(members):
        monkeypatch.setenv("AGENTKEYS_TOKEN", member.token)
        for k in range(3):
            result = cli("keys", "create", f"m{n}-key{k}", "--json",
                         "--expires", "5d" if k == 0 else "60d")
            assert result.code == 0, result.err
            keys.append(json.loads(result.out)["key"])
    monkeypatch.setenv("AGENTKEYS_TOKEN", manager.token)
    return {"name": name, "manager": manager, "members": members, "keys": keys}


def ids_of(out: str) -> list[str]:
    return [line.split("\t")[0] for line in out.splitlines()]


def test_listing_formats(cli, team) -> None:
    piped = cli("admin", "keys", "--team", team["name"])
    assert piped.code == 0, piped.err
    assert sorted(ids_of(piped.out)) == sorted(k["id"] for k in team["keys"])
    assert all(len(line.split("\t")) == 8 for line in piped.out.splitlines())

    table = cli("admin", "keys", "--team", team["name"], tty=True)
    header, *rows = table.out.splitlines()
    assert header.startswith("ID") and "OWNER" in header and "LAST USED" in header
    assert len(rows) == 6 and any("in 5 days" in r for r in rows)

    narrow = cli("admin", "keys", "--team", team["name"], tty=True, columns=80)
    assert narrow.out.splitlines()[0].split() == ["ID", "NAME", "OWNER", "STATUS"]
    assert all(len(line) <= 80 for line in narrow.out.splitlines())

    data = json.loads(cli("admin", "keys", "--team", team["name"], "--json").out)
    assert len(data) == 6 and {k["owner"]["email"] for k in data} == {
        m.email for m in team["members"]}

    reader = csv.reader(io.StringIO(cli("admin", "keys", "--team", team["name"], "--csv").out))
    header_row, *csv_rows = list(reader)
    assert tuple(header_row) == CSV_COLUMNS and len(csv_rows) == 6


def test_streams_page_by_page(cli, team, monkeypatch) -> None:
    monkeypatch.setattr("tui_app.cli.admin.PAGE_SIZE", 2)
    result = cli("admin", "keys", "--team", team["name"], "--json", "--sort", "name",
                 "--order", "asc")
    names = [k["name"] for k in json.loads(result.out)]
    assert names == sorted(k["name"] for k in team["keys"])
    limited = cli("admin", "keys", "--team", team["name"], "--limit", "3", "--sort", "name")
    assert len(limited.out.splitlines()) == 3
    shown = cli("admin", "keys", "--team", team["name"], "--limit", "4", tty=True)
    assert "Showing 4 of 6 keys" in shown.err


def test_filters(cli, team) -> None:
    first = team["members"][0]
    owned = cli("admin", "keys", "--owner", first.email)
    assert len(owned.out.splitlines()) == 3
    soon = cli("admin", "keys", "--team", team["name"], "--expiring-within", "7d", "--json")
    assert sorted(k["name"] for k in json.loads(soon.out)) == ["m0-key0", "m1-key0"]
    never = cli("admin", "keys", "--team", team["name"], "--never-used")
    assert len(never.out.splitlines()) == 6
    found = cli("admin", "keys", "--team", team["name"], "-q", "m1-key2", "--json")
    assert [k["name"] for k in json.loads(found.out)] == ["m1-key2"]
    stale = cli("admin", "keys", "--team", team["name"], "--stale-days", "30")
    assert stale.code == 0 and stale.out == ""  # made just now: not stale, though unused
    empty = cli("admin", "keys", "--team", team["name"], "--status", "revoked", tty=True)
    assert empty.code == 0 and "No keys match" in empty.out
    bad = cli("admin", "keys", "--status", "sleepy")
    assert bad.code == 2 and bad.err.startswith("agentkeys: status: ") and bad.out == ""
    assert len(bad.err.strip().splitlines()) == 1


def test_members_may_not_use_admin(cli, team, monkeypatch) -> None:
    monkeypatch.setenv("AGENTKEYS_TOKEN", team["members"][0].token)
    for fmt in ((), ("--json",), ("--csv",)):
        result = cli("admin", "keys", *fmt)
        assert result.code == 1 and "FORBIDDEN" in result.err
        assert result.out == ""  # nothing half-written before the refusal


def test_export_to_file(cli, team, tmp_path: Path) -> None:
    target = tmp_path / "keys.csv"
    result = cli("admin", "keys", "--team", team["name"], "--csv", "-o", str(target))
    assert result.code == 0 and "Wrote 6 keys" in result.err
    rows = list(csv.reader(target.open()))
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) == 7
    assert cli("admin", "keys", "-o", str(target)).code == 2


def test_bulk_reports_each_id_and_fails_if_any_failed(cli, team) -> None:
    ids = [k["id"] for k in team["keys"][:2]]
    refused = cli("admin", "bulk", "disable", *ids)
    assert refused.code == 2 and "pass --yes" in refused.err
    cancelled = cli("admin", "bulk", "revoke", *ids, stdin="no\n", tty=True)
    assert cancelled.code == 2 and "Revoke 2 key(s)" in cancelled.err

    done = cli("admin", "bulk", "disable", *ids, "key_missing", "--yes")
    assert done.code == 1
    lines = done.out.splitlines()
    assert lines[0].startswith(f"ok      {ids[0]}") and "disabled" in lines[0]
    assert lines[2].startswith("failed  key_missing") and "NOT_FOUND" in lines[2]
    assert "2 disabled, 1 failed" in done.err

    enabled = cli("admin", "bulk", "enable", *ids, "--json")
    assert enabled.code == 0
    data = json.loads(enabled.out)
    assert data["ok"] == 2 and data["failed"] == 0
    assert [r["id"] for r in data["results"]] == ids
    assert all(r["ok"] and r["key"]["status"] == "active" for r in data["results"])

    assert cli("admin", "bulk", "extend", *ids).code == 2  # needs --days
    extended = cli("admin", "bulk", "extend", *ids, "--days", "10", "--json")
    assert extended.code == 0
    assert all(r["key"]["expires_at"] > k["expires_at"]
               for r, k in zip(json.loads(extended.out)["results"], team["keys"][:2],
                               strict=True))


def test_bulk_reads_ids_from_a_listing(cli, team) -> None:
    listing = cli("admin", "keys", "--team", team["name"], "--expiring-within", "7d")
    revoked = cli("admin", "bulk", "revoke", "-", "--yes", stdin=listing.out)
    assert revoked.code == 0, revoked.err
    assert len(revoked.out.splitlines()) == 2
    status = json.loads(cli("admin", "keys", "--team", team["name"], "--status", "revoked",
                            "--json").out)
    assert sorted(k["name"] for k in status) == ["m0-key0", "m1-key0"]
    nothing = cli("admin", "bulk", "revoke", "-", "--yes", stdin="\n")
    assert nothing.code == 2 and "No key ids" in nothing.err
