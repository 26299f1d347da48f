"""The session's one error policy, on a host app with a client that fails on purpose: a
failed call is told once and returns None, a rejected login shows in the status, an
unreachable server is said once and the calls keep working when it answers again."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from tui_app.client.errors import ApiError, ServerUnreachable
from tui_app.ui.session import ConnectionState, Session, SessionApp, StatusInfo


class FlakyApi:
    """Answers `health` with whatever `answer` says: a value, or an exception to raise."""

    base_url = "http://agentkeys.test"

    def __init__(self) -> None:
        self.answer: Any = "ok"

    async def health(self) -> Any:
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


class Host(SessionApp):
    def __init__(self, api: FlakyApi) -> None:
        super().__init__()
        # Signed in already: a stand-in for the caller, which these calls never read.
        self.session = Session(self, api=api, me=SimpleNamespace(),  # type: ignore[arg-type]
                               status=StatusInfo(state=ConnectionState.CONNECTED))


def messages(app: Host) -> list[str]:
    return [n.message for n in app._notifications]


async def test_an_api_error_is_told_once_and_the_call_returns_none() -> None:
    api = FlakyApi()
    app = Host(api)
    async with app.run_test(notifications=True) as pilot:
        api.answer = ApiError(409, "CONFLICT", "changed elsewhere")
        assert await app.session.call(lambda a: a.health(), what="Saving") is None
        await pilot.pause()
        assert messages(app) == ["Saving failed: changed elsewhere (CONFLICT)"]
        assert app.session.status is not None
        assert app.session.status.state is ConnectionState.CONNECTED


async def test_a_rejected_login_shows_in_the_status() -> None:
    api = FlakyApi()
    app = Host(api)
    async with app.run_test(notifications=True):
        api.answer = ApiError(401, "UNAUTHENTICATED", "token revoked")
        await app.session.call(lambda a: a.health())
        assert app.session.status is not None
        assert app.session.status.state is ConnectionState.REJECTED
        assert app.session.status.detail == "UNAUTHENTICATED"


async def test_unreachable_is_said_once_and_a_later_answer_reconnects() -> None:
    api = FlakyApi()
    app = Host(api)
    async with app.run_test(notifications=True) as pilot:
        api.answer = ServerUnreachable(api.base_url, "connection refused")
        await app.session.call(lambda a: a.health())
        await app.session.call(lambda a: a.health())
        await pilot.pause()
        assert app.session.status is not None
        assert app.session.status.state is ConnectionState.UNREACHABLE
        assert sum("Cannot reach the server" in m for m in messages(app)) == 1
        api.answer = "ok"
        assert await app.session.call(lambda a: a.health()) == "ok"
        await pilot.pause()
        assert app.session.status.state is ConnectionState.CONNECTED
        assert "Connected to the server again." in messages(app)


async def test_a_modal_gets_the_error_and_the_status_still_learns() -> None:
    api = FlakyApi()
    app = Host(api)
    async with app.run_test(notifications=True):
        api.answer = ServerUnreachable(api.base_url, "connection refused")
        try:
            await app.session.watching(lambda a: a.health())
        except ServerUnreachable:
            pass
        else:
            raise AssertionError("watching() must re-raise for the modal")
        assert app.session.status is not None
        assert app.session.status.state is ConnectionState.UNREACHABLE
