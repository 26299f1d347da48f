"""`agentkeys login`, `logout`, `whoami` against a real `agentkeys serve`."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import keyring
from cli_support import Server, run_agentkeys
from fake_keyrings import MemoryKeyring

from tui_app.domain.keyformat import TokenKind, generate


def credentials_file(home: Path) -> Path:
    return home / "config" / "credentials.toml"


def test_login_with_token_on_stdin_then_whoami(cli, server: Server, home: Path) -> None:
    user = server.add_user("manager", teams=("red", "blue"))
    result = cli("login", "--server", server.url, "--with-token", stdin=user.token + "\n")
    assert result.code == 0, result.err
    assert f"Logged in to {server.url} as {user.name}" in result.out
    assert "plain text" in result.err  # no keyring here: warned before writing
    path = credentials_file(home)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert f"file {path} (0600)" in result.out
    assert user.token not in result.out + result.err

    result = cli("whoami")  # the login made a default profile
    assert result.code == 0, result.err
    assert user.email in result.out and "manager" in result.out
    assert "blue, red" in result.out or "red, blue" in result.out
    assert f"credential: file {path} (0600)" in result.out

    result = cli("whoami", "--json")
    data = json.loads(result.out)
    assert data["user"]["email"] == user.email and data["user"]["role"] == "manager"
    assert sorted(data["user"]["teams"]) == ["blue", "red"]
    assert data["server"] == server.url and data["embedded"] is False
    assert data["credential"] == f"file {path} (0600)"
    assert data["profile"] == "127.0.0.1"
    assert set(data["policy"]) >= {"max_lifetime_days", "require_terms", "key_env"}
    assert user.token not in result.out


def test_malformed_token_is_refused_offline(cli, home: Path) -> None:
    good = generate(TokenKind.PERSONAL)
    broken = good[:-1] + ("A" if good[-1] != "A" else "B")
    # Port 9 (discard) has no server: any request would fail differently.
    for token, message in [
        (broken, "checksum does not match"),
        (generate(TokenKind.AGENT), "not a login token"),
        ("hello", "should look like"),
        ("", "empty"),
    ]:
        result = cli("login", "--server", "http://127.0.0.1:9", "--with-token", stdin=token)
        assert result.code == 1, result
        assert "not a valid login token" in result.err and message in result.err
        assert "Cannot reach" not in result.err
        if token:
            assert token not in result.err + result.out
    assert not credentials_file(home).exists()


def test_login_with_rejected_token_exits_4(cli, server: Server, home: Path) -> None:
    user = server.add_user()
    server.revoke_token(user.token)
    result = cli("login", "--server", server.url, "--with-token", stdin=user.token)
    assert result.code == 4
    assert "rejected this token" in result.err and "TOKEN_REVOKED" in result.err
    assert user.token not in result.err + result.out
    assert not credentials_file(home).exists()
    unknown = generate(TokenKind.PERSONAL)  # well formed, never issued
    result = cli("login", "--server", server.url, "--with-token", stdin=unknown)
    assert result.code == 4 and "TOKEN_INVALID" in result.err


def test_token_revoked_after_login_exits_4(cli, server: Server, logged_in) -> None:
    server.revoke_token(logged_in.token)
    for args in (["whoami"], ["keys", "list"], ["keys", "list", "--json"]):
        result = cli(*args)
        assert result.code == 4, args
        assert "rejected the login token" in result.err
        assert f"agentkeys login --server {server.url}" in result.err
        assert result.out == ""
        assert logged_in.token not in result.err


def test_logout_forgets_the_token(cli, server: Server, logged_in, home: Path) -> None:
    result = cli("logout")
    assert result.code == 0 and "token removed from file" in result.out
    assert not credentials_file(home).exists()
    result = cli("whoami")
    assert result.code == 4 and "Not logged in" in result.err
    result = cli("logout")
    assert result.code == 0 and "No stored token" in result.out


def test_environment_token_wins(cli, server: Server, logged_in, monkeypatch) -> None:
    other = server.add_user("admin")
    monkeypatch.setenv("AGENTKEYS_TOKEN", other.token)
    result = cli("whoami", "--json")
    data = json.loads(result.out)
    assert data["user"]["email"] == other.email
    assert data["credential"] == "environment AGENTKEYS_TOKEN"


def test_profiles_select_the_server(cli, server: Server, home: Path) -> None:
    user = server.add_user()
    result = cli("login", "--profile", "work", "--server", server.url, "--with-token",
                 stdin=user.token)
    assert result.code == 0 and "profile 'work'" in result.out
    config = (home / "config" / "config.toml").read_text()
    assert "[profiles.work]" in config and 'default_profile = "work"' in config
    # The options work before and after the subcommand.
    assert cli("--profile", "work", "whoami").code == 0
    assert cli("whoami", "--profile", "work").code == 0
    result = cli("whoami", "--profile", "home")
    assert result.code == 1 and "No profile named 'home' (profiles: work)" in result.err
    result = cli("whoami", "--server", "http://127.0.0.1:9")
    assert result.code == 4 and "Not logged in to http://127.0.0.1:9" in result.err


def test_login_needs_a_server(cli) -> None:
    result = cli("login", "--with-token", stdin=generate(TokenKind.PERSONAL))
    assert result.code == 2 and "--server URL" in result.err


def test_login_without_terminal_or_with_token_is_a_usage_error(cli, server: Server) -> None:
    result = cli("login", "--server", server.url, stdin_tty=False)
    assert result.code == 2 and "--with-token" in result.err


def test_unreachable_server_is_one_clear_line(cli) -> None:
    result = cli("login", "--server", "http://127.0.0.1:9", "--with-token",
                 stdin=generate(TokenKind.PERSONAL))
    assert result.code == 1
    assert result.err.count("\n") == 1 and "Cannot reach the server" in result.err
    assert "Traceback" not in result.err


def test_real_command_login_whoami_logout(server: Server, tmp_path: Path) -> None:
    """The installed command, as a user's shell runs it: stdin, exit codes, files."""
    home = tmp_path / "h"
    user = server.add_user("admin", name="Ada")
    done = run_agentkeys("login", "--server", server.url, "--with-token", home=home,
                         stdin=user.token + "\n")
    assert done.returncode == 0, done.stderr
    assert "Warning:" in done.stderr and "plain text" in done.stderr
    assert user.token not in done.stdout + done.stderr
    assert stat.S_IMODE(credentials_file(home).stat().st_mode) == 0o600

    done = run_agentkeys("whoami", "--json", home=home)
    assert done.returncode == 0 and json.loads(done.stdout)["user"]["name"] == "Ada"

    credentials_file(home).chmod(0o644)
    done = run_agentkeys("whoami", home=home)
    assert done.returncode == 1
    assert "can be read by other users (mode 0644)" in done.stderr
    assert "Traceback" not in done.stderr and user.token not in done.stderr
    credentials_file(home).chmod(0o600)

    server.revoke_token(user.token)
    done = run_agentkeys("whoami", home=home)
    assert done.returncode == 4 and "TOKEN_REVOKED" in done.stderr
    done = run_agentkeys("logout", home=home)
    assert done.returncode == 0 and not credentials_file(home).exists()
    log = (server.home / "serve.log").read_text()
    assert "/v1/me" in log and user.token not in log  # the server's access log


