"""A one-line choice of a few options, driven by arrows (and digit keys from the form).

Used for the expiry quick-select and the scope: RadioSet takes a line per option plus a
border, which does not fit a create form into 80x24; this takes one or two lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str
    hotkey: str = ""  # shown before the label; the form binds it


class ChoiceRow(Widget, can_focus=True):
    BINDINGS = [
        Binding("left,up", "step(-1)", "Previous", show=False),
        Binding("right,down", "step(1)", "Next", show=False),
    ]

    index: reactive[int] = reactive(0)

    class Changed(Message):
        def __init__(self, row: ChoiceRow, choice: Choice) -> None:
            super().__init__()
            self.row = row
            self.choice = choice

        @property
        def control(self) -> ChoiceRow:
            return self.row

    def __init__(
        self,
        choices: Sequence[Choice],
        *,
        value: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.choices = tuple(choices)
        start = next((i for i, c in enumerate(self.choices) if c.value == value), 0)
        self.set_reactive(ChoiceRow.index, start)

    @property
    def value(self) -> str:
        return self.choices[self.index].value

    def select(self, value: str) -> bool:
        for i, choice in enumerate(self.choices):
            if choice.value == value:
                self.index = i
                return True
        return False

    def action_step(self, delta: int) -> None:
        self.index = (self.index + delta) % len(self.choices)

    def watch_index(self, index: int) -> None:
        self.post_message(self.Changed(self, self.choices[index]))

    def render(self) -> Text:
        return self._layout(self.size.width)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self._layout(width).plain.count("\n") + 1

    def _layout(self, width: int) -> Text:
        # Lay options out by hand so a line breaks between options, never inside one.
        width = max(width, 20)
        text = Text(no_wrap=True)
        column = 0
        for i, choice in enumerate(self.choices):
            chosen = i == self.index
            label = f"{choice.hotkey} {choice.label}" if choice.hotkey else choice.label
            cell = 2 + len(label)
            if column and column + 2 + cell > width:
                text.append("\n")
                column = 0
            elif column:
                text.append("  ")
                column += 2
            text.append("● " if chosen else "○ ", style="bold" if chosen else "dim")
            style = ("reverse" if self.has_focus else "bold") if chosen else ""
            text.append(label, style=style)
            column += cell
        return text

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
