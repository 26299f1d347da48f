"""The footer at the bottom of the terminal names the keys that work right now: a
modal's own keys while it is open, not those of the screen under it."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from shell_helpers import create_key, make_app, settle, wait_for
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from tui_app.ui.modals.confirm import ConfirmModal
from tui_app.ui.my_keys.create_key import CreateKeyModal
from tui_app.ui.my_keys.edit_key import EditKeyModal
from tui_app.ui.my_keys.screen import MyKeysScreen


def footer_keys(app: Any) -> list[str]:
    """What the footer on top reads, key by key ("n New")."""
    footer = app.screen.query_one(Footer)
    return [str(key.render()).strip() for key in footer.query(FooterKey)]


async def my_keys(pilot: Any, app: Any) -> None:
    await settle(pilot)
    await wait_for(pilot, lambda: isinstance(app.screen, MyKeysScreen) and app.screen.loaded)
    await settle(pilot)


async def test_a_modal_shows_its_own_keys(ui_server: Any, ui_clock: Any) -> None:
    create_key(ui_server, "nightly", clock=ui_clock)
    app = make_app(ui_server, ui_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await my_keys(pilot, app)
        assert "n New" in footer_keys(app)

        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, CreateKeyModal))
        await settle(pilot)
        keys = footer_keys(app)
        assert "^s Create" in keys and "esc Cancel" in keys
        assert not any(key.startswith(("n ", "d ", "R ")) for key in keys)

        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, MyKeysScreen))
        await settle(pilot)
        assert "n New" in footer_keys(app)

        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, EditKeyModal))
        await settle(pilot)
        keys = footer_keys(app)
        assert "^s Save" in keys and "esc Cancel" in keys
        await pilot.press("escape")

        await wait_for(pilot, lambda: isinstance(app.screen, MyKeysScreen))
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await settle(pilot)
        assert footer_keys(app) == ["esc Cancel"]


def footer_fits(app: Any) -> bool:
    """Every key of the footer whole, side by side, inside the terminal's width."""
    keys = list(app.screen.query_one(Footer).query(FooterKey))
    regions = sorted((key.region for key in keys), key=lambda region: region.x)
    inside = all(region.right <= app.size.width for region in regions)
    apart = all(left.right < right.x for left, right in pairwise(regions))
    return bool(keys) and inside and apart


async def test_every_screens_footer_fits_80_columns(ui_server: Any, ui_clock: Any) -> None:
    app = make_app(ui_server, ui_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await my_keys(pilot, app)
        assert footer_fits(app)
        assert "^p Palette" in footer_keys(app) and "? Help" in footer_keys(app)
        for key in ("3", "question_mark"):  # Audit, then Help over it
            await pilot.press(key)
            await settle(pilot)
            assert footer_fits(app), footer_keys(app)