def test_embedded_default_whoami(tmp_path: Path) -> None:
    """With no server configured the command runs its own embedded server."""
    done = run_agentkeys("whoami", "--json", home=tmp_path / "h")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["embedded"] is True
    assert data["credential"] == "embedded server, token in its data dir"
    assert data["user"]["role"] == "admin"


def test_hidden_prompt_and_keyring(cli, server: Server, home: Path, monkeypatch) -> None:
    """On a terminal the token is read with getpass and goes to a working keyring."""
    user = server.add_user()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)  # the no_keyring fixture restores the original
    prompts: list[str] = []

    def fake_getpass(prompt: str) -> str:
        prompts.append(prompt)
        return user.token

    monkeypatch.setattr("getpass.getpass", fake_getpass)
    result = cli("login", "--server", server.url, tty=True)
    assert result.code == 0, result.err
    assert prompts and "hidden" in prompts[0]
    assert "Token stored in keyring (" in result.out and "Warning" not in result.err
    assert backend.store[("agentkeys", server.url)] == user.token
    assert not credentials_file(home).exists()
    whoami = cli("whoami")
    assert "credential: keyring (" in whoami.out
    assert cli("logout").code == 0 and not backend.store


def test_plaintext_storage_is_asked_first_on_a_terminal(cli, server: Server, home: Path,
                                                        monkeypatch) -> None:
    user = server.add_user()
    monkeypatch.setattr("getpass.getpass", lambda prompt: user.token)
    declined = cli("login", "--server", server.url, stdin="n\n", tty=True)
    assert declined.code == 2
    assert "plain text" in declined.err and "Store the token in that file?" in declined.err
    assert not credentials_file(home).exists()
    accepted = cli("login", "--server", server.url, stdin="y\n", tty=True)
    assert accepted.code == 0 and credentials_file(home).exists()
    flag = cli("login", "--server", server.url, "--insecure-storage", tty=True)
    assert flag.code == 0 and "Warning" in flag.err


def test_login_against_something_else_is_one_clear_line(cli, tmp_path: Path) -> None:
    """A URL that is not an agentkeys server: an HTML page (200) or a 404, no traceback."""
    import functools
    import http.server
    import threading

    site = tmp_path / "site"
    (site / "v1").mkdir(parents=True)
    (site / "v1" / "me").write_text("<html>captive portal</html>")
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}"
        token = generate(TokenKind.PERSONAL)
        html = cli("login", "--server", url, "--with-token", stdin=token)
        assert html.code == 1 and "not JSON" in html.err and html.err.count("\n") == 1
        missing = cli("login", "--server", url + "/nothing", "--with-token", stdin=token)
        assert missing.code == 1 and "404" in missing.err and "server URL right" in missing.err
        assert token not in html.err + missing.err
    finally:
        httpd.shutdown()
