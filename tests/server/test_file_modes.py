"""A SQLite database and its -wal and -shm files can be read by their owner only, however
the database was made: by the app, `agentkeys server add-user` or `seed`."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tui_app.private_files import create_private
from tui_app.server.api.app import create_app
from tui_app.server.settings import Settings
from tui_app.server.store import db, migrations

AGENTKEYS = [sys.executable, "-c", "from tui_app.cli import main; main()"]
PEPPER = b"test-pepper-0123456789abcdef0123456789"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def database_files(path: Path) -> list[Path]:
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """umask 022, under which anything not made private on purpose is 0644."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_the_app_creates_its_database_and_wal_files_private(
    tmp_path: Path, usual_umask: None,
) -> None:
    path = tmp_path / "x.db"
    app = create_app(Settings(database_url=f"sqlite:///{path}", pepper=PEPPER))
    engine: sa.Engine = app.state.engine
    try:
        with engine.begin() as conn:  # a write, and the connection stays in the pool
            conn.execute(sa.insert(db.rate_limit).values(key_id="k", window_start=0, count=1))
        files = database_files(path)
        assert all(f.exists() for f in files), "WAL mode keeps -wal and -shm while open"
        assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
    finally:
        engine.dispose()


@pytest.mark.parametrize("command", [
    ["server", "add-user", "--email", "a@b.c", "--name", "A", "--role", "admin"],
    ["server", "seed", "--keys", "3", "--users", "2"],
])
def test_server_commands_create_the_database_private(
    command: list[str], tmp_path: Path, usual_umask: None,
) -> None:
    path = tmp_path / "new" / "agentkeys.db"
    path.parent.mkdir()
    env = {**os.environ, "AGENTKEYS_HOME": str(tmp_path / "home")}
    env.pop("AGENTKEYS_DATABASE_URL", None)
    result = subprocess.run([*AGENTKEYS, *command, "--database", f"sqlite:///{path}"],
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert mode(path) == 0o600


def test_an_existing_database_others_may_read_is_left_but_named(
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    path = tmp_path / "old.db"
    path.touch()
    os.chmod(path, 0o644)
    with caplog.at_level(logging.WARNING, logger="agentkeys.db"):
        engine = db.create_engine(f"sqlite:///{path}")
        migrations.migrate(engine)
        engine.dispose()
    assert mode(path) == 0o644
    assert f"chmod 600 {path}" in caplog.text


def test_creation_never_follows_a_planted_symlink(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.db"
    link = tmp_path / "agentkeys.db"
    link.symlink_to(target)
    assert not create_private(link)
    assert not target.exists()


def test_only_a_database_file_is_prepared() -> None:
    assert db.sqlite_path("sqlite:////srv/a b/x.db?timeout=5") == Path("/srv/a b/x.db")
    for url in ("sqlite://", "sqlite:///:memory:", "sqlite:///file:x.db?mode=ro&uri=true"):
        assert db.sqlite_path(url) is None
