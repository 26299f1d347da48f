"""Edit or extend a key: name, description and a new expiry; the rest is locked at creation.

Scope, tool lists and rate limit are shown but locked. The save carries If-Match with
the version the form was opened on, so a change made elsewhere meanwhile is not
silently overwritten: the server answers 409 CONFLICT, the form says so and offers to
reload the key — keeping what the user typed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import tzinfo

from rich.text import Text
from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Footer, Input, Static

from tui_app.client.errors import ApiError, ServerUnreachable
from tui_app.domain.clock import Clock
from tui_app.domain.models import AgentKey, Policy
from tui_app.domain.sanitize import clean
from tui_app.domain.validation import scope_words
from tui_app.ui.my_keys.expiry_field import ExpiryField
from tui_app.ui.my_keys.forms import (
    FormErrors,
    KeyEdit,
    describe_instant,
    local_zone,
    parse_key_edit,
    relative_days,
)
from tui_app.ui.my_keys.key_form import KeyFormModal, form_bindings
from tui_app.ui.safe import safe_text
from tui_app.ui.session import SessionApp

Submit = Callable[[KeyEdit], Awaitable[AgentKey]]
Reload = Callable[[str], Awaitable[AgentKey]]

CONFLICT_MESSAGE = (
    "This key was changed elsewhere since you opened the form. Press Reload (ctrl+r) to "
    "load the latest version — what you typed here stays."
)


class EditKeyModal(KeyFormModal[AgentKey]):
    BINDINGS = [
        *form_bindings(
            "edit-key", submit="Save", submit_tooltip="Save the changes (from any field)",
            cancel_tooltip="Close without saving", digits="01234567",
            expiry_tooltip="Pick an expiry (0 keeps it)"),
        Binding("ctrl+r", "reload_key", "Reload", show=False, id="edit-key-reload",
                tooltip="Load the key's latest version, keeping what you typed"),
    ]
    TEXT_FIELDS = {"name": "name", "description": "description"}

    reload_button = getters.query_one("#form-reload", Button)
    locked_note = getters.query_one("#edit-locked", Static)
    expired_note = getters.query_one("#edit-expired", Static)
    FAILURE = "Could not save the key"

    def __init__(
        self,
        key: AgentKey,
        policy: Policy,
        submit: Submit,
        clock: Clock,
        *,
        zone: tzinfo | None = None,
        reload: Reload | None = None,
    ) -> None:
        super().__init__()
        self.key = key
        self.policy = policy
        self._submit = submit
        self._reload = reload  # None: through the app's session
        self.clock = clock
        self.zone = zone or local_zone()

    # -- building ----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="edit-dialog", classes="form-dialog"):
            title = Text("Edit key ", style="bold")
            title.append_text(safe_text(self.key.name, "bold"))
            yield Static(title, classes="form-title", id="edit-title")
            with VerticalScroll(id="edit-body", classes="form-body"):
                yield Static(self._expired_note(), id="edit-expired")
                yield from self.text_row("Name", "name")
                yield from self.text_row("Description", "description")
                yield ExpiryField(
                    self.policy,
                    self.clock,
                    self.zone,
                    keep_label="Keep",
                    keep_summary=self._keep_summary(),
                    id="expiry-field",
                )
                yield Static(self._locked(), id="edit-locked")
            with Vertical(classes="form-footer"):
                yield Static("", id="form-error", classes="form-error")
                with Horizontal(classes="form-buttons"):
                    yield Button("Cancel", id="form-cancel", compact=True)
                    yield Button("Reload  ctrl+r", id="form-reload", compact=True)
                    yield Button("Save  ctrl+s", id="form-submit", variant="primary", compact=True)
        yield Footer(compact=True)  # the modal's own keys, not the screen's below

    def on_mount(self) -> None:
        # Shown cleaned: a raw ESC from older data must not reach the terminal via Input.
        self.query_one("#name", Input).value = clean(self.key.name)
        self.query_one("#description", Input).value = clean(self.key.description)
        self._show_expired_note()
        self.show_general(None)
        # Most edits extend: start on the expiry choices, so that `e` then `2` gives 30
        # days (in the name field, `2` would replace the name). Name and description are
        # a shift+tab away.
        self.query_one("#expiry").focus()

    def _is_expired(self) -> bool:
        return self.key.expires_at is not None and self.key.expires_at <= self.clock()

    def _expired_note(self) -> Text:
        if not self._is_expired():
            return Text("")
        assert self.key.expires_at is not None
        ago = relative_days(self.key.expires_at, self.clock())
        return Text(f"Expired {ago} — pick a new date to reactivate.", style="bold")

    def _show_expired_note(self) -> None:
        note = self.expired_note
        note.update(self._expired_note())
        note.display = self._is_expired()

    def _keep_summary(self) -> str:
        if self.key.expires_at is None:
            return "Keeps the current expiry: never."
        when = self.key.expires_at
        return (
            f"Keeps the current expiry: {describe_instant(when, self.zone)} "
            f"({relative_days(when, self.clock())})."
        )

    def _locked(self) -> Text:
        key = self.key
        text = Text("Locked at creation\n", style="bold")
        text.append(f"Scope: {scope_words(key.scope)}\n")
        text.append("Allowed tools: ")
        text.append_text(safe_text(", ".join(key.allowed_tools) or "all"))
        text.append("\nBlocked tools: ")
        text.append_text(safe_text(", ".join(key.blocked_tools) or "none"))
        text.append(
            "\nRequests/min: "
            + (f"{key.rate_limit_rpm:,}" if key.rate_limit_rpm else "no limit")
            + "\n"
        )
        text.append("To change scope: revoke and create a new key.", style="italic")
        return text

    # -- submit ------------------------------------------------------------------------

    @on(Button.Pressed, "#form-submit")
    def action_submit(self) -> None:
        if self._busy:
            return
        expiry_field = self.expiry_field
        expiry_error = expiry_field.error_for_submit()
        try:
            edit = parse_key_edit(
                name=self._typed("name", self.key.name),
                description=self._typed("description", self.key.description),
                expiry=expiry_field.choice(),
                version=self.key.version,
                policy=self.policy,
                now=self.clock(),
                zone=self.zone,
            )
        except FormErrors as err:
            self.refuse(err, expiry_error)
            return
        self.clear_errors()
        self._send(edit)

    def _typed(self, widget_id: str, original: str) -> str:
        """What to send: an untouched field sends the original (line breaks and all),
        not the cleaned text shown; the server then judges the real value."""
        value = self.input_value(widget_id)
        return original if value == clean(original) else value

    @work(exclusive=True, group="edit-key", exit_on_error=False)
    async def _send(self, edit: KeyEdit) -> None:
        await self.send(self._submit(edit), "Saving…")

    def refused(self, err: ApiError) -> None:
        if err.code == "CONFLICT":
            self.show_general(CONFLICT_MESSAGE)
            self.reload_button.add_class("-visible")
        elif err.code == "NOT_FOUND":
            self.show_general("This key no longer exists: it was deleted elsewhere.")
        else:
            self.show_api_error(err)

    # -- reload after a conflict -------------------------------------------------------

    @on(Button.Pressed, "#form-reload")
    def action_reload_key(self) -> None:
        self._load_latest()

    @work(exclusive=True, group="edit-key-reload", exit_on_error=False)
    async def _load_latest(self) -> None:
        key_id = self.key.id
        app = self.app
        if self._reload is not None:
            request = self._reload(key_id)
        elif isinstance(app, SessionApp):
            request = app.session.watching(lambda api: api.get_key(key_id))
        else:
            self.show_general("Cannot reload here: close the form and open it again.")
            return
        try:
            latest = await request
        except ServerUnreachable:
            self.show_general("Cannot reach the server to reload. Try again in a moment.")
            return
        except ApiError as err:
            self.show_api_error(err)
            return
        self.key = latest
        # The user's typed name/description stay; only what they cannot edit is refreshed.
        self.locked_note.update(self._locked())
        self.expiry_field.keep_summary = self._keep_summary()
        self.expiry_field.validate()
        self._show_expired_note()
        self.reload_button.remove_class("-visible")
        latest_name = safe_text(latest.name).plain
        self.show_general(
            f"Reloaded: elsewhere the key is now named “{latest_name}”. Your changes are "
            "kept — press ctrl+s to save them over it."
        )
