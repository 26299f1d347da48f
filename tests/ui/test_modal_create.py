"""The create-key modal against the real backend: a working key, inline validation,
server errors next to their fields, and retries that never create a second key."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from test_modal_support import (
    Backend,
    ModalHost,
    backend_fixture,  # noqa: F401 - provides the `backend` fixture
)
from textual.widgets import Input, Static

from tui_app.client.api import ApiClient
from tui_app.domain.models import CreatedKey, Policy
from tui_app.domain.roles import Role
from tui_app.ui.my_keys.create_key import CreateKeyModal
from tui_app.ui.my_keys.forms import NewKeyRequest

SIZE = (100, 40)


def submitter(api_holder: dict[str, ApiClient], seen: list[NewKeyRequest]) -> Any:
    """What My keys passes as `submit`; reads the api at call time so a test can swap it."""

    async def submit(request: NewKeyRequest) -> CreatedKey:
        seen.append(request)
        return await api_holder["api"].create_key(**request.as_create_kwargs())

    return submit


def error_text(app: ModalHost, widget_id: str) -> str:
    widget = app.screen.query_one(f"#{widget_id}", Static)
    return str(widget.render()) if widget.display else ""


async def fill(pilot: Any, app: ModalHost, **values: str) -> None:
    for widget_id, value in values.items():
        app.screen.query_one(f"#{widget_id}", Input).value = value
    await pilot.pause()


async def whoami(url: str, secret: str) -> httpx.Response:
    async with httpx.AsyncClient() as http:
        return await http.get(
            f"{url}/v1/agent/whoami", headers={"Authorization": f"Bearer {secret}"}
        )


async def test_create_through_the_form_gives_a_working_key(backend: Backend) -> None:
    api = backend.client()
    me = await api.me()
    seen: list[NewKeyRequest] = []
    app = ModalHost(api)
    async with app.run_test(size=SIZE) as pilot:
        app.open(CreateKeyModal(
            me.policy, me.user.role, submitter({"api": api}, seen), backend.clock
        ))
        await pilot.pause()
        await pilot.press(*"nightly-report")
        await fill(pilot, app, **{"allowed-tools": "search, read_file", "rate-limit-rpm": "600"})
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
    [created] = app.results
    assert isinstance(created, CreatedKey)
    assert created.key.name == "nightly-report"
    assert created.key.scope == "read"
    assert created.key.allowed_tools == ("search", "read_file")
    assert created.key.rate_limit_rpm == 600
    # Default expiry: 30 days from the (shared) clock.
    assert created.key.expires_at is not None
    assert abs((created.key.expires_at - backend.clock()).days - 30) <= 1
    assert (await whoami(backend.url, created.secret)).status_code == 200
    await api.aclose()


async def test_quick_select_keys_and_read_write_scope(backend: Backend) -> None:
    api = backend.client()
    me = await api.me()
    app = ModalHost(api)
    async with app.run_test(size=SIZE) as pilot:
        app.open(CreateKeyModal(
            me.policy, me.user.role, submitter({"api": api}, []), backend.clock
        ))
        await pilot.pause()
        await pilot.press(*"rw-key")
        await pilot.press("1")  # typed into the name: digits belong to the input there
        assert app.screen.query_one("#name", Input).value == "rw-key1"
        await pilot.press("tab", "tab")  # description → expiry selector
        await pilot.press("1")  # 7 days
        await pilot.press("tab", "right")  # scope: read → read and write
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
    [created] = app.results
    assert created.key.scope == "read_write"
    assert created.key.expires_at is not None
    assert abs((created.key.expires_at - backend.clock()).days - 7) <= 1
    await api.aclose()


async def test_validation_messages_inline_and_nothing_created(backend: Backend) -> None:
    api = backend.client()
    me = await api.me()
    seen: list[NewKeyRequest] = []
    app = ModalHost(api)
    async with app.run_test(size=SIZE) as pilot:
        app.open(CreateKeyModal(
            me.policy, me.user.role, submitter({"api": api}, seen), backend.clock
        ))
        await pilot.pause()
        await pilot.press("ctrl+s")  # empty name
        await pilot.pause()
        assert "Give the key a name" in error_text(app, "name-error")
        assert "Some fields need fixing" in error_text(app, "form-error")

        await fill(pilot, app, name="x" * 256, **{
            "allowed-tools": "search, rm -rf!",
            "blocked-tools": "search",
            "rate-limit-rpm": "0",
        })
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "256 characters; the limit is 255" in error_text(app, "name-error")
        assert "'-rf!' is not a tool name" in error_text(app, "allowed-tools-error")
        assert "between 1 and 100,000" in error_text(app, "rate-limit-rpm-error")

        # Fixing a field clears its message as you type.
        await fill(pilot, app, name="ok-name")
        assert error_text(app, "name-error") == ""

        # Allowed and blocked at once.
        await fill(pilot, app, **{"allowed-tools": "search", "rate-limit-rpm": "60"})
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "cannot be both allowed and blocked" in error_text(app, "blocked-tools-error")

        # A past date from the calendar.
        await fill(pilot, app, **{"blocked-tools": ""})
        app.screen.query_one("#expiry").focus()
        await pilot.press("6")  # custom date: focus moves to the calendar
        await pilot.pause()
        assert app.screen.focused is app.screen.query_one("#expiry-calendar")
        await pilot.press("pageup", "pageup", "enter")  # about 30 days ago
        await pilot.pause()
        assert "in the past" in error_text(app, "expires-at-error")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "in the past" in error_text(app, "expires-at-error")
        assert app.results == []
    assert seen == []
    assert (await api.list_keys()).items == ()
    await api.aclose()


async def test_server_field_errors_show_next_to_the_field(backend: Backend) -> None:
    """The form believes "No expiration" is allowed (stale policy); the server says no."""
    api = backend.client()
    me = await api.me()
    stale = Policy(max_lifetime_days=0, require_terms=False, key_env="live")
    app = ModalHost(api)
    async with app.run_test(size=SIZE) as pilot:
        app.open(CreateKeyModal(stale, me.user.role, submitter({"api": api}, []), backend.clock))
        await pilot.pause()
        await fill(pilot, app, name="forever")
        app.screen.query_one("#expiry").focus()
        await pilot.press("7")  # No expiration
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "must expire" in error_text(app, "expires-at-error")
        assert "refused some fields" in error_text(app, "form-error")
        assert app.screen.query_one("#name", Input).value == "forever"
        assert app.results == []
    await api.aclose()


async def test_server_down_keeps_input_and_retry_creates_one_key(backend: Backend) -> None:
    api = backend.client()
    me = await api.me()
    holder = {"api": api}
    seen: list[NewKeyRequest] = []
    app = ModalHost(api)
    async with app.run_test(size=SIZE) as pilot:
        app.open(CreateKeyModal(
            me.policy, me.user.role, submitter(holder, seen), backend.clock
        ))
        await pilot.pause()
        await fill(pilot, app, name="survivor", description="kept", **{"rate-limit-rpm": "5"})
        backend.stop()
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "Cannot reach the server" in error_text(app, "form-error")
        assert app.screen.query_one("#name", Input).value == "survivor"
        assert app.screen.query_one("#description", Input).value == "kept"
        assert app.screen.query_one("#rate-limit-rpm", Input).value == "5"
        assert app.results == []

        backend.clock.advance(seconds=30)  # time passes before the retry
        backend.start()
        holder["api"] = backend.client()
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
    [created] = app.results
    assert created.key.name == "survivor"
    assert len(seen) == 2 and seen[0].idempotency_key == seen[1].idempotency_key
    keys = (await holder["api"].list_keys()).items
    assert [k.name for k in keys] == ["survivor"]
    await holder["api"].aclose()


class DropFirstCreateAnswer(httpx.AsyncBaseTransport):
    """The request reaches the server, the answer is lost (a timeout on the way back)."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.dropped = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.method == "POST" and request.url.path == "/v1/keys" and not self.dropped:
            await response.aread()
            self.dropped += 1
            raise httpx.ReadTimeout("answer lost", request=request)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_lost_answer_retry_returns_the_same_key(backend: Backend) -> None:
    transport = DropFirstCreateAnswer()
    api = backend.client(transport=transport)
    me = await api.me()
    seen: list[NewKeyRequest] = []
    app = ModalHost(api)
    async with app.run_test(size=SIZE) as pilot:
        app.open(CreateKeyModal(
            me.policy, me.user.role, submitter({"api": api}, seen), backend.clock
        ))
        await pilot.pause()
        await fill(pilot, app, name="once-only")
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert transport.dropped == 1
        assert "Cannot reach the server" in error_text(app, "form-error")
        backend.clock.advance(seconds=5)  # "30 days" must not be re-measured on retry
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
    [created] = app.results
    keys = (await api.list_keys()).items
    assert [k.id for k in keys] == [created.key.id]
    assert seen[0] == seen[1]
    assert (await whoami(backend.url, created.secret)).status_code == 200
    await api.aclose()


