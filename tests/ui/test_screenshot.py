"""The command palette's Screenshot saves somewhere real and says where, even on an
account without a Downloads directory."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import ComposeResult
from textual.widgets import Static

from tui_app.ui.session import SessionApp


class Shot(SessionApp):
    TITLE = "agentkeys"

    def compose(self) -> ComposeResult:
        yield Static("[b]not markup[/b]", markup=False)


@pytest.fixture
def empty_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name in ("XDG_DOWNLOAD_DIR", "XDG_CONFIG_HOME", "AGENTKEYS_HOME"):
        monkeypatch.delenv(name, raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return home


def notes(app: Shot) -> list[str]:
    return [n.message for n in app._notifications]


async def test_the_palette_saves_in_the_working_directory_without_downloads(
        empty_home: Path) -> None:
    app = Shot()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"screenshot")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.5)
        saved = list(Path.cwd().glob("*.svg"))
        assert len(saved) == 1
        svg = saved[0].read_text(encoding="utf-8")
        assert "[b]not" in svg
        assert '<svg xml:space="preserve" ' in svg  # the gaps between styles survive
        assert f"Saved the screenshot to {saved[0]}" in notes(app)
    assert list(empty_home.iterdir()) == []  # nothing made in the empty home


async def test_an_existing_downloads_directory_is_used(empty_home: Path) -> None:
    downloads = empty_home / "Downloads"
    downloads.mkdir()
    app = Shot()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        path = app.deliver_screenshot()
        assert path is not None and Path(path).parent == downloads
        await pilot.pause()
        assert f"Saved the screenshot to {path}" in notes(app)


async def test_a_place_it_cannot_write_is_reported_not_raised(
        empty_home: Path, tmp_path: Path) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    app = Shot()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        assert app.deliver_screenshot(path=str(not_a_folder)) is None
        await pilot.pause()
        assert any(n.startswith("Could not save the screenshot: Not a directory")
                   for n in notes(app))
