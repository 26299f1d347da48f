"""The local server (the embedded default): started once, found by the next run, one per
data directory, replaced when its code changes, stopped when idle or told to, and its
token kept in a private state file."""

from __future__ import annotations

import json
import os
import stat
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tui_app import local_state
from tui_app.client import local_server
from tui_app.client.prefetch import Prefetch


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("AGENTKEYS_HOME", str(tmp_path))
    yield tmp_path
    local_server.stop(tmp_path)

def _me(url: str, token: str) -> httpx.Response:
    return httpx.get(f"{url}/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=10)

def _in_30_days() -> str:
    return (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")

def _wait_until(condition: object, seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False

def test_started_once_then_found(home: Path) -> None:
    first = local_server.connect(home)
    assert first.running is None and first.proc is not None  # it had to start
    url, token = first.wait()
    assert url.startswith("http://127.0.0.1:") and token not in repr(first)
    reply = _me(url, token)
    assert reply.status_code == 200 and reply.json()["user"]["role"] == "admin"

    again = local_server.connect(home)
    assert again.proc is None and again.running == (url, token), "the next run finds it"
    assert first.proc.poll() is None, "it outlives the run that started it"

    data = local_state.data_dir(home)
    info = (data / local_state.STATE_FILE).stat()
    assert stat.S_IMODE(info.st_mode) == 0o600
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert local_state.lock_holder(data) == first.proc.pid

def test_stop_revokes_its_token_and_keys_persist(home: Path) -> None:
    url, token = local_server.connect(home).wait()
    created = httpx.post(f"{url}/v1/keys", headers={"Authorization": f"Bearer {token}"},
                         json={"name": "kept", "expires_at": _in_30_days()}, timeout=10)
    assert created.status_code == 201, created.text
    assert local_server.stop(home)
    data = local_state.data_dir(home)
    assert not (data / local_state.STATE_FILE).exists()
    assert not local_server.stop(home), "nothing left to stop"

    url2, token2 = local_server.connect(home).wait()
    assert token2 != token
    assert _me(url2, token).status_code == 401, "the stopped server's token died with it"
    keys = httpx.get(f"{url2}/v1/keys", headers={"Authorization": f"Bearer {token2}"},
                     timeout=10).json()["items"]
    assert [k["name"] for k in keys] == ["kept"]

def test_crashed_server_is_replaced_and_its_token_revoked(home: Path) -> None:
    first = local_server.connect(home)
    _, token = first.wait()
    assert first.proc is not None
    os.kill(first.proc.pid, 9)  # no clean-up at all: state file and token left behind
    first.proc.wait(10)
    data = local_state.data_dir(home)
    assert (data / local_state.STATE_FILE).exists() and not local_state.is_locked(data)

    url2, token2 = local_server.connect(home).wait()
    assert _me(url2, token2).status_code == 200
    assert _me(url2, token).status_code == 401

def test_other_code_is_replaced(home: Path) -> None:
    """An upgrade (here: a state file claiming other code) stops the old server."""
    first = local_server.connect(home)
    _, token = first.wait()
    data = local_state.data_dir(home)
    state = local_state.read_state(data)
    assert state is not None
    local_state.write_state(data, local_state.LocalState(
        url=state.url, token=state.token, pid=state.pid, fingerprint="older-code"))
    url2, token2 = local_server.connect(home).wait()
    assert token2 != token and _me(url2, token2).status_code == 200
    assert first.proc is not None and first.proc.wait(10) == 0

def test_untrusted_state_file_is_not_used(home: Path) -> None:
    local_server.connect(home).wait()
    data = local_state.data_dir(home)
    (data / local_state.STATE_FILE).chmod(0o644)
    assert local_state.read_state(data) is None, "readable by others: not trusted"
    url, token = local_server.connect(home).wait()
    assert _me(url, token).status_code == 200
    assert stat.S_IMODE((data / local_state.STATE_FILE).stat().st_mode) == 0o600

def test_two_starts_at_once_share_one_server(home: Path) -> None:
    a, b = local_server.connect(home), local_server.connect(home)
    assert a.wait() == b.wait()
    assert a.proc is not None and b.proc is not None
    assert _wait_until(lambda: (a.proc.poll(), b.proc.poll()).count(None) == 1), \
        "one serves, the other stood down"

def test_stops_when_idle(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTKEYS_LOCAL_IDLE_SECONDS", "1")
    server = local_server.connect(home)
    server.wait()
    assert server.proc is not None and server.proc.wait(15) == 0
    assert not (local_state.data_dir(home) / local_state.STATE_FILE).exists()

def test_stops_when_its_state_file_goes(home: Path) -> None:
    server = local_server.connect(home)
    server.wait()
    (local_state.data_dir(home) / local_state.STATE_FILE).unlink()
    assert server.proc is not None and server.proc.wait(15) == 0

def test_failure_to_start_is_explained(home: Path) -> None:
    data = local_state.data_dir(home)
    (data / "agentkeys.db").write_bytes(b"this is not a database" * 100)
    with pytest.raises(local_server.LocalServerError) as raised:
        local_server.connect(home).wait()
    assert "did not start" in str(raised.value)

def test_prefetch_reads_what_the_api_says(home: Path) -> None:
    url, token = local_server.connect(home).wait()
    headers = {"Authorization": f"Bearer {token}"}
    for n in range(3):
        httpx.post(f"{url}/v1/keys", headers=headers, timeout=10,
                   json={"name": f"k{n}", "expires_at": _in_30_days()}).raise_for_status()
    result = Prefetch(url, token).result()
    assert result is not None
    me, keys = result
    assert me.user.role.value == "admin" and sorted(k.name for k in keys) == ["k0", "k1", "k2"]

    assert Prefetch(url, "akp_live_" + "x" * 46).result() is None, "rejected: ask again"
    assert Prefetch("https://keys.example.com", token).result() is None, "TLS: httpx's job"

def test_demo_server_lives_as_long_as_its_tui(home: Path) -> None:
    demo = local_server.start_demo(keys=20)
    url, token = demo.wait()
    assert json.loads(_me(url, token).text)["user"]["role"] == "admin"
    demo.close()
    assert demo.proc is not None and demo.proc.returncode is not None
    assert _wait_until(lambda: not (Path(home) / "data" / local_state.STATE_FILE).exists())


def test_server_stop_command(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tui_app.cli import main

    local_server.connect(home).wait()
    for expected in ("Stopped the local server.", "No local server is running."):
        with pytest.raises(SystemExit) as done:
            main(["server", "stop"])
        assert done.value.code == 0 and capsys.readouterr().out.strip() == expected
    assert not local_state.is_locked(local_state.data_dir(home))


def test_its_files_are_private(home: Path) -> None:
    old = os.umask(0o022)  # the server inherits it: without care, files come out 0644
    try:
        url, token = local_server.connect(home).wait()
    finally:
        os.umask(old)
    created = httpx.post(f"{url}/v1/keys", headers={"Authorization": f"Bearer {token}"},
                         json={"name": "k", "expires_at": _in_30_days()}, timeout=10)
    assert created.status_code == 201, created.text
    data = local_state.data_dir(home)
    files = [data / name for name in ("agentkeys.db", "agentkeys.db-wal", "agentkeys.db-shm",
                                      local_state.STATE_FILE, local_state.LOCK_FILE,
                                      "local-server.log")]
    files.append(home / "config" / "pepper")
    assert {f.name: stat.S_IMODE(f.stat().st_mode) for f in files} == {
        f.name: 0o600 for f in files}
    for directory in (home, data, home / "config"):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700


def test_a_directory_others_may_write_in_stops_it_with_the_fix(home: Path) -> None:
    config = home / "config"
    config.mkdir(parents=True)
    (config / "pepper").write_text("ab" * 32)
    os.chmod(config / "pepper", 0o600)
    os.chmod(config, 0o777)
    with pytest.raises(local_server.LocalServerError) as raised:
        local_server.connect(home).wait()
    assert f"chmod 700 {config}" in str(raised.value)
    assert stat.S_IMODE(config.stat().st_mode) == 0o777, "the owner decides"


def test_it_answers_only_its_loopback_names(home: Path) -> None:
    url, _token = local_server.connect(home).wait()
    port = url.rsplit(":", 1)[1]
    refused = httpx.get(f"{url}/healthz", headers={"Host": f"evil.example:{port}"}, timeout=10)
    assert refused.status_code == 400 and "location" not in refused.headers
    assert refused.json()["error"]["code"] == "HOST_NOT_ALLOWED"
    slash = httpx.get(f"{url}/v1/keys/", timeout=10)
    assert slash.status_code == 404 and "location" not in slash.headers
    for host in (f"localhost:{port}", f"[::1]:{port}", "127.0.0.1"):
        assert httpx.get(f"{url}/healthz", headers={"Host": host}, timeout=10).status_code == 200


def test_the_environment_token_is_its_login(home: Path) -> None:
    """AGENTKEYS_TOKEN wins over the local server's own token, as it does everywhere: the
    TUI and every command take their login from here."""
    env = {"AGENTKEYS_TOKEN": "akp_live_" + "x" * 46}
    starting = local_server.connect(home, env=env)
    url, token = starting.wait()
    assert token == env["AGENTKEYS_TOKEN"]
    assert starting.credential == "environment AGENTKEYS_TOKEN"
    found = local_server.connect(home, env=env)
    assert found.running == (url, token) and found.credential == starting.credential
    assert _me(url, token).status_code == 401, "rejected, as it should be: not replaced"

    own = local_server.connect(home, env={})
    assert own.running is not None and own.running[1] != token
    assert own.credential == local_server.CREDENTIAL_LABEL


def _policy(url: str, token: str) -> dict[str, object]:
    reply = _me(url, token)
    assert reply.status_code == 200, reply.text
    policy = reply.json()["policy"]
    return {name: policy[name] for name in ("max_lifetime_days", "require_terms")}


def test_it_honours_the_server_settings_and_a_change_replaces_it(
        home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AGENTKEYS_MAX_LIFETIME_DAYS", "AGENTKEYS_REQUIRE_TERMS", "AGENTKEYS_KEY_ENV"):
        monkeypatch.delenv(name, raising=False)
    url, token = local_server.connect(home).wait()
    assert _policy(url, token) == {"max_lifetime_days": 365, "require_terms": False}

    # Set in the environment: the running server has other settings, so it is replaced.
    monkeypatch.setenv("AGENTKEYS_MAX_LIFETIME_DAYS", "0")
    monkeypatch.setenv("AGENTKEYS_REQUIRE_TERMS", "1")
    url, token = local_server.connect(home).wait()
    assert _policy(url, token) == {"max_lifetime_days": 0, "require_terms": True}
    never = httpx.post(f"{url}/v1/keys", headers={"Authorization": f"Bearer {token}"},
                       json={"name": "forever", "expires_at": None, "accept_terms": True},
                       timeout=10)
    assert never.status_code == 201 and never.json()["key"]["expires_at"] is None

    # The config file's [server] table; a variable still wins over it.
    (home / "config" / "config.toml").write_text(
        "[server]\nmax_lifetime_days = 30\nrequire_terms = false\n")
    url, token = local_server.connect(home).wait()
    assert _policy(url, token) == {"max_lifetime_days": 0, "require_terms": True}
    monkeypatch.delenv("AGENTKEYS_MAX_LIFETIME_DAYS")
    monkeypatch.delenv("AGENTKEYS_REQUIRE_TERMS")
    first = local_server.connect(home)
    url, token = first.wait()
    assert _policy(url, token) == {"max_lifetime_days": 30, "require_terms": False}
    assert local_server.connect(home).running == (url, token), "same settings: kept"


def test_a_bad_setting_is_explained(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTKEYS_MAX_LIFETIME_DAYS", "a year")
    with pytest.raises(local_server.LocalServerError) as raised:
        local_server.connect(home).wait()
    assert "AGENTKEYS_MAX_LIFETIME_DAYS should be a whole number" in str(raised.value)


def test_it_keeps_its_port_across_restarts(home: Path) -> None:
    """Agents and curl lines hold its URL: an idle stop must not change it."""
    import socket

    url, _ = local_server.connect(home).wait()
    assert local_server.stop(home)
    assert local_server.connect(home).wait()[0] == url, "the same port again"
    data = local_state.data_dir(home)
    assert stat.S_IMODE((data / local_state.PORT_FILE).stat().st_mode) == 0o600

    assert local_server.stop(home)
    port = int(url.rsplit(":", 1)[1])
    with socket.socket() as squatter:  # another program took it meanwhile
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        moved, token = local_server.connect(home).wait()
    assert moved != url and _me(moved, token).status_code == 200
    log = (data / "local-server.log").read_text()
    assert f"port {port} is taken; serving on {moved.rsplit(':', 1)[1]}" in log
    assert local_server.stop(home)
    assert local_server.connect(home).wait()[0] == moved, "the new port is kept"
