"""`agentkeys server add-user` and the server's log hygiene (tui_app/cli/server.py)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from tui_app.cli.server import RedactTokens, uvicorn_log_config
from tui_app.domain import keyformat
from tui_app.domain.keyformat import TokenKind
from tui_app.server.store import db

AGENTKEYS = [sys.executable, "-c", "from tui_app.cli import main; main()"]


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AGENTKEYS_HOME": str(tmp_path / "home")}
    env.pop("AGENTKEYS_DATABASE_URL", None)
    return subprocess.run([*AGENTKEYS, *args], env=env, capture_output=True, text=True,
                          timeout=60)


def test_add_user_prints_the_token_once_on_stdout(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    result = _run(tmp_path, "server", "add-user", "--email", "Ann@Example.org", "--name", "Ann",
                  "--role", "manager", "--team", "Platform", "--team", "Data",
                  "--database", url)
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert keyformat.is_well_formed(token, TokenKind.PERSONAL)
    assert token not in result.stderr and "shown only this once" in result.stderr
    engine = db.create_engine(url)
    with engine.connect() as conn:
        user = conn.execute(sa.select(db.users)).one()
        assert (user.email, user.role) == ("ann@example.org", "manager")
        teams = set(conn.execute(sa.select(db.teams.c.name)).scalars())
        assert teams == {"Platform", "Data"}
        stored = conn.execute(sa.select(db.login_tokens.c.digest)).scalar_one()
    engine.dispose()
    assert token not in stored
    assert token.encode() not in (tmp_path / "a.db").read_bytes()
    # The pepper lives outside the database, in a file only the owner can read.
    pepper = tmp_path / "home" / "config" / "pepper"
    assert pepper.stat().st_mode & 0o077 == 0

    again = _run(tmp_path, "server", "add-user", "--email", "ann@example.org", "--name", "Ann",
                 "--role", "member", "--database", url)
    assert again.returncode == 1 and "already exists" in again.stderr and not again.stdout


def test_add_user_refuses_bad_input(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'b.db'}"
    for args in (["--email", "not-an-email", "--name", "X", "--role", "member"],
                 ["--email", "x@y.z", "--name", "Bad\x1b[31m", "--role", "member"],
                 ["--email", "x@y.z", "--name", " ", "--role", "member"],
                 ["--email", "x@y.z", "--name", "evil\u202e", "--role", "member"],
                 ["--email", "x@y.z", "--name", "\U000e0041\U000e0042", "--role", "member"],
                 ["--email", "x@y.z", "--name", "X", "--role", "member", "--team", "t" * 255],
                 ["--email", "x@y.z\nz@q.r", "--name", "X", "--role", "member"]):
        result = _run(tmp_path, "server", "add-user", *args, "--database", url)
        assert result.returncode == 2, (args, result.stderr)
        assert not result.stdout
    wrong_role = _run(tmp_path, "server", "add-user", "--email", "x@y.z", "--name", "X",
                      "--role", "owner", "--database", url)
    assert wrong_role.returncode == 2 and "invalid choice" in wrong_role.stderr


def test_access_log_never_keeps_a_token() -> None:
    token = keyformat.generate(TokenKind.AGENT)
    login = keyformat.generate(TokenKind.PERSONAL)
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:1", "GET", f"/v1/keys?q={token}&x={login}", "1.1", 200), None,
    )
    assert RedactTokens().filter(record)
    message = record.getMessage()
    assert token not in message and login not in message
    assert "/v1/keys?q=[token redacted]" in message
    config = uvicorn_log_config()
    assert all(h["filters"] == ["redact_tokens"] for h in config["handlers"].values())
