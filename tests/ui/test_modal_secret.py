"""The copy-once secret dialog and the confirmation modal.

The desktop clipboard is the one fake here (tests cannot own a real one); OSC 52 is
observed through App.clipboard, which Textual sets when it writes the sequence.
"""

from __future__ import annotations

from datetime import timedelta

import pyperclip
import pytest
from rich.text import Text
from shell_helpers import screen_text
from test_modal_support import (
    Backend,
    ModalHost,
    backend_fixture,  # noqa: F401 - provides the `backend` fixture
)
from textual.widgets import Button, Static

from tui_app.domain.connect import CLIENTS, connection_settings
from tui_app.domain.models import CreatedKey
from tui_app.ui.clipboard import FALLBACK_LABEL, LOCAL_LABEL, SSH_LABEL, CopyMethod
from tui_app.ui.modals.confirm import ConfirmModal
from tui_app.ui.my_keys.secret import NOT_COPIED, SecretDialog

SIZE = (100, 34)


class FakeClipboard:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.copied: list[str] = []

    def copy(self, text: str) -> None:
        if self.fail:
            raise pyperclip.PyperclipException("could not find a copy/paste mechanism")
        self.copied.append(text)


@pytest.fixture
async def created(backend: Backend) -> CreatedKey:
    api = backend.client()
    key = await api.create_key(
        name="secret-test", expires_at=backend.clock() + timedelta(days=30)
    )
    await api.aclose()
    return key


def status(app: ModalHost) -> str:
    return str(app.screen.query_one("#copy-status", Static).render())


async def test_shows_secret_curl_and_connect_card(created: CreatedKey, backend: Backend) -> None:
    app = ModalHost()
    async with app.run_test(size=SIZE) as pilot:
        app.open(SecretDialog(created, backend.url, clipboard=FakeClipboard(), env={}))
        await pilot.pause()
        screen = app.screen
        assert created.secret in str(screen.query_one("#secret-value", Static).render())
        curl = str(screen.query_one("#secret-curl", Static).render())
        assert f"{backend.url}/v1/agent/whoami" in curl
        assert f"Authorization: Bearer {created.secret}" in curl
        warning = str(screen.query_one("#secret-warning", Static).render())
        assert "will not be shown again" in warning
        card = screen.query_one("#connect-card")
        assert "arrive with MCP support" not in screen_text(app)
        assert created.secret not in repr(screen) and created.secret not in repr(card)
        for client in CLIENTS:
            shown = str(card.query_one(f"#connect-{client} .connect-text", Static).render())
            assert shown == connection_settings(
                f"{backend.url}/v1/mcp", client, created.secret).text


async def test_c_copies_locally_then_enter_closes(created: CreatedKey) -> None:
    fake = FakeClipboard()
    app = ModalHost()
    async with app.run_test(size=SIZE) as pilot:
        dialog = SecretDialog(created, "http://127.0.0.1:1", clipboard=fake, env={})
        app.open(dialog)
        await pilot.pause()
        await pilot.press("c")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert fake.copied == [created.secret]
        assert dialog.outcome is not None and dialog.outcome.method is CopyMethod.LOCAL
        assert LOCAL_LABEL in status(app)
        assert app.clipboard == ""  # no OSC 52 when the local clipboard worked
        await pilot.press("enter")
        await pilot.pause()
    assert app.results == [None]


async def test_over_ssh_uses_osc52_and_says_so(created: CreatedKey) -> None:
    fake = FakeClipboard()
    app = ModalHost()
    async with app.run_test(size=SIZE) as pilot:
        dialog = SecretDialog(
            created, "http://127.0.0.1:1", clipboard=fake, env={"SSH_TTY": "/dev/pts/3"}
        )
        app.open(dialog)
        await pilot.pause()
        await pilot.press("c")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert fake.copied == []  # never the remote machine's clipboard
        assert app.clipboard == created.secret
        assert SSH_LABEL in status(app)


async def test_ssh_detected_from_the_environment(
    created: CreatedKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.1 5000 10.0.0.2 22")
    fake = FakeClipboard()
    app = ModalHost()
    async with app.run_test(size=SIZE) as pilot:
        app.open(SecretDialog(created, "http://127.0.0.1:1", clipboard=fake))
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        assert fake.copied == [] and app.clipboard == created.secret
        assert "OSC 52" in status(app)


async def test_no_local_clipboard_falls_back_honestly(
    created: CreatedKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SSH_TTY", raising=False)
    monkeypatch.delenv("SSH_CONNECTION", raising=False)
    app = ModalHost()
    notified: list[str] = []
    app.notify = lambda message, **kw: notified.append(str(message))  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        dialog = SecretDialog(created, "http://127.0.0.1:1", clipboard=FakeClipboard(fail=True))
        app.open(dialog)
        await pilot.pause()
        await pilot.press("c")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert dialog.outcome is not None and dialog.outcome.method is CopyMethod.OSC52
        assert FALLBACK_LABEL in status(app)
        assert app.clipboard == created.secret
        assert app.screen is dialog  # no crash, still open
    assert all(created.secret not in message for message in notified)


async def test_enter_without_copy_asks_again(created: CreatedKey) -> None:
    app = ModalHost()
    async with app.run_test(size=SIZE) as pilot:
        dialog = SecretDialog(created, "http://127.0.0.1:1", clipboard=FakeClipboard(), env={})
        app.open(dialog)
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        confirm = app.screen
        assert isinstance(confirm, ConfirmModal)
        assert NOT_COPIED in str(confirm.query_one("#confirm-body", Static).render())
        await pilot.press("enter")  # focus is on Cancel: back to the secret
        await pilot.pause()
        assert app.screen is dialog and app.results == []
        await pilot.press("enter", "tab", "enter")  # ask again → Close anyway
        await pilot.pause()
    assert app.results == [None]


# -- ConfirmModal --------------------------------------------------------------------------


async def test_confirm_focus_starts_on_cancel_and_tab_moves_to_confirm() -> None:
    app = ModalHost()
    async with app.run_test(size=SIZE) as pilot:
        app.open(ConfirmModal("Revoke key?", "This cannot be undone.", "Revoke"))
        await pilot.pause()
        assert app.screen.focused is app.screen.query_one("#confirm-cancel", Button)
        await pilot.press("enter")
        await pilot.pause()
        app.open(ConfirmModal("Revoke key?", "This cannot be undone.", "Revoke"))
        await pilot.pause()
        await pilot.press("tab")
        assert app.screen.focused is app.screen.query_one("#confirm-ok", Button)
        await pilot.press("enter")
        await pilot.pause()
        app.open(ConfirmModal("Enable key?", "Requests work again.", "Enable", destructive=False))
        await pilot.pause()
        await pilot.press("tab", "escape")
        await pilot.pause()
    assert app.results == [False, True, False]


async def test_confirm_body_is_never_markup() -> None:
    hostile = "[@click=app.quit]x[/] [/bad] \x1b]52;c;ZXZpbA==\x07 \u202eevil"
    app = ModalHost()
    async with app.run_test(size=SIZE) as pilot:
        app.open(ConfirmModal(hostile, hostile, hostile))
        await pilot.pause()
        body = app.screen.query_one("#confirm-body", Static).render()
        shown = str(body)
        assert "[@click=app.quit]x[/]" in shown and "[/bad]" in shown
        assert "\x1b" not in shown and "\u202e" not in shown
        app.open(ConfirmModal("t", Text("plain [b]text[/b]"), "OK"))
        await pilot.pause()
        assert "[b]text[/b]" in str(app.screen.query_one("#confirm-body", Static).render())

