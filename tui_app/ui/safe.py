"""The one way untrusted text reaches the screen.

Names, descriptions, tool names, user names and server messages go through `safe_text`,
which replaces control, bidi and zero-width characters and returns a `rich.text.Text`,
so nothing in the data is ever parsed as markup or reaches the terminal as an escape.
For `notify()`, use `safe_message` together with `markup=False`.
"""

from __future__ import annotations

from rich.text import Text

from tui_app.domain.sanitize import clean


def safe_text(value: object, style: str = "", *, keep_newlines: bool = False) -> Text:
    text = clean("" if value is None else str(value), keep_newlines=keep_newlines)
    return Text(text, style=style)


def safe_message(value: object) -> str:
    """A plain string for `notify(..., markup=False)` and other plain-text sinks."""
    return clean("" if value is None else str(value))
