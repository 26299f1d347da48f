"""The create-key form.

The modal validates as the user goes (the server's own rules and messages), calls
`submit` itself in a worker, and keeps everything typed when the request fails. One
Idempotency-Key is made per modal: a retry after a lost answer can never create a
second key — the server returns the same key with a fresh secret.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import tzinfo

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Footer, Input, Label, Static

from tui_app.client.errors import ApiError
from tui_app.domain.clock import Clock
from tui_app.domain.models import CreatedKey, Policy
from tui_app.domain.roles import Role
from tui_app.domain.validation import Scope
from tui_app.ui.my_keys.expiry_field import ExpiryField
from tui_app.ui.my_keys.forms import (
    ExpiryChoice,
    FormErrors,
    NewKeyForm,
    NewKeyRequest,
    local_zone,
    new_idempotency_key,
    parse_new_key,
)
from tui_app.ui.my_keys.key_form import KeyFormModal, form_bindings
from tui_app.ui.widgets.choices import Choice, ChoiceRow

Submit = Callable[[NewKeyRequest], Awaitable[CreatedKey]]

class CreateKeyModal(KeyFormModal[CreatedKey]):
    BINDINGS = form_bindings(
        "create-key", submit="Create", submit_tooltip="Create the key (from any field)",
        cancel_tooltip="Close without creating a key", digits="1234567",
        expiry_tooltip="Pick an expiry preset")
    TEXT_FIELDS = {
        "name": "name",
        "description": "description",
        "allowed-tools": "allowed_tools",
        "blocked-tools": "blocked_tools",
        "rate-limit-rpm": "rate_limit_rpm",
    }
    QUIET_WHILE_EMPTY = frozenset({"name"})
    FAILURE = "Could not create the key"

    def __init__(
        self,
        policy: Policy,
        role: Role,
        submit: Submit,
        clock: Clock,
        *,
        zone: tzinfo | None = None,
    ) -> None:
        super().__init__()
        self.policy = policy
        self.role = role
        self._submit = submit
        self.clock = clock
        self.zone = zone or local_zone()
        # Once per modal: every retry of this form sends the same key (see module doc).
        self.idempotency_key = new_idempotency_key()
        self._answer_lost = False
        # The form and request of an attempt whose answer was lost: a retry of the same
        # form resends exactly that request, because "30 days" measured from a later
        # "now" would be a different body, which the server refuses (IDEMPOTENCY_MISMATCH).
        self._lost: tuple[NewKeyForm, NewKeyRequest] | None = None
        self._sending_form = NewKeyForm()
        self._sending: NewKeyRequest | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="create-dialog", classes="form-dialog"):
            yield Static(Text("New agent key", style="bold"), classes="form-title")
            with VerticalScroll(id="create-body", classes="form-body"):
                yield from self.text_row("Name", "name", "e.g. nightly-report-agent")
                yield from self.text_row("Description", "description", "What uses it (optional)")
                yield ExpiryField(self.policy, self.clock, self.zone, id="expiry-field")
                with Horizontal(classes="field-row"):
                    yield Label("Scope", classes="field-label")
                    if self.role.may_write:
                        yield ChoiceRow(
                            [
                                Choice(Scope.READ, "Read"),
                                Choice(Scope.READ_WRITE, "Read and write"),
                            ],
                            value=Scope.READ,
                            id="scope",
                        )
                    else:
                        yield Static(
                            Text("Read only (your role cannot create read-and-write keys)"),
                            id="scope-locked",
                        )
                yield self.error_static("scope")
                yield from self.text_row(
                    "Allowed tools", "allowed-tools", "empty = all tools; comma or space separated"
                )
                yield from self.text_row(
                    "Blocked tools", "blocked-tools", "e.g. delete_repo, send_email"
                )
                yield from self.text_row(
                    "Requests/min", "rate-limit-rpm", "empty = no limit (1 to 100000)"
                )
                if self.policy.require_terms:
                    yield Checkbox(
                        "I accept the terms of use for agent keys", id="accept-terms", compact=True
                    )
                    yield self.error_static("accept_terms")
            with Vertical(classes="form-footer"):
                yield Static("", id="form-error", classes="form-error")
                with Horizontal(classes="form-buttons"):
                    yield Button("Cancel", id="form-cancel", compact=True)
                    yield Button(
                        "Create key  ctrl+s", id="form-submit", variant="primary", compact=True
                    )
        yield Footer(compact=True)  # the modal's own keys, not the screen's below

    def on_mount(self) -> None:
        self.show_general(None)
        self.query_one("#name", Input).focus()

    # -- reading the form --------------------------------------------------------------

    def read_form(self) -> NewKeyForm:
        scope = self.query("#scope")
        terms = self.query("#accept-terms")
        expiry = self.expiry_field.choice()
        assert isinstance(expiry, ExpiryChoice)
        return NewKeyForm(
            name=self.input_value("name"),
            description=self.input_value("description"),
            expiry=expiry,
            scope=scope.only_one(ChoiceRow).value if scope else Scope.READ.value,
            allowed_tools=self.input_value("allowed-tools"),
            blocked_tools=self.input_value("blocked-tools"),
            rate_limit_rpm=self.input_value("rate-limit-rpm"),
            accept_terms=terms.only_one(Checkbox).value if terms else False,
        )

    # -- inline validation -------------------------------------------------------------

    @on(Checkbox.Changed, "#accept-terms")
    def _terms_changed(self, event: Checkbox.Changed) -> None:
        if event.value:
            self.show_field_error("accept_terms", None)

    # -- submit ------------------------------------------------------------------------

    @on(Button.Pressed, "#form-submit")
    def action_submit(self) -> None:
        if self._busy:
            return
        form = self.read_form()
        self._sending_form = form
        if self._lost is not None and self._lost[0] == form:
            self.clear_errors()
            self._send(self._lost[1])
            return
        expiry_error = self.expiry_field.error_for_submit()
        try:
            request = parse_new_key(
                form,
                policy=self.policy,
                role=self.role,
                now=self.clock(),
                zone=self.zone,
                idempotency_key=self.idempotency_key,
            )
        except FormErrors as err:
            self.refuse(err, expiry_error)
            return
        self.clear_errors()
        self._send(request)

    @work(exclusive=True, group="create-key", exit_on_error=False)
    async def _send(self, request: NewKeyRequest) -> None:
        self._sending = request
        await self.send(self._submit(request), "Creating the key…")

    def unreachable(self) -> None:
        # The request may or may not have arrived: keep the idempotency key.
        self._lost_answer(self._sending)
        self.show_general(
            "Cannot reach the server — nothing was lost: your input is kept. "
            "Press ctrl+s to try again (it will not create a second key)."
        )

    def timed_out(self, err: TimeoutError) -> None:
        self._lost_answer(self._sending)
        self.show_general("The server did not answer in time. Press ctrl+s to try again.")

    def _lost_answer(self, request: NewKeyRequest | None) -> None:
        self._answer_lost = True
        if request is not None:
            self._lost = (self._sending_form, request)

    def refused(self, err: ApiError) -> None:
        if err.code == "IDEMPOTENCY_MISMATCH":
            # An earlier attempt, whose answer was lost, created a key with other values.
            self.idempotency_key = new_idempotency_key()
            self._answer_lost = False
            self._lost = None
            self.show_general(
                "An earlier attempt whose answer was lost may already have created a key "
                "with the values you had then: check My keys. Press ctrl+s to create "
                "another one anyway."
            )
            return
        if not self._answer_lost:
            # A definite answer and no earlier lost one: nothing was created.
            self.idempotency_key = new_idempotency_key()
        self.show_api_error(err)