async def test_scope_and_terms_follow_role_and_policy(backend: Backend) -> None:
    policy = Policy(max_lifetime_days=90, require_terms=True, key_env="live")
    app = ModalHost()

    async def never(request: NewKeyRequest) -> CreatedKey:
        raise AssertionError("must not submit")

    async with app.run_test(size=SIZE) as pilot:
        app.open(CreateKeyModal(policy, Role.SERVICE, never, backend.clock))
        await pilot.pause()
        screen = app.screen
        assert not screen.query("#scope")
        assert "Read only" in str(screen.query_one("#scope-locked", Static).render())
        labels = str(screen.query_one("#expiry").render())
        assert "90 days" in labels and "1 year" not in labels and "No expiration" not in labels
        await fill(pilot, app, name="needs-terms")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Accept the terms" in error_text(app, "accept-terms-error")
        await pilot.press("escape")
        await pilot.pause()
    assert app.results == [None]


async def test_escape_waits_while_the_key_is_being_created(backend: Backend) -> None:
    """Cancelling mid-request would lose the only copy of the new secret."""
    api = backend.client()
    me = await api.me()
    release = asyncio.Event()

    async def slow_submit(request: NewKeyRequest) -> CreatedKey:
        await release.wait()
        return await api.create_key(**request.as_create_kwargs())

    app = ModalHost(api)
    async with app.run_test(size=SIZE) as pilot:
        app.open(CreateKeyModal(me.policy, me.user.role, slow_submit, backend.clock))
        await pilot.pause()
        await fill(pilot, app, name="slow")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Creating the key" in error_text(app, "form-error")
        await pilot.press("escape", "ctrl+s")
        await pilot.pause()
        assert app.results == []
        release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
    [created] = app.results
    assert created.key.name == "slow"
    assert len((await api.list_keys()).items) == 1
    await api.aclose()
