"""Connections (`6`): an agent shows a code, the person types it here, sees which client
asks and for what, picks one of their own keys and approves, or denies.

The code is checked as it is typed (the domain's normalise_user_code) and looked up as
soon as it is one. Approving or denying never clears what was typed when it fails: the
server's refusal is said in the result line and the form stays as it was. Enter in the
code field only moves to the key list, never approves: a person who types the eight
letters and presses enter has not chosen a key yet.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, OptionList, Static
from textual.worker import Worker

from tui_app.client.errors import ApiError, ServerUnreachable
from tui_app.domain.connections import normalise_user_code
from tui_app.ui.connections.key_choice import KeyChoice
from tui_app.ui.connections.words import (
    ASK_FOR_CODE,
    approved_lines,
    code_problem,
    denied_lines,
    error_words,
    request_lines,
)
from tui_app.ui.safe import safe_text
from tui_app.ui.session import Session, SessionApp
from tui_app.ui.widgets.status_bar import StatusBar
from tui_app.ui.widgets.title_bar import TitleBar

if TYPE_CHECKING:
    from tui_app.domain.connections import PendingConnection
    from tui_app.domain.models import Me

NO_REQUEST = Text("No request yet: the client that asks shows here once the code is "
                  "typed.", style="dim")


class ConnectionsScreen(Screen[None]):
    """Type an agent's code, pick one of your keys, approve or deny."""

    CSS_PATH = "connections.tcss"  # loaded when first shown, not before the first frame
    TITLE = "Connections"
    BINDINGS = [
        Binding("ctrl+s", "approve", "Approve", id="connection-approve",
                tooltip="Approve the request with the highlighted key (enter in the key "
                "list does too)"),
        Binding("D", "deny", "Deny", key_display="D", id="connection-deny",
                tooltip="Deny the request: the agent gets no access"),
        Binding("escape", "back", "Back", id="connection-back",
                tooltip="From the key list back to the code; from the code to My keys"),
    ]

    app = getters.app(SessionApp)
    code_box = getters.query_one("#connection-code", Input)
    note = getters.query_one("#connection-note", Static)
    request_box = getters.query_one("#connection-request", Static)
    key_list = getters.query_one("#connection-keys", KeyChoice)
    result = getters.query_one("#connection-result", Static)

    def __init__(self) -> None:
        super().__init__(id="connections")
        self.request: PendingConnection | None = None
        self.keys_loaded = False
        self.answering = False

    def compose(self) -> ComposeResult:
        yield TitleBar()
        with Vertical(id="connections-body"):
            with Horizontal(id="connection-code-row"):
                yield Label("Code ", id="connection-code-label")
                yield Input(placeholder="XXXX-XXXX", id="connection-code", compact=True,
                            max_length=24)
                yield Static(ASK_FOR_CODE, id="connection-note", markup=False)
            yield Static(NO_REQUEST, id="connection-request")
            yield KeyChoice(id="connection-keys")
            yield Static("", id="connection-result")
            with Horizontal(id="connection-buttons"):
                yield Button("Approve", id="connection-approve", variant="primary",
                             compact=True)
                yield Button("Deny", id="connection-deny", compact=True)
        yield StatusBar(id="status-bar")
        yield Footer(compact=True, show_command_palette=False)

    @property
    def session(self) -> Session:
        return self.app.session

    def on_mount(self) -> None:
        self.request_box.border_title = "Request"
        self.key_list.border_title = "Approve with one of your keys"
        self.code_box.focus()
        self.session.ready.subscribe(self, self._on_backend_ready)
        if self.session.connected:
            self.load_keys()

    def _on_backend_ready(self, _me: Me) -> None:
        self.load_keys()

    def on_screen_resume(self) -> None:
        if self.keys_loaded and self.session.connected:
            self.load_keys()  # keys may have changed on My keys meanwhile

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.session.report_worker_failure(event)  # worker events do not bubble

    # -- keys ----------------------------------------------------------------------------

    @work(exclusive=True, group="connection-keys", exit_on_error=False)
    async def load_keys(self) -> None:
        keys = await self.session.call(lambda api: api.list_all_keys("all"),
                                       what="Loading your keys")
        if keys is None:
            return
        key_list = self.key_list
        key_list.show(keys, self.session.clock())
        key_list.border_subtitle = (f"{len(key_list.keys)} usable" if key_list.keys
                                    else "none usable: create one on My keys (n)")
        self.keys_loaded = True

    # -- the code ------------------------------------------------------------------------

    @on(Input.Changed, "#connection-code")
    def _code_changed(self, event: Input.Changed) -> None:
        problem = code_problem(event.value)
        code = normalise_user_code(event.value)
        self.note.set_class(problem is not None and not problem.endswith("…")
                            and problem != ASK_FOR_CODE, "-error")
        self.note.update(problem or f"Looking up {code}…")
        if self.request is not None and self.request.user_code != code:
            self._show_request(None)
        if code is not None and (self.request is None or self.request.user_code != code):
            self.look_up(code)

    @on(Input.Submitted, "#connection-code")
    def _code_submitted(self, event: Input.Submitted) -> None:
        code = normalise_user_code(event.value)
        if self.request is not None and self.request.status == "pending":
            self.key_list.focus()
        elif code is not None:
            self.look_up(code)

    @work(exclusive=True, group="connection-lookup", exit_on_error=False)
    async def look_up(self, code: str) -> None:
        self._say("")
        try:
            request = await self.session.watching(lambda api: api.pending_connection(code))
        except (ApiError, ServerUnreachable) as error:
            if normalise_user_code(self.code_box.value) == code:
                self.note.update(code)
                self._fail(error, looking_up=True)
            return
        if normalise_user_code(self.code_box.value) != code:
            return  # typed on meanwhile: this answer is for a code no longer there
        # The code as the agent shows it (dash, capitals), whatever was typed, and what
        # comes next when the request still waits for an answer.
        self.note.update(f"{code}: pick a key below" if request.status == "pending"
                         else code)
        self._show_request(request)

    def _show_request(self, request: PendingConnection | None) -> None:
        self.request = request
        box = self.request_box
        box.update(NO_REQUEST if request is None
                   else request_lines(request, self.session.clock()))
        box.set_class(request is not None and request.status != "pending", "-done")

    # -- the answer ----------------------------------------------------------------------

    def _pending(self) -> PendingConnection | None:
        request = self.request
        if request is None:
            self._say("Type the code the agent shows first.", error=True)
            self.code_box.focus()
            return None
        if request.status != "pending":
            self._say("This request cannot be answered any more: ask the agent to "
                      "connect again.", error=True)
            return None
        return request

    @on(OptionList.OptionSelected, "#connection-keys")
    @on(Button.Pressed, "#connection-approve")
    def action_approve(self) -> None:
        if self._pending() is None or self.answering:
            return
        key = self.key_list.highlighted_key
        if key is None:
            self._say("Pick one of your keys first (none is usable: create one on My "
                      "keys).", error=True)
            return
        self.answer(approve=True)

    @on(Button.Pressed, "#connection-deny")
    def action_deny(self) -> None:
        if self._pending() is not None and not self.answering:
            self.answer(approve=False)

    @work(exclusive=True, group="connection-answer", exit_on_error=False)
    async def answer(self, *, approve: bool) -> None:
        request, key = self.request, self.key_list.highlighted_key
        assert request is not None
        code = request.user_code
        self.answering = True
        try:
            if approve:
                assert key is not None
                approval = await self.session.watching(
                    lambda api: api.approve_connection(code, key.id))
            else:
                await self.session.watching(lambda api: api.deny_connection(code))
        except (ApiError, ServerUnreachable) as error:
            self._fail(error)
            return
        finally:
            self.answering = False
        if approve:
            assert key is not None
            self._say(approved_lines(request, key, approval))
            if approval.extended_to is not None:
                self.load_keys()
        else:
            self._say(denied_lines(request))
        # Done: the field is ready for the next code; the result line stays.
        self._show_request(None)
        self.code_box.value = ""
        self.code_box.focus()

    # -- saying it -----------------------------------------------------------------------

    def _say(self, what: Text | str, *, error: bool = False) -> None:
        self.result.update(safe_text(what) if isinstance(what, str) else what)
        self.result.set_class(error, "-error")

    def _fail(self, error: ApiError | ServerUnreachable, *, looking_up: bool = False) -> None:
        if isinstance(error, ServerUnreachable):
            self._say("Cannot reach the server: nothing was answered. Try again once it "
                      "is back; what you typed stays.", error=True)
            return
        self._say(error_words(error, looking_up=looking_up), error=True)

    def action_back(self) -> None:
        if self.key_list.has_focus:
            self.code_box.focus()
            return
        self.app.switch_mode("my-keys")
