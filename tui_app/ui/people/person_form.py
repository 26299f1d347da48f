"""Add a person, or edit one's name, role and teams.

The form checks what was typed with the domain's own checks (the server's and the
CLI's), sends it in the modal (so a refused request keeps the input and shows the
server's messages under their fields) and closes with the answer. Adding answers with
the new person's first login token, which the screen shows in the copy-once dialog.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label, Static

from tui_app.client.errors import ApiError, ServerUnreachable
from tui_app.domain.checks import (
    UNCHANGED,
    FieldErrors,
    Unchanged,
    check_new_person,
    check_person_edit,
)
from tui_app.domain.models import User
from tui_app.ui.my_keys.key_form import FIX_FIELDS, SERVER_REFUSED, error_id
from tui_app.ui.safe import safe_text
from tui_app.ui.session import Session
from tui_app.ui.widgets.choices import Choice, ChoiceRow

FIELDS = ("email", "name", "role", "teams")
ROLES = (Choice("member", "member"), Choice("manager", "manager"), Choice("admin", "admin"),
         Choice("service", "service"))


@dataclass(frozen=True, slots=True)
class PersonSaved:
    user: User
    login_token: str | None = None  # a new person's first login token, shown once

    def __repr__(self) -> str:  # never let a token reach a log through repr()
        return f"PersonSaved(user={self.user.id!r}, login_token='…')"


def split_teams(text: str) -> list[str]:
    """'red, blue' → ['red', 'blue']; the domain checks each name."""
    return [part.strip() for part in text.split(",") if part.strip()]


class PersonFormModal(ModalScreen[PersonSaved | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "submit", "Save", priority=True, id="person-submit",
                tooltip="Send the form (from any field)"),
        Binding("escape", "cancel", "Cancel", id="person-cancel", tooltip="Close, sending nothing"),
    ]

    def __init__(self, session: Session, user: User | None = None) -> None:
        super().__init__()
        self.session = session
        self.user = user  # None: a new person
        self._busy = False

    # -- layout ----------------------------------------------------------------

    def compose(self) -> ComposeResult:
        user = self.user
        with Vertical(id="person-dialog"):
            if user is None:
                yield Static("Add a person", id="person-title")
            else:
                title = safe_text("Edit ", "bold")
                title.append_text(safe_text(user.name, "bold"))
                title.append_text(safe_text(f"  {user.email}", "dim"))
                yield Static(title, id="person-title")
            if user is None:
                yield from self._row("Email", Input(placeholder="ada@example.com",
                                                    id="person-email", compact=True), "email")
            yield from self._row("Name", Input(value=user.name if user else "",
                                               placeholder="Ada Lovelace", id="person-name",
                                               compact=True), "name")
            yield from self._row("Role", ChoiceRow(ROLES, value=user.role.value if user
                                                   else "member", id="person-role"), "role")
            yield from self._row("Teams", Input(value=", ".join(user.teams) if user else "",
                                                placeholder="red, blue (a new name makes a team)",
                                                id="person-teams", compact=True), "teams")
            yield Static(safe_text("Role: ←/→ picks. Teams replace the person's current "
                                   "ones.", "dim"), id="person-hint")
            yield Static("", id="form-error")
            with Horizontal(id="person-buttons"):
                yield Button("Cancel", id="person-cancel-button", compact=True)
                yield Button("Add  ^s" if user is None else "Save  ^s", id="person-save",
                             variant="primary", compact=True)
        yield Footer(compact=True)

    def _row(self, label: str, widget: Input | ChoiceRow, field: str) -> ComposeResult:
        with Horizontal(classes="person-row"):
            yield Label(label, classes="person-label")
            yield widget
        error = Static("", id=error_id(field), classes="person-error")
        error.display = False
        yield error

    def on_mount(self) -> None:
        self.query_one("#person-email" if self.user is None else "#person-name").focus()
        self.query_one("#form-error").display = False

    # -- errors ----------------------------------------------------------------

    def show_errors(self, by_field: dict[str, str], general: str = "") -> None:
        for field in FIELDS:
            if self.user is not None and field == "email":
                continue
            widget = self.query_one(f"#{error_id(field)}", Static)
            message = by_field.get(field, "")
            widget.update(safe_text(message, "red"))
            widget.display = bool(message)
        line = self.query_one("#form-error", Static)
        line.update(safe_text(general, "red"))
        line.display = bool(general)

    # -- submit ----------------------------------------------------------------

    @on(Button.Pressed, "#person-save")
    def action_submit(self) -> None:
        if self._busy:
            return
        name = self.query_one("#person-name", Input).value
        role = self.query_one("#person-role", ChoiceRow).value
        teams = split_teams(self.query_one("#person-teams", Input).value)
        try:
            if self.user is None:
                email = self.query_one("#person-email", Input).value
                person = check_new_person(email=email, name=name, role=role, teams=teams)
                self._send_new(person.email, person.name, person.role.value, person.teams)
            else:
                user = self.user
                edit = check_person_edit(
                    name=name if name.strip() != user.name else UNCHANGED,
                    role=role if role != user.role.value else UNCHANGED,
                    teams=teams if tuple(teams) != user.teams else UNCHANGED)
                changes = {field: value for field in ("name", "role", "teams")
                           if not isinstance(value := getattr(edit, field), Unchanged)}
                if not changes:
                    self.dismiss(None)
                    return
                if "role" in changes:
                    changes["role"] = changes["role"].value
                self._send_edit(user.id, changes)
        except FieldErrors as errors:
            self.show_errors(errors.by_field(), FIX_FIELDS if len(errors.errors) > 1 else "")

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.query_one("#person-save", Button).disabled = busy

    @work(exclusive=True, group="person-form", exit_on_error=False)
    async def _send_new(self, email: str, name: str, role: str, teams: tuple[str, ...]) -> None:
        self._set_busy(True)
        try:
            user, token = await self.session.watching(
                lambda api: api.create_user(email=email, name=name, role=role, teams=teams))
        except (ApiError, ServerUnreachable) as error:
            self._failed(error)
            return
        finally:
            self._set_busy(False)
        self.dismiss(PersonSaved(user, token))

    @work(exclusive=True, group="person-form", exit_on_error=False)
    async def _send_edit(self, user_id: str, changes: dict[str, object]) -> None:
        self._set_busy(True)
        try:
            user = await self.session.watching(
                lambda api: api.update_user(user_id, **changes))  # type: ignore[arg-type]
        except (ApiError, ServerUnreachable) as error:
            self._failed(error)
            return
        finally:
            self._set_busy(False)
        self.dismiss(PersonSaved(user))

    def _failed(self, error: ApiError | ServerUnreachable) -> None:
        fields = error.field_errors() if isinstance(error, ApiError) else {}
        if fields:
            self.show_errors(fields, SERVER_REFUSED if len(fields) > 1 else "")
        else:
            self.show_errors({}, f"Not saved: {error}")

    @on(Button.Pressed, "#person-cancel-button")
    def action_cancel(self) -> None:
        self.dismiss(None)
