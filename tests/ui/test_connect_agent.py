"""Connect an agent: the card in the secret dialog (each client's lines, each copyable,
with the new secret) and `C` on a key in My keys and Admin (no secret, ever; an
inactive key gets a word instead of the modal). Real embedded server throughout; the
desktop clipboard is the one fake."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from shell_helpers import SECRET, create_key, make_app, screen_text, settle, wait_for
from test_modal_secret import FakeClipboard
from test_modal_support import (
    Backend,
    ModalHost,
    backend_fixture,  # noqa: F401 - provides the `backend` fixture
)
from textual.widgets import Static

from tui_app.domain.connect import CLIENTS, connection_settings
from tui_app.domain.models import CreatedKey
from tui_app.ui.admin.screen import AdminScreen
from tui_app.ui.connect.card import ConnectCard
from tui_app.ui.connect.screen import ConnectAgentScreen
from tui_app.ui.my_keys.screen import MyKeysScreen
from tui_app.ui.my_keys.secret import SecretDialog

SIZE = (100, 34)


@pytest.fixture
async def created(backend: Backend) -> CreatedKey:
    api = backend.client()
    key = await api.create_key(name="connect-test",
                               expires_at=backend.clock() + timedelta(days=30))
    await api.aclose()
    return key


def expected(url: str, client: str, secret: str | None) -> str:
    return connection_settings(f"{url}/v1/mcp", client, secret).text


# -- the card in the secret dialog ---------------------------------------------------------


async def test_each_copy_button_copies_its_clients_lines(created: CreatedKey,
                                                         backend: Backend) -> None:
    fake = FakeClipboard()
    app = ModalHost()
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = SecretDialog(created, backend.url, clipboard=fake, env={})
        app.open(dialog)
        await pilot.pause()
        for client in CLIENTS:
            dialog.query_one(f"#copy-{client}").focus()
            await pilot.pause()
            await pilot.press("enter")  # presses the focused copy button
            await app.workers.wait_for_complete()
            await pilot.pause()
            status = str(dialog.query_one(f"#copy-status-{client}", Static).render())
            assert "Copied to your clipboard" in status
        assert fake.copied == [expected(backend.url, client, created.secret)
                               for client in CLIENTS]
        assert all(created.secret in text for text in fake.copied[:2])
        assert app.clipboard == ""  # the local clipboard worked: no OSC 52


async def test_number_keys_copy_and_count_as_copying_the_key(created: CreatedKey,
                                                             backend: Backend) -> None:
    fake = FakeClipboard()
    app = ModalHost()
    async with app.run_test(size=SIZE) as pilot:
        dialog = SecretDialog(created, backend.url, clipboard=fake, env={},
                              public_url="https://keys.example.com")
        app.open(dialog)
        await pilot.pause()
        for number in "123456":
            await pilot.press(number)
            await app.workers.wait_for_complete()
            await pilot.pause()
        mcp = "https://keys.example.com/v1/mcp"
        assert fake.copied == [connection_settings(mcp, client, created.secret).text
                               for client in CLIENTS]
        # The secret went with the lines: enter closes without asking again.
        assert dialog.copied
        await pilot.press("enter")
        await pilot.pause()
    assert app.results == [None]


async def test_copy_key_and_continue_still_work_with_the_card(created: CreatedKey) -> None:
    fake = FakeClipboard()
    app = ModalHost()
    async with app.run_test(size=(80, 24)) as pilot:
        app.open(SecretDialog(created, "http://127.0.0.1:1", clipboard=fake, env={}))
        await pilot.pause()
        await pilot.press("c")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert fake.copied == [created.secret]
        await pilot.press("enter")
        await pilot.pause()
    assert app.results == [None]


async def test_over_ssh_the_lines_go_to_the_terminal(created: CreatedKey) -> None:
    fake = FakeClipboard()
    app = ModalHost()
    async with app.run_test(size=SIZE) as pilot:
        app.open(SecretDialog(created, "http://127.0.0.1:1", clipboard=fake,
                              env={"SSH_TTY": "/dev/pts/3"}))
        await pilot.pause()
        await pilot.press("2")
        await pilot.pause()
        assert fake.copied == []
        assert app.clipboard == expected("http://127.0.0.1:1", "codex", created.secret)
        assert "OSC 52" in str(app.screen.query_one("#copy-status-codex", Static).render())


async def test_focusing_a_copy_button_at_80x24_shows_its_section(created: CreatedKey) -> None:
    app = ModalHost()
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = SecretDialog(created, "http://127.0.0.1:1", clipboard=FakeClipboard(),
                              env={})
        app.open(dialog)
        await pilot.pause()
        for client in CLIENTS:
            dialog.query_one(f"#copy-{client}").focus()
            await pilot.pause()
            await pilot.pause()
            section = dialog.query_one(f"#connect-{client}")
            body = dialog.query_one("#secret-body")
            assert body.region.bottom < 24  # the body scrolls inside the terminal
            if client != CLIENTS[-1]:  # the last one cannot reach the top: it is the end
                assert 0 <= section.region.y - body.region.y <= 1, client
            button = dialog.query_one(f"#copy-{client}")
            assert button.region and button.region in body.region, client


async def test_at_80x24_a_copy_says_where_it_went_in_view(created: CreatedKey) -> None:
    """The status comes under the section's header, which the copy scrolls to the top:
    in a small terminal the section's end (and what was under it) is out of view."""
    app = ModalHost()
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = SecretDialog(created, "http://127.0.0.1:1", clipboard=FakeClipboard(),
                              env={})
        app.open(dialog)
        await pilot.pause()
        for number, client in enumerate(CLIENTS[:-1], start=1):
            await pilot.press(str(number))
            await app.workers.wait_for_complete()
            await pilot.pause()
            await pilot.pause()
            status = dialog.query_one(f"#copy-status-{client}", Static)
            body = dialog.query_one("#secret-body")
            assert "✓" in str(status.render()), client
            assert status.region and status.region in body.region, client


