"""The directories agentkeys keeps secrets in: created 0700, refused when others could
write in them, tightened when ours and empty (tui_app/paths.py)."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tui_app import paths
from tui_app.paths import UnsafeDirectory

DIRECTORIES: list[Callable[[], Path]] = [paths.config_dir, paths.data_dir, paths.state_dir]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """umask 0: whatever is not asked for explicitly comes out world-writable."""
    old = os.umask(0)
    yield
    os.umask(old)


@pytest.fixture
def platform_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No AGENTKEYS_HOME: platformdirs' XDG directories, under tmp_path/xdg."""
    monkeypatch.delenv("AGENTKEYS_HOME", raising=False)
    base = tmp_path / "xdg"
    for kind in ("CONFIG", "DATA", "STATE"):
        monkeypatch.setenv(f"XDG_{kind}_HOME", str(base / kind.lower()))
    return base


@pytest.mark.parametrize("directory", DIRECTORIES)
def test_what_we_create_is_0700_parents_included(
    directory: Callable[[], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    loose_umask: None,
) -> None:
    home = tmp_path / "a" / "b" / "home"
    monkeypatch.setenv("AGENTKEYS_HOME", str(home))
    made = directory()
    assert made.parent == home
    for path in (made, home, home.parent, home.parent.parent):
        assert mode(path) == 0o700, path


@pytest.mark.parametrize("directory", DIRECTORIES)
def test_platform_directories_we_create_are_0700(
    directory: Callable[[], Path], platform_dirs: Path, loose_umask: None,
) -> None:
    made = directory()
    assert made.is_relative_to(platform_dirs) and made.name == paths.APP_NAME
    assert mode(made) == 0o700 and mode(made.parent) == 0o700


@pytest.mark.parametrize("loose", [0o770, 0o707, 0o777, 0o1777])
@pytest.mark.parametrize("directory", DIRECTORIES)
def test_a_directory_others_may_write_in_is_refused_with_the_fix(
    directory: Callable[[], Path], loose: int, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AGENTKEYS_HOME", str(tmp_path))
    planted = directory()
    (planted / "agentkeys.db").touch()
    os.chmod(planted, loose)
    with pytest.raises(UnsafeDirectory) as refused:
        directory()
    message = str(refused.value)
    assert f"Run: chmod 700 {planted}" in message and "other users" in message
    assert mode(planted) == loose, "left as it is: the owner decides"
    os.chmod(planted, 0o700)
    assert directory() == planted


def test_agentkeys_home_itself_is_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          ) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("AGENTKEYS_HOME", str(home))
    paths.data_dir()
    os.chmod(home, 0o777)  # anyone could rename data/ away and put their own in its place
    with pytest.raises(UnsafeDirectory, match="chmod 700"):
        paths.config_dir()


def test_a_platform_directory_others_may_write_in_is_refused(platform_dirs: Path) -> None:
    existing = platform_dirs / "data" / paths.APP_NAME
    existing.mkdir(parents=True)
    (existing / "agentkeys.db").touch()
    os.chmod(existing, 0o775)
    with pytest.raises(UnsafeDirectory, match="chmod 700"):
        paths.data_dir()


@pytest.mark.parametrize("loose", [0o755, 0o775, 0o777])
def test_an_empty_directory_of_ours_is_tightened(
    loose: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    home = tmp_path / "home"
    (home / "data").mkdir(parents=True)
    os.chmod(home / "data", loose)
    monkeypatch.setenv("AGENTKEYS_HOME", str(home))
    assert mode(paths.data_dir()) == 0o700


def test_readable_but_not_writable_by_others_is_used_as_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("AGENTKEYS_HOME", str(home))
    data = paths.data_dir()
    (data / "agentkeys.db").touch()
    os.chmod(data, 0o755)
    assert paths.data_dir() == data and mode(data) == 0o755


def test_a_directory_of_another_user_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AGENTKEYS_HOME", str(tmp_path / "home"))
    paths.data_dir()
    me = os.getuid()
    monkeypatch.setattr(os, "getuid", lambda: me + 1)
    with pytest.raises(UnsafeDirectory, match="belongs to another user"):
        paths.data_dir()


def test_a_file_where_a_directory_belongs_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    (home / "config").write_text("not a directory")
    monkeypatch.setenv("AGENTKEYS_HOME", str(home))
    with pytest.raises(UnsafeDirectory, match="not a directory"):
        paths.config_dir()
