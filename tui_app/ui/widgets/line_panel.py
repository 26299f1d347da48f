"""A panel like a Static that, shown new content of the same height, repaints only the
lines that differ.

Textual repaints a widget whole when its content changes, and sends every cell of it to
the terminal. A details panel that follows a cursor mostly keeps its labels and many of
its values from one key to the next, so this panel renders the new content, compares it
line by line with what is on screen and marks only the lines that differ; over a slow
link that is the difference between a few hundred bytes and a few kilobytes per key
press. Content of another height still takes a full layout, as Static's update does.
"""

from __future__ import annotations

from itertools import zip_longest
from typing import ClassVar

from textual.app import RenderResult
from textual.geometry import Region
from textual.strip import Strip
from textual.visual import Visual, VisualType, visualize
from textual.widget import Widget


class LinePanel(Widget):
    """Content like a Static's (text or any Rich renderable, never parsed as markup),
    shown again with `show()` at the cost of its changed lines."""

    DEFAULT_CSS: ClassVar[str] = "LinePanel { height: auto; }"

    def __init__(self, content: VisualType = "", *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self._content = content

    def render(self) -> RenderResult:
        return visualize(self, self._content, markup=False)

    def show(self, content: VisualType) -> None:
        width, height = self.size
        old, new = self._content, visualize(self, content, markup=False)
        self._content = new
        new_lines = self._strips(new, width, None) if width else []
        if not width or len(new_lines) != height:
            self.refresh(layout=True)
            return
        old_lines = self._strips(visualize(self, old, markup=False), width, None)
        for y, (before, after) in enumerate(zip_longest(old_lines, new_lines)):
            if before != after:
                self.refresh(Region(0, y, width, 1))

    def _strips(self, visual: Visual, width: int, height: int | None) -> list[Strip]:
        return Visual.to_strips(self, visual, width, height, self.visual_style)