# -- C on a key ----------------------------------------------------------------------------


async def open_my_keys(pilot: Any) -> MyKeysScreen:
    await settle(pilot)
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, MyKeysScreen)
                   and pilot.app.screen.loaded)
    await settle(pilot)
    return pilot.app.screen


async def test_shift_c_opens_the_modal_without_a_secret(ui_server: Any, ui_clock: Any,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSH_TTY", "/dev/pts/3")  # copies go through OSC 52: observable
    secret = create_key(ui_server, "claude-bot", clock=ui_clock)["secret"]
    app = make_app(ui_server, ui_clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_my_keys(pilot)
        await pilot.press("C")
        await wait_for(pilot, lambda: isinstance(app.screen, ConnectAgentScreen))
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, ConnectAgentScreen) and modal.key_name == "claude-bot"
        card = modal.query_one(ConnectCard)
        url = f"{ui_server.url}/v1/mcp"
        for client in CLIENTS:
            assert card.text_of(client) == connection_settings(url, client).text
        assert not SECRET.search(app.export_screenshot())
        assert secret not in repr(modal) + screen_text(app)
        await pilot.press("1")
        await pilot.pause()
        assert app.clipboard == connection_settings(url, "claude-code").text
        assert "AGENTKEYS_AGENT_KEY" in app.clipboard and secret not in app.clipboard
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, MyKeysScreen))


async def test_shift_c_on_an_inactive_key_says_so(ui_server: Any, ui_clock: Any) -> None:
    key = create_key(ui_server, "old-bot", clock=ui_clock)["key"]
    app = make_app(ui_server, ui_clock)
    notified: list[str] = []
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_my_keys(pilot)
        assert app.session.api is not None
        await app.session.api.revoke_key(key["id"])
        screen.load_keys()
        await settle(pilot)
        await pilot.press("tab")  # the Inactive pane
        await settle(pilot)
        assert screen.selected_key is not None and screen.selected_key.name == "old-bot"
        original = app.notify

        def spy(message: str, **kw: Any) -> None:
            notified.append(str(message))
            original(message, **kw)

        app.notify = spy  # type: ignore[method-assign]
        await pilot.press("C")
        await pilot.pause()
        assert app.screen is screen  # no modal
    assert any("“old-bot” is not active (revoked)" in message for message in notified)


async def test_shift_c_in_admin_opens_the_modal_for_the_highlighted_key(
        ui_server: Any, ui_clock: Any) -> None:
    create_key(ui_server, "admin-bot", clock=ui_clock)
    app = make_app(ui_server, ui_clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_my_keys(pilot)
        await pilot.press("2")
        await wait_for(pilot, lambda: isinstance(app.screen, AdminScreen)
                       and bool(app.screen.table.visible_keys()))
        await settle(pilot)
        admin = app.screen
        assert isinstance(admin, AdminScreen)
        highlighted = admin.table.highlighted
        assert highlighted is not None
        await pilot.press("C")
        await wait_for(pilot, lambda: isinstance(app.screen, ConnectAgentScreen))
        modal = app.screen
        assert isinstance(modal, ConnectAgentScreen)
        assert modal.key_name == highlighted.name
        assert admin.table.sort == "created_at"  # C no longer sorts: A does
        assert not SECRET.search(app.export_screenshot())


def test_help_lists_connect_on_both_screens_and_in_the_dialogs() -> None:
    from tui_app.ui.help.screen import help_rows

    rows = help_rows(lambda binding: binding.key_display or binding.key, [])
    connect = {(group, key) for group, key, what in rows if what.startswith("Connect")}
    assert {("My keys", "C"), ("Admin", "C")} <= connect
    dialogs = {(group, key) for group, key, what in rows if key == "1-6" and "Copy" in what}
    assert dialogs == {("Secret dialog", "1-6"), ("Connect an agent", "1-6")}
    assert not any(group == "Admin" and "C created" in what for group, _, what in rows)
