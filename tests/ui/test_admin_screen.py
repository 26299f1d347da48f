"""Pilot tests of the Admin triage screen against the real backend (a few thousand keys).

Every check compares what the screen shows with what the API returns for the same query,
and bulk actions are checked through the API afterwards.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from test_admin_support import AdminHost, Backend, all_ids, first_page, make_backend, make_host
from textual.widgets import Input

from tui_app.client.export import count_from_totals
from tui_app.ui.admin.key_table import KeyTable
from tui_app.ui.admin.modals import BulkResultsModal, ExportModal
from tui_app.ui.admin.screen import PRESETS, AdminScreen, Filters
from tui_app.ui.modals.confirm import ConfirmModal

SIZE = (120, 40)


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Backend:
    # Module scope: seeding is the slow part; tests that change keys use their own.
    return make_backend(tmp_path_factory.mktemp("admin"), keys=3000)


@pytest.fixture
def fresh_backend(tmp_path: Path) -> Backend:
    return make_backend(tmp_path, keys=400, users=40)


INTERACTIVE = {"admin-bulk", "admin-export", "admin-mark-all"}


async def settle(pilot, app: AdminHost) -> None:  # type: ignore[no-untyped-def]
    """Wait until timers fired, loads finished and the screen repainted.

    A bulk/export worker waiting on a modal never finishes by itself: once a modal is on
    top and only such workers run, the screen is settled (waiting for them would hang).
    """
    quiet = 0
    for _ in range(1000):
        await pilot.pause(0.01)
        busy = [w for w in app.workers if not w.is_finished]
        waiting_on_modal = bool(busy) and not isinstance(app.screen, AdminScreen) and all(
            w.group in INTERACTIVE for w in busy)
        # Quiet for several turns: work started after a refresh (the counts) has begun.
        quiet = quiet + 1 if not busy or waiting_on_modal else 0
        if quiet >= 5:
            break
    await pilot.pause()


def screen_of(app: AdminHost) -> AdminScreen:
    screen = app.screen
    assert isinstance(screen, AdminScreen), screen
    return screen


def shown_ids(app: AdminHost) -> list[str]:
    return [k.id for k in screen_of(app).table.visible_keys()]


async def test_first_rows_match_the_api(backend: Backend) -> None:
    app = await make_host(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        table = screen_of(app).table
        shown = shown_ids(app)
        assert len(shown) >= 20
        expected = await first_page(backend.client(), len(shown), sort="created_at",
                                    order="desc")
        assert shown == [k.id for k in expected]
        page = await backend.client().admin_list_keys(limit=1, include_totals=True)
        assert table.row_count == count_from_totals(page.totals) == 3000
        # The totals line counts the filter, per status, and says nothing is marked.
        totals = str(screen_of(app).query_one("#admin-totals").render())
        assert "3,000 keys" in totals and "0 marked" in totals
        assert "All keys in the organisation" in str(
            screen_of(app).query_one("#admin-title").render())


FILTERS = [
    Filters(status="revoked"),
    Filters(status="active,inactive"),
    Filters(stale="90"),
    Filters(stale="never"),
    Filters(expiring=7),
    Filters(expiring=30, status="active"),
    Filters(q="ci"),
    *(preset.filters for preset in PRESETS),
]


@pytest.mark.parametrize("filters", FILTERS, ids=repr)
async def test_each_filter_shows_what_the_api_returns(backend: Backend, filters: Filters) -> None:
    app = await make_host(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = screen_of(app)
        screen.apply_filters(filters)
        await settle(pilot, app)
        api = backend.client()
        params = {**filters.params(), "sort": "created_at", "order": "desc"}
        expected = await all_ids(api, **params)
        assert expected, "the seeded data should match every filter"
        shown = shown_ids(app)
        assert shown == expected[: len(shown)]
        assert len(shown) == min(len(expected), screen.table._body_height())
        assert screen.table.row_count == len(expected)


async def test_owner_and_team_filters(backend: Backend) -> None:
    api = backend.client()
    some = (await first_page(api, 1))[0]
    app = await make_host(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = screen_of(app)
        for filters in (Filters(owner=some.owner.email), Filters(owner=some.owner.id)):
            screen.apply_filters(filters)
            await settle(pilot, app)
            expected = await all_ids(api, **filters.params(), sort="created_at", order="desc")
            assert some.id in expected
            assert shown_ids(app) == expected[: len(shown_ids(app))]
            assert all(k.owner.id == some.owner.id for k in screen.table.visible_keys())


SORTS = [("N", "name", "asc"), ("O", "owner", "asc"), ("S", "status", "asc"),
         ("A", "created_at", "asc"), ("E", "expires_at", "desc"),
         ("L", "last_used_at", "desc")]


@pytest.mark.parametrize(("letter", "sort", "order"), SORTS)
async def test_each_sort_both_directions(backend: Backend, letter: str, sort: str,
                                         order: str) -> None:
    app = await make_host(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        api = backend.client()
        # created_at starts as the sort (desc): its first press flips it.
        for expected_order in (order, "desc" if order == "asc" else "asc"):
            await pilot.press(letter)
            await settle(pilot, app)
            table = screen_of(app).table
            assert (table.sort, table.order) == (sort, expected_order)
            shown = shown_ids(app)
            expected = await first_page(api, len(shown), sort=sort, order=expected_order)
            assert shown == [k.id for k in expected]
            arrow = "▲" if expected_order == "asc" else "▼"
            header = "".join(s.text for s in table.render_line(0))
            assert arrow in header


async def test_click_on_a_header_sorts(backend: Backend) -> None:
    app = await make_host(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        table = screen_of(app).table
        await pilot.click(KeyTable, offset=(4, 0))  # the Name header
        await settle(pilot, app)
        assert (table.sort, table.order) == ("name", "asc")
        expected = await first_page(backend.client(), 5, sort="name", order="asc")
        assert shown_ids(app)[:5] == [k.id for k in expected]


async def test_scrolling_pages_from_the_server_to_the_end(backend: Backend) -> None:
    app = await make_host(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        table = screen_of(app).table
        expected = await all_ids(backend.client(), sort="created_at", order="desc")
        for _ in range(5):
            await pilot.press("pagedown")
        await settle(pilot, app)
        top = round(table.scroll_y)
        assert shown_ids(app) == expected[top : top + len(shown_ids(app))]
        await pilot.press("end")
        await settle(pilot, app)
        assert table.cursor_row == 2999
        assert shown_ids(app)[-1] == expected[-1]
        assert table.highlighted is not None and table.highlighted.id == expected[-1]
        # End came from the reversed listing (no walk), and paging up from there and a
        # jump into the middle still show exactly the API's rows at those positions.
        assert table.pages.head.loaded_end < 1500
        for _ in range(3):
            await pilot.press("pageup")
        await settle(pilot, app)
        top = round(table.scroll_y)
        assert shown_ids(app) == expected[top : top + len(shown_ids(app))]
        table.cursor_row = 1500
        await settle(pilot, app)
        top = round(table.scroll_y)
        assert shown_ids(app) == expected[top : top + len(shown_ids(app))]
        assert table.highlighted is not None and table.highlighted.id == expected[1500]
        # Never the whole set in memory at once beyond the cache bound.
        assert table.pages.cached_rows <= table.pages.max_rows + 500
        await pilot.press("home")
        await settle(pilot, app)
        assert shown_ids(app)[0] == expected[0]


async def test_details_of_the_highlighted_key(backend: Backend) -> None:
    app = await make_host(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("down", "down")
        await settle(pilot, app)
        key = screen_of(app).table.highlighted
        assert key is not None
        details = str(screen_of(app).query_one("#admin-key-text").render())
        assert key.id in details and key.owner.email in details
        assert "Rate limit" in details and "Created" in details and "Last used" in details


async def test_marks_survive_scrolling_sorting_and_filter_changes(backend: Backend) -> None:
    app = await make_host(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = screen_of(app)
        table = screen.table
        first_three = shown_ids(app)[:3]
        await pilot.press("space", "space", "space")
        assert set(table.marks) == set(first_three)
        for _ in range(10):
            await pilot.press("pagedown")
        await settle(pilot, app)
        await pilot.press("N")
        await settle(pilot, app)
        screen.apply_filters(Filters(status="revoked"))
        await settle(pilot, app)
        assert set(table.marks) == set(first_three)
        assert "3 marked" in str(screen.query_one("#admin-totals").render())
        screen.apply_filters(Filters())
        await settle(pilot, app)
        await pilot.press("A")  # back from name to created_at, newest first
        await settle(pilot, app)
        assert (table.sort, table.order) == ("created_at", "desc")
        await pilot.press("home")
        await settle(pilot, app)
        assert set(table.marks) == set(first_three)
        assert table.highlighted is not None and table.highlighted.id in table.marks
        await pilot.press("u")
        assert table.marks == {}


async def test_star_marks_every_key_of_the_filter(backend: Backend) -> None:
    app = await make_host(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = screen_of(app)
        screen.apply_filters(Filters(status="expired"))
        await settle(pilot, app)
        await pilot.press("asterisk")
        await settle(pilot, app)
        expected = await all_ids(backend.client(), status="expired")
        assert len(expected) > screen.table._body_height()  # more than the rows on screen
        assert set(screen.table.marks) == set(expected)


async def test_bulk_revoke_revokes_exactly_the_marked_keys(fresh_backend: Backend) -> None:
    api = fresh_backend.client()
    before_revoked = set(await all_ids(api, status="revoked"))
    app = await make_host(fresh_backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = screen_of(app)
        screen.apply_filters(Filters(status="active"))
        await settle(pilot, app)
        await pilot.press("space", "down", "space", "space")  # rows 0, 2, 3
        marked = set(screen.table.marks)
        assert len(marked) == 3
        await pilot.press("R")
        await settle(pilot, app)
        confirm = app.screen
        assert isinstance(confirm, ConfirmModal)
        assert app.focused is not None and app.focused.id == "confirm-cancel"
        body = str(confirm.body)
        assert "3 keys" in body
        for key in screen.table.marks.values():
            assert key.name in body
        await pilot.press("tab", "enter")
        await settle(pilot, app)
        results = app.screen
        assert isinstance(results, BulkResultsModal)
        assert results.summary() == "3 keys revoked."
        await pilot.press("enter")
        await settle(pilot, app)
        assert screen.table.marks == {}
    after_revoked = set(await all_ids(api, status="revoked"))
    assert after_revoked - before_revoked == marked


async def test_bulk_cancel_changes_nothing(fresh_backend: Backend) -> None:
    api = fresh_backend.client()
    before = await all_ids(api, status="revoked")
    app = await make_host(fresh_backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("space", "R")
        await settle(pilot, app)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("enter")  # focus starts on Cancel
        await settle(pilot, app)
        assert isinstance(app.screen, AdminScreen)
    assert await all_ids(api, status="revoked") == before


async def test_keys_the_action_does_not_apply_to_are_skipped_with_a_reason(
        fresh_backend: Backend) -> None:
    api = fresh_backend.client()
    revoked = await first_page(api, 2, status="revoked")
    disabled = next(k for k in await first_page(api, 50, status="inactive")
                    if k.disabled_at is not None)
    app = await make_host(fresh_backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = screen_of(app)
        screen.table.set_marks({k.id: k for k in (*revoked, disabled)})
        await pilot.press("a")  # enable
        await settle(pilot, app)
        confirm = app.screen
        assert isinstance(confirm, ConfirmModal)
        assert confirm.title_text == "Enable 1 of 3 marked keys?"
        body = str(confirm.body)
        assert disabled.name in body
        assert "Skipping 2 keys: revoked keys cannot be enabled." in body
        await pilot.press("tab", "enter")
        await settle(pilot, app)
        results = app.screen
        assert isinstance(results, BulkResultsModal)
        assert results.summary() == "1 key enabled, 2 skipped."
        lines = str(results.query_one("#bulk-results-lines").render())
        for key in revoked:
            assert f"{key.name} ({key.id}): revoked keys cannot be enabled" in lines
        # The skipped keys stay marked; the enabled key left the marks.
        assert set(screen.table.marks) == {k.id for k in revoked}
    assert (await api.get_key(disabled.id)).disabled_at is None


async def test_extend_on_the_revoked_preset_asks_nothing(fresh_backend: Backend) -> None:
    api = fresh_backend.client()
    revoked = await all_ids(api, status="revoked")
    app = await make_host(fresh_backend)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        screen = screen_of(app)
        screen.apply_filters(next(p for p in PRESETS if p.label == "Revoked").filters)
        await settle(pilot, app)
        await pilot.press("asterisk")
        await settle(pilot, app)
        assert len(screen.table.marks) == len(revoked) > 1
        await pilot.press("e")
        await settle(pilot, app)
        assert isinstance(app.screen, AdminScreen)  # no days, no confirmation
        messages = [n.message for n in app._notifications]
        assert (f"Nothing to extend: the {len(revoked)} marked keys — revoked keys cannot "
                "be extended.") in messages
    assert sorted(await all_ids(api, status="revoked")) == sorted(revoked)


async def test_a_key_revoked_since_it_was_marked_fails_in_words_for_the_action(
        fresh_backend: Backend) -> None:
    api = fresh_backend.client()
    active = await first_page(api, 2, status="active")
    app = await make_host(fresh_backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = screen_of(app)
        screen.table.set_marks({k.id: k for k in active})
        await api.bulk("revoke", [active[0].id])  # someone else, meanwhile
        await pilot.press("d")
        await settle(pilot, app)
        assert isinstance(app.screen, ConfirmModal)
        assert app.screen.title_text == "Disable 2 keys?"
        await pilot.press("tab", "enter")
        await settle(pilot, app)
        results = app.screen
        assert isinstance(results, BulkResultsModal)
        assert "1 failed" in results.summary()
        lines = str(results.query_one("#bulk-results-lines").render())
        assert "revoked keys cannot be disabled" in lines
        assert set(screen.table.marks) == {active[0].id}


async def test_bulk_extend_asks_days_then_extends(fresh_backend: Backend) -> None:
    api = fresh_backend.client()
    expired = (await first_page(api, 1, status="expired"))[0]
    app = await make_host(fresh_backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen_of(app).table.set_marks({expired.id: expired})
        await pilot.press("e")
        await settle(pilot, app)
        app.screen.query_one("#extend-days").value = "10"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, ConfirmModal)
        assert "by 10 days" in app.screen.title_text
        await pilot.press("tab", "enter")
        await settle(pilot, app)
        assert isinstance(app.screen, BulkResultsModal)
    assert (await api.get_key(expired.id)).status == "active"


async def test_export_writes_the_filtered_set_exactly(backend: Backend, tmp_path: Path) -> None:
    app = await make_host(backend)
    target = tmp_path / "stale.csv"
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = screen_of(app)
        screen.apply_filters(Filters(stale="90", status="active,inactive"))
        await pilot.press("N")  # sort by name: the export follows the table's order
        await settle(pilot, app)
        await pilot.press("x")
        await settle(pilot, app)
        assert isinstance(app.screen, ExportModal)
        app.screen.query_one("#export-path").value = str(target)  # type: ignore[attr-defined]
        await pilot.press("enter")
        await settle(pilot, app)
        assert screen.last_export == target
    expected = await all_ids(backend.client(), stale_days=90, status="active,inactive",
                             sort="name", order="asc")
    with target.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["id"] for r in rows] == expected


async def test_export_refuses_to_overwrite_without_confirmation(backend: Backend,
                                                                 tmp_path: Path) -> None:
    target = tmp_path / "keys.json"
    target.write_text("precious")
    app = await make_host(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = screen_of(app)
        screen.apply_filters(Filters(status="revoked"))
        await settle(pilot, app)
        for confirm_keys in (("enter",), ("tab", "enter")):
            await pilot.press("x")
            await settle(pilot, app)
            app.screen.query_one("#export-path").value = str(target)  # type: ignore[attr-defined]
            await pilot.press("enter")
            await settle(pilot, app)
            assert isinstance(app.screen, ConfirmModal)
            await pilot.press(*confirm_keys)
            await settle(pilot, app)
            if confirm_keys == ("enter",):
                assert target.read_text() == "precious"
    data = json.loads(target.read_text())
    assert [k["id"] for k in data] == await all_ids(backend.client(), status="revoked",
                                                    sort="created_at", order="desc")


async def test_a_manager_sees_only_their_teams_keys(backend: Backend) -> None:
    manager_api = backend.client("manager")
    expected = await all_ids(manager_api, sort="created_at", order="desc")
    everything = await all_ids(backend.client(), sort="created_at", order="desc")
    assert 0 < len(expected) < len(everything)
    app = await make_host(backend, "manager")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = screen_of(app)
        assert "Your teams' keys" in str(screen.query_one("#admin-title").render())
        assert screen.table.row_count == len(expected)
        assert shown_ids(app) == expected[: len(shown_ids(app))]
        await pilot.press("asterisk")
        await settle(pilot, app)
        assert set(screen.table.marks) == set(expected)


async def test_a_member_is_refused_politely(backend: Backend) -> None:
    app = await make_host(backend, "member")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = screen_of(app)
        refused = screen.query_one("#admin-refused")
        assert refused.display
        assert "managers and admins" in str(refused.render())
        assert screen.table.row_count == 0
        await pilot.press("asterisk", "R", "x")
        await settle(pilot, app)
        assert isinstance(app.screen, AdminScreen)


async def test_hostile_text_shows_literally(fresh_backend: Backend) -> None:
    """Markup and escape sequences in names and descriptions show as text, do nothing."""
    import sqlalchemy as sa

    from tui_app.server.store import db

    api = fresh_backend.client()
    newest = (await first_page(api, 1))[0]
    hostile = "[@click=app.quit]x[/] [/bad]"
    with fresh_backend.app.state.engine.begin() as conn:
        conn.execute(sa.update(db.keys).where(db.keys.c.id == newest.id).values(
            name=hostile, description="\x1b]52;c;ZXZpbA==\x07 \u202eevil"))
    app = await make_host(fresh_backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        table = screen_of(app).table
        assert table.highlighted is not None and table.highlighted.name == hostile
        row = "".join(s.text for s in table.render_line(1))
        assert hostile in row
        details = str(screen_of(app).query_one("#admin-key-text").render())
        assert "[@click=app.quit]x[/]" in details
        assert "\x1b" not in details and "\u202e" not in details
        await pilot.click(KeyTable, offset=(5, 1))  # clicking the name runs nothing
        await settle(pilot, app)
        assert app.is_running


async def test_the_owner_filter_suggests_a_person_and_filters_by_name(
        backend: Backend) -> None:
    api = backend.client()
    person = next(u for u in (await api.list_users(limit=20)).items
                  if u.role.value != "admin" and len(u.name) > 4)
    typed = person.name[:4].lower()
    app = await make_host(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = screen_of(app)
        owner = screen.query_one("#admin-owner", Input)
        owner.focus()
        await pilot.press(*typed)
        await settle(pilot, app)
        suggestion = owner._suggestion
        assert suggestion.casefold().startswith(typed), suggestion
        await pilot.press("right")  # takes the suggestion
        assert owner.value == suggestion
        await pilot.press("enter")
        await settle(pilot, app)
        owners = {k.owner.name for k in screen.table.visible_keys()}
        assert owners and all(name.casefold().startswith(typed) or
                              f" {typed}" in name.casefold() for name in owners)
