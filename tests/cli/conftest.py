"""Fixtures: a real `agentkeys serve` subprocess (one per session; tests make their own
users through its storage, so none sees another's keys), a private client home, and
`cli(...)` to run the command in-process."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import keyring
import pytest
from cli_support import AGENTKEYS, FakeStdin, Result, Server, _free_port, clean_env
from keyring.backends import fail

from tui_app.client import credentials


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("server-home")
    database_url = f"sqlite:///{home / 'agentkeys.db'}"
    port = _free_port()
    log = (home / "serve.log").open("wb")
    process = subprocess.Popen(
        [AGENTKEYS, "serve", "--port", str(port), "--database", database_url],
        env=clean_env(AGENTKEYS_HOME=str(home)), stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("agentkeys serve did not start:\n"
                               + (home / "serve.log").read_text()[-2000:])
        time.sleep(0.1)
    try:
        yield Server(url, home, database_url)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The client's own AGENTKEYS_HOME (config, credentials), empty for each test."""
    path = tmp_path / "client-home"
    monkeypatch.setenv("AGENTKEYS_HOME", str(path))
    for name in ("AGENTKEYS_TOKEN", "AGENTKEYS_SERVER", "PYTHON_KEYRING_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    return path


@pytest.fixture
def no_keyring() -> Iterator[None]:
    """In-process: no usable keyring, so tokens go to the 0600 file."""
    original = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    credentials.reset_keyring_state()
    yield
    keyring.set_keyring(original)
    credentials.reset_keyring_state()


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, home: Path,
        no_keyring: None):
    """Run `agentkeys ARGS` in-process: cli(*args, stdin="", tty=False, columns=200)."""
    from tui_app.cli import main

    def run(*args: str, stdin: str = "", tty: bool = False, stdin_tty: bool | None = None,
            columns: int = 200) -> Result:
        capsys.readouterr()
        # The terminal's width (tables fit it; see common.fit_columns): wide by default.
        monkeypatch.setenv("COLUMNS", str(columns))
        monkeypatch.setattr(sys, "stdin", FakeStdin(stdin, tty if stdin_tty is None
                                                     else stdin_tty))
        monkeypatch.setattr(sys.stdout, "isatty", lambda: tty)
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        else:
            code = 0
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def logged_in(cli, server: Server):  # type: ignore[no-untyped-def]
    """A fresh member, logged in (token in the 0600 file): returns the CliUser."""
    user = server.add_user("member", teams=("blue",))
    result = cli("login", "--server", server.url, "--with-token", stdin=user.token + "\n")
    assert result.code == 0, result.err
    return user


