"""`agentkeys agent login|header|token|logout` end to end: the login runs as a real
process that shows its code on stderr, the person approves (or denies) it with their
own login, and the stored session then gives headers that work on the server.

Each login waits one poll interval (the server's 5 s): two such tests, no more.
"""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import time
from pathlib import Path

import httpx
import keyring
from cli_support import AGENTKEYS, Server, clean_env
from fake_keyrings import MemoryKeyring

from tui_app.client import credentials
from tui_app.client.agent_session import AgentSession
from tui_app.client.agent_store import SessionStore, session_entry
from tui_app.client.credentials import SERVICE, CredentialStore

CODE_LINE = re.compile(r"^! First copy your one-time code: ([A-Z]{4}-[A-Z]{4})$", re.M)


def start_login(server: Server, home: Path) -> tuple[subprocess.Popen[str], str, str]:
    """`agent login` in its own process; (the process, the code, stderr up to it)."""
    process = subprocess.Popen(
        [AGENTKEYS, "agent", "login", "--server", server.url], stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=clean_env(AGENTKEYS_HOME=str(home),
                      PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring"))
    assert process.stderr is not None
    seen = ""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        seen += line
        if "Waiting for approval" in line:
            match = CODE_LINE.search(seen)
            assert match, seen
            return process, match.group(1), seen
    process.kill()
    raise AssertionError(f"no code shown:\n{seen}")


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=40)
    return process.returncode, out, err


def whoami(server: Server, header: dict[str, str]) -> httpx.Response:
    return httpx.get(f"{server.url}/v1/agent/whoami", headers=header)


def test_login_approve_header_token_refresh_logout(cli, server: Server, home: Path,
                                                   logged_in) -> None:
    key = json.loads(cli("keys", "create", "laptop-agent", "--scope", "read_write",
                         "--json").out)["key"]
    process, code, shown = start_login(server, home)
    assert f"agentkeys approve {code} --key KEY" in shown
    assert "Connections (6)" in shown
    assert f"{server.url}/v1/oauth/device" in shown
    # Before anything is stored in plain text, the login says so.
    assert "plain text" in shown

    approved = cli("approve", code, "--key", "laptop-agent")
    assert approved.code == 0, approved.err
    assert "agentkeys agent asks for read and write access" in approved.err
    status, out, err = finish(process)
    assert status == 0, err
    assert f"Connected to {server.url}: a read and write session, stored in file" in out
    assert "aks_" not in out + shown + err  # no token printed by login

    header = cli("agent", "header", "--server", server.url)
    assert header.code == 0, header.err
    assert header.out.count("\n") == 1
    sent = json.loads(header.out)
    assert list(sent) == ["Authorization"] and sent["Authorization"].startswith("Bearer aks_")
    answer = whoami(server, sent)
    assert answer.status_code == 200 and answer.json()["id"] == key["id"]

    token = cli("agent", "token", "--server", server.url)
    assert token.code == 0 and token.out == sent["Authorization"].removeprefix("Bearer ") + "\n"

    # With no usable access token cached, the next call renews the session and keeps the
    # rotated refresh token at once.
    store = SessionStore(server.url)
    before = store.load()
    assert before is not None and before.access_token
    store.save(before.without_access_token(), confirm_plaintext=lambda _: True)
    renewed = cli("agent", "token", "--server", server.url)
    assert renewed.code == 0, renewed.err
    fresh = renewed.out.strip()
    assert fresh.startswith("aks_") and fresh != before.access_token
    after = store.load()
    assert after is not None and after.refresh_token != before.refresh_token
    assert after.access_token == fresh
    assert whoami(server, {"Authorization": f"Bearer {fresh}"}).status_code == 200

    # The person's own login, in the same file, is untouched.
    assert cli("whoami").code == 0

    out_of_it = cli("agent", "logout", "--server", server.url)
    assert out_of_it.code == 0 and "Logged out: the agent session" in out_of_it.out
    gone = cli("agent", "header", "--server", server.url)
    assert gone.code == 4
    assert f"run agentkeys agent login --server {server.url} again" in gone.err
    assert gone.out == ""

    # A refresh token the server does not know: the session has ended, and is forgotten.
    store.save(AgentSession(server.url, after.client_id, "not-a-refresh-token", None, None,
                            "read"), confirm_plaintext=lambda _: True)
    ended = cli("agent", "header", "--server", server.url)
    assert ended.code == 4 and "has ended" in ended.err and "agent login" in ended.err
    assert store.load() is None
    assert cli("whoami").code == 0


def test_a_denied_login_stores_nothing(cli, server: Server, home: Path, logged_in) -> None:
    process, code, _ = start_login(server, home)
    denied = cli("deny", code)
    assert denied.code == 0, denied.err
    status, out, err = finish(process)
    assert status == 1
    assert "denied" in err and out == ""
    assert SessionStore(server.url).load() is None
    # The registration is kept for the next login on this machine.
    clients = json.loads((home / "state" / "agent-clients.json").read_text())
    assert set(clients) == {server.url}


def test_the_session_never_replaces_the_login_token(server: Server, home: Path) -> None:
    """In a keyring both live under the service, each under its own name."""
    original = keyring.get_keyring()
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    credentials.reset_keyring_state()
    try:
        CredentialStore(server.url).save("akp_login", confirm_plaintext=lambda _: False)
        session = AgentSession(server.url, "client-1", "refresh", "aks_x", None, "read")
        where = SessionStore(server.url).save(session, confirm_plaintext=lambda _: False)
        assert where.startswith("keyring")
        assert memory.store[(SERVICE, server.url)] == "akp_login"
        assert AgentSession.from_json(memory.store[(SERVICE, session_entry(server.url))]
                                      ).refresh_token == "refresh"
        SessionStore(server.url).delete()
        assert CredentialStore(server.url).load(use_env=False) == "akp_login"
    finally:
        keyring.set_keyring(original)
        credentials.reset_keyring_state()


def test_polling_honours_slow_down_and_gives_up_at_expiry(server: Server) -> None:
    """Polls sent with no real wait (the clock is the test's): the server asks to slow
    down each time, every later wait is five seconds longer, and the client stops by
    itself before the code's ten minutes are up."""
    from tui_app.client.agent_session import AgentOAuth, OAuthError

    now = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    with AgentOAuth(server.url) as oauth:
        client_id = oauth.register("polling test")
        start = oauth.start_device(client_id, "read")
        try:
            oauth.wait_for_approval(client_id, start, sleep=sleep, monotonic=lambda: now[0])
        except OAuthError as exc:
            assert exc.error == "expired_token"
        else:
            raise AssertionError("approved by nobody")
    assert waits[:4] == [5, 5, 10, 15]  # the first poll is on time; then too soon
    assert all(b - a == 5 for a, b in itertools.pairwise(waits[1:]))
    assert sum(waits) <= start.expires_in
