"""`agentkeys keys …` against a real `agentkeys serve`: output, JSON, exit codes, prompts."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from cli_support import Server

from tui_app.domain.clock import parse_rfc3339
from tui_app.domain.keyformat import TokenKind, parse

KEY_FIELDS = {
    "id", "name", "description", "owner", "created_by", "created_at", "expires_at", "scope",
    "allowed_tools", "blocked_tools", "rate_limit_rpm", "hint", "last_used_at",
    "last_used_tool", "revoked_at", "revoked_by", "disabled_at", "disabled_by", "status",
    "status_reason", "version",
}


def create(cli, name: str, *extra: str) -> dict:  # type: ignore[no-untyped-def]
    result = cli("keys", "create", name, "--json", *extra)
    assert result.code == 0, result.err
    return json.loads(result.out)["key"]


def test_create_prints_the_secret_once_with_a_warning(cli, logged_in) -> None:
    result = cli("keys", "create", "ci-bot")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].startswith("Created key ci-bot (key_")
    secret = lines[-1]
    assert parse(secret, TokenKind.AGENT)
    assert "only time the secret is shown" in result.err
    assert secret not in result.err
    # Never again: show and list carry only the hint.
    shown = cli("keys", "show", "ci-bot")
    assert secret not in shown.out and secret[-4:] in shown.out


def test_create_json_shape(cli, logged_in) -> None:
    result = cli("keys", "create", "json-bot", "--json", "--description", "nightly",
                 "--scope", "read_write", "--allow-tool", "search", "--allow-tool", "fetch",
                 "--block-tool", "delete", "--rpm", "120", "--expires", "90d")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert set(data) == {"key", "secret"}
    key = data["key"]
    assert set(key) == KEY_FIELDS
    assert parse(data["secret"], TokenKind.AGENT)
    assert key["name"] == "json-bot" and key["description"] == "nightly"
    assert key["scope"] == "read_write" and key["rate_limit_rpm"] == 120
    assert key["allowed_tools"] == ["search", "fetch"] and key["blocked_tools"] == ["delete"]
    assert key["status"] == "active" and key["owner"]["email"] == logged_in.email
    assert key["created_at"].endswith("Z")
    expires = parse_rfc3339(key["expires_at"])
    assert expires is not None
    assert abs(expires - datetime.now(UTC) - timedelta(days=90)) < timedelta(minutes=5)
    assert "only time" in result.err
    # People read the scope in words; the JSON above keeps the value.
    shown = cli("keys", "show", "json-bot")
    assert "read and write" in shown.out and "read_write" not in shown.out


def test_print_secret_prints_only_the_secret(cli, logged_in) -> None:
    result = cli("keys", "create", "pbcopy-bot", "--print-secret")
    assert result.code == 0, result.err
    assert parse(result.out, TokenKind.AGENT)  # exactly the secret: no newline when piped
    assert "\n" not in result.out
    assert "pbcopy-bot" in result.err and "only time" in result.err
    on_terminal = cli("keys", "create", "tty-bot", "--print-secret", tty=True)
    assert on_terminal.out.endswith("\n") and parse(on_terminal.out.strip(), TokenKind.AGENT)


@pytest.mark.parametrize(("args", "message"), [
    (["--rpm", "0"], "rate_limit_rpm: Requests per minute must be between"),
    (["--rpm", "many"], "whole number"),
    (["--allow-tool", "bad tool"], "is not a tool name"),
    (["--allow-tool", "x", "--block-tool", "x"], "cannot be both allowed and blocked"),
])
def test_create_rejects_bad_input_before_any_request(cli, logged_in, args, message) -> None:
    result = cli("keys", "create", "bad-bot", *args)
    assert result.code == 2 and message in result.err
    assert cli("keys", "list", "--json").out.strip() == "[]"


def test_create_rejects_bad_names_and_expiries(cli, logged_in) -> None:
    result = cli("keys", "create", "evil\x1b[31mname")
    assert result.code == 2 and "control" in result.err and "\x1b" not in result.err
    result = cli("keys", "create", "x", "--expires", "soonish")
    assert result.code == 2 and "not an expiry" in result.err
    # Beyond the 365-day policy, caught by the server: told once, as a mistake caught
    # here is (one line, "field: message", exit 2).
    result = cli("keys", "create", "x", "--expires", "3y")
    assert result.code == 2, result.err
    assert result.err.startswith("agentkeys: expires_at: ") and result.err.count("365") == 1
    assert len(result.err.strip().splitlines()) == 1
    result = cli("keys", "create", "x", "--expires", "never")
    assert result.code == 2 and result.err.lower().count("must expire") == 1
    assert cli("keys", "list", "--json").out.strip() == "[]"


def test_list_outputs(cli, logged_in) -> None:
    first = create(cli, "alpha")
    create(cli, "beta", "--expires", "7d")
    piped = cli("keys", "list")
    assert piped.code == 0
    rows = [line.split("\t") for line in piped.out.splitlines()]
    assert {r[1] for r in rows} == {"alpha", "beta"}
    assert all(len(r) == 6 for r in rows)
    alpha = next(r for r in rows if r[1] == "alpha")
    assert alpha[0] == first["id"] and alpha[2] == "active"
    assert alpha[3] == first["expires_at"] and alpha[4] == ""  # RFC 3339 when piped

    table = cli("keys", "list", tty=True)
    header, *lines = table.out.splitlines()
    assert header.split() == ["ID", "NAME", "STATUS", "EXPIRES", "LAST", "USED", "SCOPE"]
    assert any("alpha" in line and "in 30 days" in line and "never" in line for line in lines)
    assert any("beta" in line and "in 7 days" in line for line in lines)

    listed = json.loads(cli("keys", "list", "--json").out)
    assert {k["name"] for k in listed} == {"alpha", "beta"}
    assert all(set(k) == KEY_FIELDS for k in listed)

    reader = csv.DictReader(io.StringIO(cli("keys", "list", "--csv").out))
    assert {row["name"] for row in reader} == {"alpha", "beta"}


def test_list_filters_by_status(cli, logged_in) -> None:
    create(cli, "keep")
    gone = create(cli, "gone")
    assert cli("keys", "revoke", gone["id"], "--yes").code == 0
    active = json.loads(cli("keys", "list", "--status", "active", "--json").out)
    assert [k["name"] for k in active] == ["keep"]
    inactive = json.loads(cli("keys", "list", "--status", "revoked,expired", "--json").out)
    assert [k["name"] for k in inactive] == ["gone"]
    result = cli("keys", "list", "--status", "sleeping")
    assert result.code == 2 and "--status takes" in result.err


def test_expiring_within_for_cron(cli, logged_in) -> None:
    empty = cli("keys", "list", "--expiring-within", "7d")
    assert empty.code == 0 and empty.out == ""
    assert cli("keys", "list", "--expiring-within", "7d", "--json").out.strip() == "[]"
    create(cli, "soon", "--expires", "3d")
    create(cli, "later", "--expires", "30d")
    result = cli("keys", "list", "--expiring-within", "7d", "--json")
    assert result.code == 0
    assert [k["name"] for k in json.loads(result.out)] == ["soon"]
    table = cli("keys", "list", "--expiring-within", "1w", tty=True)
    assert table.code == 0 and "soon" in table.out and "later" not in table.out
    none = cli("keys", "list", "--expiring-within", "1d", tty=True)
    assert none.code == 0 and "No active key expires within 1 day." in none.out
    assert cli("keys", "list", "--expiring-within", "soon").code == 2


def test_show_by_id_or_name(cli, logged_in, server: Server) -> None:
    key = create(cli, "finder", "--description", "line one\nline two")
    by_name = cli("keys", "show", "finder")
    by_id = cli("keys", "show", key["id"])
    assert by_name.out == by_id.out and by_name.code == 0
    assert f"ID:            {key['id']}" in by_id.out
    assert "  line one\n  line two" in by_id.out
    assert json.loads(cli("keys", "show", key["id"], "--json").out)["id"] == key["id"]
    missing = cli("keys", "show", "nobody")
    assert missing.code == 1 and "no key named 'nobody'" in missing.err
    unknown = cli("keys", "show", "key_01ARZ3NDEKTSV4RRFFQ69G5FAV")
    assert unknown.code == 1 and "NOT_FOUND" in unknown.err


def test_someone_elses_key_is_not_found(cli, logged_in, server: Server, monkeypatch) -> None:
    key = create(cli, "mine")
    stranger = server.add_user("member", teams=("green",))
    monkeypatch.setenv("AGENTKEYS_TOKEN", stranger.token)
    for args in (["show", key["id"]], ["revoke", key["id"], "--yes"]):
        result = cli("keys", *args)
        assert result.code == 1 and "NOT_FOUND" in result.err


def test_edit_and_extend(cli, logged_in) -> None:
    key = create(cli, "editable", "--expires", "7d")
    result = cli("keys", "edit", "editable", "--name", "renamed", "--description", "new",
                 "--json")
    assert result.code == 0, result.err
    edited = json.loads(result.out)
    assert edited["name"] == "renamed" and edited["description"] == "new"
    assert edited["version"] > key["version"]
    stale = cli("keys", "edit", key["id"], "--name", "again", "--if-match",
                str(key["version"]))
    assert stale.code == 1 and "CONFLICT" in stale.err
    assert cli("keys", "edit", key["id"]).code == 2

    extended = cli("keys", "extend", key["id"], "--expires", "90d")
    assert extended.code == 0 and "Extended key renamed" in extended.out
    data = json.loads(cli("keys", "show", key["id"], "--json").out)
    assert parse_rfc3339(data["expires_at"]) > datetime.now(UTC) + timedelta(days=89)
    shorter = cli("keys", "extend", key["id"], "--expires", "7d")
    assert shorter.code == 2 and "already expires later" in shorter.err
    bad = cli("keys", "edit", key["id"], "--name", " ")
    assert bad.code == 2 and "name:" in bad.err


def test_confirmations(cli, logged_in) -> None:
    key = create(cli, "careful")
    no_tty = cli("keys", "disable", key["id"])
    assert no_tty.code == 2 and "pass --yes" in no_tty.err
    declined = cli("keys", "revoke", key["id"], stdin="n\n", tty=True)
    assert declined.code == 2 and "Cancelled" in declined.err
    assert 'Revoke key "careful"' in declined.err and "cannot be undone" in declined.err
    assert json.loads(cli("keys", "show", key["id"], "--json").out)["status"] == "active"

    disabled = cli("keys", "disable", key["id"], stdin="y\n", tty=True)
    assert disabled.code == 0 and "Disabled key careful" in disabled.out
    assert "inactive" in disabled.out
    enabled = cli("keys", "enable", key["id"], "--json")  # no confirmation to enable
    assert enabled.code == 0 and json.loads(enabled.out)["status"] == "active"

    active_delete = cli("keys", "delete", key["id"], "--yes")
    assert active_delete.code == 1 and "is active" in active_delete.err
    revoked = cli("keys", "revoke", key["id"], "--yes", "--json")
    assert revoked.code == 0 and json.loads(revoked.out)["status"] == "revoked"
    again = cli("keys", "enable", key["id"])
    assert again.code == 1
    deleted = cli("keys", "delete", key["id"], "--yes", "--json")
    assert deleted.code == 0 and json.loads(deleted.out)["deleted"] is True
    assert cli("keys", "show", key["id"]).code == 1


def test_untrusted_text_is_sanitised(cli, server: Server, monkeypatch) -> None:
    evil = server.add_user("member", name="Eve\x1b]52;c;ZXZpbA==\x07\u202egnp.exe")
    monkeypatch.setenv("AGENTKEYS_TOKEN", evil.token)
    monkeypatch.setenv("AGENTKEYS_SERVER", server.url)
    for args in (["whoami"], ["keys", "show", create(cli, "k")["id"]]):
        result = cli(*args)
        assert result.code == 0, result.err
        assert "Eve" in result.out
        assert "\x1b" not in result.out and "\x07" not in result.out
        assert "\u202e" not in result.out
    # JSON keeps the data as it is (escaped by the encoder), for programs.
    raw = cli("whoami", "--json").out
    assert "\x1b" not in raw and json.loads(raw)["user"]["name"].startswith("Eve\x1b")


def test_tables_fit_an_80_column_terminal(cli, logged_in) -> None:
    """At 80 columns the name shrinks and scope/last use give way: no row wraps."""
    create(cli, "deploy bot for the production cluster in eu-west-1, nightly")
    narrow = cli("keys", "list", tty=True, columns=80)
    assert narrow.code == 0, narrow.err
    header, *rows = narrow.out.splitlines()
    assert header.split() == ["ID", "NAME", "STATUS", "EXPIRES"]
    assert all(len(line) <= 80 for line in narrow.out.splitlines())
    assert any("deploy bot for" in row and "…" in row and "in 30 days" in row for row in rows)
    wide = cli("keys", "list", tty=True, columns=120)
    assert wide.out.splitlines()[0].split()[-1] == "SCOPE"
    assert all(len(line) <= 120 for line in wide.out.splitlines())
    # Piped output keeps every column whatever the terminal: scripts rely on it.
    assert len(cli("keys", "list", columns=80).out.splitlines()[0].split("\t")) == 6


def test_delete_says_when_the_key_was_used_in_the_last_day(cli, logged_in,
                                                           server: Server) -> None:
    import httpx

    result = cli("keys", "create", "recently-used", "--json")
    created = json.loads(result.out)
    with httpx.Client(base_url=server.url) as http:  # an agent uses it: whoami counts
        r = http.get("/v1/agent/whoami",
                     headers={"Authorization": f"Bearer {created['secret']}"})
        assert r.status_code == 200
    assert cli("keys", "disable", created["key"]["id"], "--yes").code == 0
    deleted = cli("keys", "delete", created["key"]["id"], "--yes")
    assert deleted.code == 0 and "used in the last 24 hours" in deleted.err


def test_a_hostile_server_cannot_reach_the_terminal(cli, monkeypatch) -> None:
    """Ids, scopes and secrets come from the server too: escapes never reach stdout, and
    a "secret" that is no agent key is refused, not printed."""
    import http.server
    import threading

    from tui_app.domain.keyformat import generate

    evil = "\x1b]52;c;ZXZpbA==\x07"
    person = {"id": "usr_1", "name": "n", "email": "e@x"}
    key = {"id": "key_" + evil, "name": "k", "description": "", "owner": person,
           "created_by": None, "created_at": "2026-01-01T00:00:00Z", "expires_at": None,
           "scope": "read" + evil, "allowed_tools": [], "blocked_tools": [],
           "rate_limit_rpm": None, "hint": "ak_live_…abcd", "last_used_at": None,
           "last_used_tool": None, "revoked_at": None, "revoked_by": None,
           "disabled_at": None, "disabled_by": None, "status": "active",
           "status_reason": None, "version": 1}

    class Hostile(http.server.BaseHTTPRequestHandler):
        def _send(self, status: int, body: object) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._send(200, key)

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self._send(201, {"key": key, "secret": "ak_live_" + evil})

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("AGENTKEYS_SERVER", f"http://127.0.0.1:{httpd.server_address[1]}")
        monkeypatch.setenv("AGENTKEYS_TOKEN", generate(TokenKind.PERSONAL))
        shown = cli("keys", "show", "key_x", tty=True)
        assert shown.code == 0, shown.err
        assert "\x1b" not in shown.out + shown.err and "ZXZpbA" in shown.out
        for extra in ((), ("--print-secret",)):
            created = cli("keys", "create", "x", *extra)
            assert created.code == 1 and "not an agent key" in created.err
            assert "\x1b" not in created.out + created.err and created.out == ""
    finally:
        httpd.shutdown()
