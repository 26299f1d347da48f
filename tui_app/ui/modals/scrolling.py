"""A modal that keeps the focused field, and the message under it, on screen.

At 80x24 a form is taller than the terminal, so its body scrolls. Textual scrolls a
newly focused widget into view, but not the message printed under it, so a field's
error could sit below the fold. This modal scrolls the field's whole block instead:
the child of the scrolling body that holds the focused widget, and the message lines
(`.field-error`, `.field-note`) right after it.
"""

from __future__ import annotations

from typing import TypeVar

from textual.geometry import Region
from textual.screen import ModalScreen
from textual.widget import Widget

ResultT = TypeVar("ResultT")

MESSAGE_CLASSES = ("field-error", "field-note")


def _scrolling_parent(widget: Widget) -> Widget | None:
    for node in widget.ancestors:
        if not isinstance(node, Widget) or isinstance(node, ModalScreen):
            return None
        if node.styles.overflow_y in ("auto", "scroll"):
            return node
    return None


def field_block(widget: Widget) -> tuple[Widget, list[Widget]] | None:
    """The scrolling body around `widget` and the widgets that must show with it."""
    body = _scrolling_parent(widget)
    if body is None:
        return None
    block = widget
    while block.parent is not body:
        assert isinstance(block.parent, Widget)
        block = block.parent
    shown = [block]
    siblings = list(body.children)
    for sibling in siblings[siblings.index(block) + 1:]:
        if not any(sibling.has_class(name) for name in MESSAGE_CLASSES):
            break
        if sibling.display:
            shown.append(sibling)
    return body, shown


class ScrollingModal(ModalScreen[ResultT]):
    def set_focus(self, widget: Widget | None, scroll_visible: bool = True,
                  from_app_focus: bool = False) -> None:
        # Textual's own scrolling would show the widget alone (and animate).
        super().set_focus(widget, scroll_visible=False, from_app_focus=from_app_focus)
        if scroll_visible and widget is not None:
            self.call_after_refresh(self.show_focused)

    def show_focused(self) -> None:
        """Scroll so the focused widget and its block are visible (after a layout)."""
        focused = self.focused
        if focused is None:
            return
        found = field_block(focused)
        if found is None:
            return
        body, shown = found
        region = Region.from_union([w.virtual_region_with_margin for w in shown])
        body.scroll_to_region(region, animate=False, immediate=True)
        # A block taller than the body: the focused widget itself comes first.
        body.scroll_to_widget(focused, animate=False, immediate=True)
