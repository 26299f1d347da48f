"""The People screen under Pilot, against the real backend (see people_support.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from people_support import make_host, people_backend, people_screen, settle
from shell_helpers import screen_text

from tui_app.domain.models import User
from tui_app.ui.modals.confirm import ConfirmModal
from tui_app.ui.people.person_form import PersonFormModal
from tui_app.ui.people.token_dialog import LoginTokenDialog


async def find(backend, email: str) -> User:  # type: ignore[no-untyped-def]
    async with backend.client() as api:
        page = await api.list_users(q=email)
    return next(u for u in page.items if u.email == email)


@pytest.fixture
def backend(tmp_path: Path):  # type: ignore[no-untyped-def]
    return people_backend(tmp_path)


async def test_lists_people_by_email_with_details(backend) -> None:
    app = await make_host(backend)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = people_screen(app)
        shown = screen.table.visible_people()
        assert len(shown) > 20
        assert [u.email for u in shown] == sorted(u.email for u in shown)
        assert all(u.keys is not None for u in shown)
        await pilot.press("down")
        await settle(pilot)
        text = screen_text(app)
        assert shown[1].email in text and "key" in text and "teams:" in text
        # Filter by text, then a preset.
        await pilot.press("slash", *shown[3].email[:12], "enter")
        await settle(pilot)
        assert shown[3].email in [u.email for u in screen.table.visible_people()]
        await pilot.press("escape")
        screen.search.value = ""
        await pilot.press("slash", "enter", "p", "p", "p")  # everyone → admins
        await settle(pilot)
        assert {u.role.value for u in screen.table.visible_people()} == {"admin"}


async def test_add_shows_the_login_token_once(backend) -> None:
    app = await make_host(backend)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, PersonFormModal)
        await pilot.press(*"not-an-email", "tab", "ctrl+s")
        await settle(pilot)
        assert "ada@example.com" in screen_text(app)  # the email's message
        assert isinstance(app.screen, PersonFormModal)
        app.screen.query_one("#person-email").value = "ada@example.org"  # type: ignore[attr-defined]
        app.screen.query_one("#person-name").value = "[red]Ada[/red]"  # type: ignore[attr-defined]
        app.screen.query_one("#person-teams").value = "alpha, beta"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, LoginTokenDialog)
        text = screen_text(app)
        assert "[red]Ada[/red]" in text  # untrusted text shown literally
        assert "agentkeys login --server http://agentkeys.test --with-token" in text
        token = dialog._secret
        assert token.startswith("akp_") and token in text
        await pilot.press("enter")  # not copied: asks again
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("tab", "enter")
        await settle(pilot)
        added = await find(backend, "ada@example.org")
        assert added.teams == ("alpha", "beta") and added.role.value == "member"
    async with backend.client() as api:
        api._http.headers["Authorization"] = f"Bearer {token}"
        assert (await api.me()).user.email == "ada@example.org"


async def test_edit_role_and_teams(backend) -> None:
    app = await make_host(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        target = people_screen(app).table.person
        assert target is not None
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, PersonFormModal)
        form.query_one("#person-teams").value = "gamma"  # type: ignore[attr-defined]
        form.query_one("#person-role").select("manager")  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
        changed = await find(backend, target.email)
        assert changed.teams == ("gamma",) and changed.role.value == "manager"
        assert "Saved" in screen_text(app) or not isinstance(app.screen, PersonFormModal)


async def test_deactivate_says_how_many_keys_stop_then_reactivate(backend) -> None:
    app = await make_host(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = people_screen(app)
        me = app.session.me
        assert me is not None
        while (screen.table.person is None or not screen.table.person.active_keys
               or screen.table.person.id == me.user.id or not screen.table.person.active):
            await pilot.press("down")
            await settle(pilot)
        person = screen.table.person
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        assert f"{person.active_keys} active key" in app.screen.body.plain
        await pilot.press("enter")  # focus starts on Cancel
        await settle(pilot)
        assert (await find(backend, person.email)).active
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("tab", "enter")
        await settle(pilot)
        off = await find(backend, person.email)
        assert not off.active and off.active_keys == 0
        assert screen.table.person is not None and not screen.table.person.active
        await pilot.press("d")
        await settle(pilot)
        assert "Reactivate" in app.screen.body.plain  # type: ignore[attr-defined]
        await pilot.press("tab", "enter")
        await settle(pilot)
        assert (await find(backend, person.email)).active_keys == person.active_keys


async def test_new_login_token(backend) -> None:
    app = await make_host(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("tab", "enter")
        await settle(pilot)
        assert isinstance(app.screen, LoginTokenDialog)


async def test_a_manager_reads_their_teams_only(backend) -> None:
    app = await make_host(backend, "manager")
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(pilot)
        screen = people_screen(app)
        me = app.session.me
        assert me is not None
        shown = screen.table.visible_people()
        assert shown and all(set(u.teams) & set(me.user.teams) for u in shown)
        assert "read-only" in screen_text(app)
        for key in ("n", "e", "d", "t"):
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, type(screen))
        assert not screen.check_action("add_person", ())  # dimmed in the footer


async def test_a_member_is_refused(backend) -> None:
    app = await make_host(backend, "member")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "for managers and admins" in screen_text(app)


async def test_hostile_names_show_literally(backend) -> None:
    from test_admin_support import NOW

    from tui_app.server.store import users as users_store

    with backend.app.state.engine.begin() as conn:  # older data: stored without checks
        users_store.create_user(conn, email="aaa@example.org", name="[@click=app.quit]x[/]",
                                role="member", now=NOW,
                                teams=["[/bad]", "\u202eevil\x1b]52;c;ZXZpbA==\x07"])
    app = await make_host(backend)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "[@click=app.quit]x[/]" in text and "[/bad]" in text
        assert "\u202e" not in text
        await pilot.click("#people-table", offset=(3, 1))
        await settle(pilot)
        assert app.is_running


async def test_5_opens_people_in_the_shell(ui_server, ui_clock) -> None:  # type: ignore[no-untyped-def]
    from shell_helpers import make_app, wait_for

    from tui_app.ui.people.screen import PeopleScreen

    app = make_app(ui_server, ui_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.session.me is not None)
        await pilot.press("5")
        await wait_for(pilot, lambda: isinstance(app.screen, PeopleScreen))
        await wait_for(pilot, lambda: bool(people_screen(app).table.visible_people()))


async def test_teams_add_and_rename(backend) -> None:
    from tui_app.ui.people.teams_modal import TeamsModal

    app = await make_host(backend)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("T")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, TeamsModal) and modal.teams
        modal.query_one("#teams-name").value = "   "  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "team's name" in screen_text(app)
        modal.query_one("#teams-name").value = "Zeta [b]x[/b]"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Zeta [b]x[/b]" in [t.name for t in modal.teams]
        first = modal.teams[0]
        modal.query_one("#teams-name").value = first.name  # taken: the server says so
        modal.query_one("#teams-list").highlighted = 1  # type: ignore[attr-defined]
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert "already exists" in screen_text(app)
        modal.query_one("#teams-name").value = "Renamed"  # type: ignore[attr-defined]
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert "Renamed" in [t.name for t in modal.teams]
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, TeamsModal)
    async with backend.client() as api:
        assert "Renamed" in {t.name for t in await api.list_teams()}


async def test_a_manager_reads_the_teams(backend) -> None:
    from tui_app.ui.people.teams_modal import TeamsModal

    app = await make_host(backend, "manager")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("T")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, TeamsModal)
        me = app.session.me
        assert me is not None and {t.name for t in modal.teams} == set(me.user.teams)
        assert "Read-only" in screen_text(app)
