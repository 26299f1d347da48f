"""A data, config or state directory others may write in stops every command with one
line that says how to fix it, exit status 1, and no traceback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cli_support import run_agentkeys

COMMANDS = [
    [],  # the TUI: it looks for the local server before anything is drawn
    ["keys", "list"],
    ["whoami"],
    ["serve", "--port", "0"],
    ["server", "add-user", "--email", "a@b.c", "--name", "A", "--role", "admin"],
]


@pytest.mark.parametrize("kind", ["data", "config"])
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "tui")
def test_an_unsafe_directory_is_a_clean_error(command: list[str], kind: str,
                                              tmp_path: Path) -> None:
    home = tmp_path / "home"
    loose = home / kind
    loose.mkdir(parents=True)
    (loose / "something").write_text("planted?")
    os.chmod(loose, 0o775)
    result = run_agentkeys(*command, home=home)
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert lines[0].startswith("agentkeys: ") and f"Run: chmod 700 {loose}" in lines[0]
