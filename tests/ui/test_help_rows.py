"""What Help lists: every key once, each with words a newcomer understands."""

from __future__ import annotations

from collections import Counter

from textual.app import App

from tui_app.ui.app import AgentKeysApp
from tui_app.ui.help.screen import help_rows


def rows() -> list[tuple[str, str, str]]:
    return help_rows(App().get_key_display, AgentKeysApp.BINDINGS)


def test_each_key_is_listed_once_per_place() -> None:
    counted = Counter((group, key) for group, key, _ in rows())
    assert [entry for entry, times in counted.items() if times > 1] == []


def test_the_sort_keys_are_one_row_that_explains_them() -> None:
    admin = [(key, what) for group, key, what in rows() if group == "Admin"]
    sorts = [(key, what) for key, what in admin if what.startswith("Sort")]
    assert len(sorts) == 1
    key, what = sorts[0]
    assert "N/O/S/A/E/L" in key and "E expires" in what


def test_space_says_it_moves_down_and_escape_says_where_it_goes() -> None:
    admin = {key: what for group, key, what in rows() if group == "Admin"}
    assert "move down a row" in admin["space"]
    assert admin["esc"].startswith("Back to the table")
    assert all(what != "Table" for what in admin.values())


def test_escape_back_to_the_table_says_so_on_activity_too() -> None:
    activity = {key: what for group, key, what in rows() if group == "Activity"}
    assert activity["esc"].startswith("Back to the table")
