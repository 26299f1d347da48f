"""The keys a connection may use, one option each: the caller's own active and expired
keys (words.offered_keys), with what each allows and when it expires.

An OptionList of `Text` prompts: key names are never parsed as markup. A person's keys
are few, so the list is built whole; the cursor stays on the same key by id when the
keys are shown again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tui_app.ui.connections.words import key_choice, offered_keys

if TYPE_CHECKING:
    from tui_app.domain.models import AgentKey

# The scope and expiry columns take this much; the name has the rest, within limits.
OTHER_COLUMNS = 40
NAME_MIN, NAME_MAX = 12, 32


class KeyChoice(OptionList):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.keys: list[AgentKey] = []

    def show(self, keys: Sequence[AgentKey], now: datetime) -> None:
        kept = self.highlighted_key
        self.keys = offered_keys(keys)
        width = self.scrollable_content_region.width or 76
        name_width = max(NAME_MIN, min(NAME_MAX, width - OTHER_COLUMNS))
        self.clear_options()
        self.add_options(Option(key_choice(key, now, name_width), id=key.id)
                         for key in self.keys)
        ids = [key.id for key in self.keys]
        if self.keys:
            self.highlighted = ids.index(kept.id) if kept is not None and kept.id in ids else 0

    @property
    def highlighted_key(self) -> AgentKey | None:
        index = self.highlighted
        if index is None or not 0 <= index < len(self.keys):
            return None
        return self.keys[index]
