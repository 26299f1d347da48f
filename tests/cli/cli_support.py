"""Helpers for the command-line tests: the server handle, users, running the command.

One server per test session (starting one costs a second; 2 cores): tests create their
own users through the server's storage, so no test sees another's keys. Commands run
in-process through `tui_app.cli.main` (fast) or as `.venv/bin/agentkeys` subprocesses
where the process boundary matters (stdin, exit status, what reaches the terminal).
"""

from __future__ import annotations

import io
import itertools
import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

AGENTKEYS = str(Path(sys.executable).with_name("agentkeys"))
_counter = itertools.count(1)


@dataclass
class CliUser:
    id: str
    email: str
    name: str
    token: str

    def __repr__(self) -> str:
        return f"CliUser({self.email!r}, token='…')"


@dataclass
class Server:
    url: str
    home: Path
    database_url: str

    def _engine(self):  # type: ignore[no-untyped-def]
        from tui_app.server.store import db

        if not hasattr(self, "_cached_engine"):
            self._cached_engine = db.create_engine(self.database_url)
        return self._cached_engine

    def _pepper(self) -> bytes:
        from tui_app.server.settings import load_or_create_pepper

        return load_or_create_pepper(self.home / "config" / "pepper")

    def add_user(self, role: str = "member", teams: tuple[str, ...] = (),
                 name: str | None = None) -> CliUser:
        """A user made through the server's storage, with a fresh login token."""
        from tui_app.domain.clock import system_clock
        from tui_app.server.store import users as users_store

        n = next(_counter)
        email = f"{role}{n}-{os.getpid()}@example.org"
        name = name or f"{role.capitalize()} {n}"
        now = system_clock()
        with self._engine().begin() as conn:
            user_id = users_store.create_user(conn, email=email, name=name, role=role,
                                              teams=list(teams), now=now)
            token = users_store.issue_login_token(conn, self._pepper(), user_id, now)
        return CliUser(user_id, email, name, token)

    def revoke_token(self, token: str) -> None:
        from tui_app.domain.clock import system_clock
        from tui_app.server.store import users as users_store

        with self._engine().begin() as conn:
            assert users_store.revoke_login_token(conn, self._pepper(), token, system_clock())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AGENTKEYS_") and k != "PYTHON_KEYRING_BACKEND"}
    env.update(extra)
    return env


class FakeStdin(io.StringIO):
    def __init__(self, text: str, tty: bool) -> None:
        super().__init__(text)
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


@dataclass
class Result:
    code: int
    out: str
    err: str


def run_agentkeys(*args: str, home: Path, stdin: str = "", **env: str
                  ) -> subprocess.CompletedProcess[str]:
    """The real command in a subprocess, with its own AGENTKEYS_HOME."""
    return subprocess.run(
        [AGENTKEYS, *args], input=stdin, capture_output=True, text=True, timeout=60,
        env=clean_env(AGENTKEYS_HOME=str(home),
                      PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring", **env),
    )
