"""What the create and edit forms share: their keys, field rows, checks as you type,
per-field errors, the busy state and what a failed request looks like.

Errors are plain Text (server messages are untrusted too), shown under their field; a
field error from the server (ApiError.field_errors()) lands in the same place as the
form's own message for that field, and anything else goes to the general error line.
A request that fails never closes the form: what was typed stays.
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterator
from typing import ClassVar, TypeVar

from rich.text import Text
from textual import getters, on
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Static

from tui_app.client.errors import ApiError, ServerUnreachable
from tui_app.ui.modals.scrolling import ScrollingModal
from tui_app.ui.my_keys.expiry_field import ExpiryField
from tui_app.ui.my_keys.forms import FormErrors, check_field
from tui_app.ui.safe import safe_text

ResultT = TypeVar("ResultT")

# Said of fields wherever they are: above the line, or scrolled out of view at 80x24.
FIX_FIELDS = "Some fields need fixing (see the message under each), then press ctrl+s."
SERVER_REFUSED = "The server refused some fields: see the message under each."


def form_bindings(prefix: str, *, submit: str, submit_tooltip: str, cancel_tooltip: str,
                  digits: str, expiry_tooltip: str) -> list[BindingType]:
    """ctrl+s submits from any field, escape cancels, digits pick an expiry preset."""
    return [
        Binding("ctrl+s", "submit", submit, priority=True, id=f"{prefix}-submit",
                tooltip=submit_tooltip),
        Binding("escape", "cancel", "Cancel", id=f"{prefix}-cancel", tooltip=cancel_tooltip),
        *(
            Binding(digit, f"pick_expiry('{digit}')", "Expiry", show=False,
                    id=f"{prefix}-expiry-{digit}", tooltip=expiry_tooltip)
            for digit in digits
        ),
    ]


def error_id(field: str) -> str:
    """The id of the error line under a field: "rate_limit_rpm" → "rate-limit-rpm-error"."""
    return f"{field.replace('_', '-')}-error"


class KeyFormModal(ScrollingModal[ResultT | None]):
    """A key form that closes with its request's answer, or None when cancelled; expects
    `#form-error`, `#form-submit` and `#form-cancel` in it."""

    # Loaded when a form is first shown, not before the first frame of My keys.
    CSS_PATH = "form.tcss"
    # Text inputs checked as you type: widget id → field name.
    TEXT_FIELDS: ClassVar[dict[str, str]] = {}
    # Fields whose emptiness is only an error once the user tries to submit.
    QUIET_WHILE_EMPTY: ClassVar[frozenset[str]] = frozenset()
    # The start of the message for a failure nobody expected.
    FAILURE = "Could not send the form"

    _busy = False
    # The general line only sums up the fields' messages: it goes when they have.
    _summary_of_fields = False

    expiry_field = getters.query_one(ExpiryField)
    general_error = getters.query_one("#form-error", Static)
    submit_button = getters.query_one("#form-submit", Button)
    cancel_button = getters.query_one("#form-cancel", Button)

    # -- building ----------------------------------------------------------------------

    def text_row(self, label: str, widget_id: str, placeholder: str = "") -> Iterator[Widget]:
        yield Horizontal(
            Label(label, classes="field-label"),
            Input(placeholder=placeholder, id=widget_id, compact=True, classes="field-input"),
            classes="field-row",
        )
        yield self.error_static(widget_id.replace("-", "_"))

    @staticmethod
    def error_static(field: str) -> Static:
        error = Static("", id=error_id(field), classes="field-error")
        error.display = False
        return error

    def input_value(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value

    # -- checks as you type --------------------------------------------------------------

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        field = self.TEXT_FIELDS.get(event.input.id or "")
        if field is not None and self.has_error(field):
            self.show_field_error(field, check_field(field, event.value))

    @on(Input.Blurred)
    def _input_blurred(self, event: Input.Blurred) -> None:
        field = self.TEXT_FIELDS.get(event.input.id or "")
        if field is not None and (event.value.strip() or field not in self.QUIET_WHILE_EMPTY):
            self.show_field_error(field, check_field(field, event.value))

    @on(ExpiryField.Changed)
    def _expiry_changed(self) -> None:
        # The calendar or the expiry's message may have appeared under the focus.
        self.call_after_refresh(self.show_focused)
        self._drop_summary_if_fixed()

    def action_pick_expiry(self, digit: str) -> None:
        self.expiry_field.pick(digit)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Digits belong to the text inputs while one has focus (Input also stops them).
        return not (action == "pick_expiry" and isinstance(self.focused, Input))

    # -- errors ------------------------------------------------------------------------

    def _error_widget(self, field: str) -> Static | None:
        found = self.query(f"#{error_id(field)}")
        return found.first(Static) if found else None

    def has_error(self, field: str) -> bool:
        widget = self._error_widget(field)
        return widget is not None and widget.display

    def show_field_error(self, field: str, message: str | None) -> bool:
        """Show (or clear) a field's message; False when the form has no such field."""
        if field == "expires_at":
            fields = self.query(ExpiryField)
            if fields:
                fields.first().show_error(message)
                return True
            return False
        widget = self._error_widget(field)
        if widget is None:
            return False
        widget.update(safe_text(message or ""))
        widget.display = bool(message)
        if message:
            # It may have pushed the focused field's own message below the fold.
            self.call_after_refresh(self.show_focused)
        else:
            self._drop_summary_if_fixed()
        return True

    def _drop_summary_if_fixed(self) -> None:
        if self._summary_of_fields and not any(
            widget.display for widget in self.query(".field-error")
        ):
            self.show_general(None)

    def show_errors(self, errors: dict[str, str], summary: str) -> None:
        """Show every field's message; ones without a place go to the general line."""
        self.clear_errors()
        homeless = [msg for field, msg in errors.items() if not self.show_field_error(field, msg)]
        self.show_general(" ".join([summary, *homeless]) if homeless else summary)
        self._summary_of_fields = not homeless
        for field in errors:
            target = self.first_error_widget(field)
            if target is not None:
                target.focus()
                self.call_after_refresh(self.show_focused)  # also when already focused
                break

    def refuse(self, err: FormErrors, expiry_error: str | None) -> None:
        """The form's own checks failed: the expiry field's message (from its
        error_for_submit, asked before the checks) joins theirs."""
        errors = dict(err.errors)
        if expiry_error:
            errors["expires_at"] = expiry_error
        self.show_errors(errors, FIX_FIELDS)

    def clear_errors(self) -> None:
        for widget in self.query(".field-error"):
            if isinstance(widget, Static):
                widget.update("")
                widget.display = False
        self.show_general(None)

    def show_general(self, message: str | None) -> None:
        self._summary_of_fields = False
        general = self.general_error
        general.update(safe_text(message or ""))
        general.display = bool(message)

    def show_api_error(self, err: ApiError) -> None:
        fields = err.field_errors()
        if fields:
            self.show_errors(fields, SERVER_REFUSED)
        else:
            self.show_general(f"{safe_text(err.message).plain} ({err.code})")

    def first_error_widget(self, field: str) -> Widget | None:
        """Where the focus goes for a field's error: the expiry's row, or its widget."""
        if field == "expires_at":
            return self.expiry_field.row
        found = self.query(f"#{field.replace('_', '-')}")
        return found.first() if found else None

    # -- sending -------------------------------------------------------------------------

    async def send(self, request: Awaitable[ResultT], busy: str) -> None:
        """Wait for the request with the form busy; close with its answer, or say why not."""
        self.set_busy(True, busy)
        try:
            result = await request
        except ServerUnreachable:
            self.set_busy(False)
            self.unreachable()
        except TimeoutError as err:
            self.set_busy(False)
            self.timed_out(err)
        except ApiError as err:
            self.set_busy(False)
            self.refused(err)
        except Exception as err:  # shown, not raised: the form must survive
            self.set_busy(False)
            self.show_general(f"{self.FAILURE} ({type(err).__name__}).")
        else:
            self.dismiss(result)

    def unreachable(self) -> None:
        self.show_general("Cannot reach the server — your input is kept. "
                          "Press ctrl+s to try again.")

    def timed_out(self, err: TimeoutError) -> None:
        self.show_general(f"{self.FAILURE} ({type(err).__name__}).")

    def refused(self, err: ApiError) -> None:
        self.show_api_error(err)

    # -- cancel and busy -----------------------------------------------------------------

    def action_cancel(self) -> None:
        # Not while a request is out: its answer (a new key's only secret) must land here.
        if not self._busy:
            self.dismiss(None)

    @on(Button.Pressed, "#form-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def set_busy(self, busy: bool, message: str | None = None) -> None:
        self._busy = busy
        button = self.submit_button
        button.disabled = busy
        button.loading = busy
        self.cancel_button.disabled = busy
        if busy:
            general = self.general_error
            general.update(Text(message or "Working…", style="italic"))
            general.display = True
        else:
            self.show_general(None)
