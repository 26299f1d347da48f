"""What the create and edit forms share: field rows, per-field errors, busy state.

Errors are plain Text (server messages are untrusted too), shown under their field; a
field error from the server (ApiError.field_errors()) lands in the same place as the
form's own message for that field, and anything else goes to the general error line.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Static

from tui_app.client.errors import ApiError
from tui_app.ui.safe import safe_text

if TYPE_CHECKING:
    from textual._path import CSSPathType


def error_id(field: str) -> str:
    """The id of the error line under a field: "rate_limit_rpm" → "rate-limit-rpm-error"."""
    return f"{field.replace('_', '-')}-error"


class FormModalMixin:
    """Mixed into a ModalScreen; expects `#form-error` and `#form-submit` in the screen."""

    # Resolved next to the concrete modal's module (both forms live in this package);
    # loaded when a form is first shown, not before the first frame of My keys.
    CSS_PATH: ClassVar[CSSPathType | None] = "form.tcss"

    _busy: bool

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

    # -- reading -----------------------------------------------------------------------

    def input_value(self, widget_id: str) -> str:
        return self._screen.query_one(f"#{widget_id}", Input).value

    @property
    def _screen(self) -> Screen[object]:
        assert isinstance(self, Screen)
        return self

    # -- errors ------------------------------------------------------------------------

    def _error_widget(self, field: str) -> Static | None:
        found = self._screen.query(f"#{error_id(field)}")
        return found.first(Static) if found else None

    def has_error(self, field: str) -> bool:
        widget = self._error_widget(field)
        return widget is not None and widget.display

    def show_field_error(self, field: str, message: str | None) -> bool:
        """Show (or clear) a field's message; False when the form has no such field."""
        if field == "expires_at":
            from tui_app.ui.my_keys.expiry_field import ExpiryField

            fields = self._screen.query(ExpiryField)
            if fields:
                fields.first().show_error(message)
                return True
            return False
        widget = self._error_widget(field)
        if widget is None:
            return False
        widget.update(safe_text(message or ""))
        widget.display = bool(message)
        return True

    def show_errors(self, errors: dict[str, str], summary: str) -> None:
        """Show every field's message; ones without a place go to the general line."""
        self.clear_errors()
        homeless = [msg for field, msg in errors.items() if not self.show_field_error(field, msg)]
        self.show_general(" ".join([summary, *homeless]) if homeless else summary)
        for field in errors:
            target = self.first_error_widget(field)
            if target is not None:
                target.focus()
                target.scroll_visible()
                break

    def clear_errors(self) -> None:
        for widget in self._screen.query(".field-error"):
            if isinstance(widget, Static):
                widget.update("")
                widget.display = False
        self.show_general(None)

    def show_general(self, message: str | None) -> None:
        general = self._screen.query_one("#form-error", Static)
        general.update(safe_text(message or ""))
        general.display = bool(message)

    def show_api_error(self, err: ApiError) -> None:
        fields = err.field_errors()
        if fields:
            self.show_errors(fields, "The server refused some fields: see below.")
        else:
            self.show_general(f"{safe_text(err.message).plain} ({err.code})")

    def first_error_widget(self, field: str) -> Widget | None:
        return None

    # -- cancel and busy -----------------------------------------------------------------

    def action_cancel(self) -> None:
        # Not while a request is out: its answer (a new key's only secret) must land here.
        if not self._busy:
            self._screen.dismiss(None)

    def set_busy(self, busy: bool, message: str | None = None) -> None:
        self._busy = busy
        button = self._screen.query_one("#form-submit", Button)
        button.disabled = busy
        button.loading = busy
        self._screen.query_one("#form-cancel", Button).disabled = busy
        if busy:
            general = self._screen.query_one("#form-error", Static)
            general.update(Text(message or "Working…", style="italic"))
            general.display = True
        else:
            self.show_general(None)


__all__ = ["FormModalMixin", "error_id"]
