"""The top line of every screen: the screen's title and sub-title.

What Textual's Header shows with its icon and clock turned off, as one widget: Header
is four widgets with their stylesheets, a cost the first frame pays. The text
comes from the app's format_title, as Header's does; titles are ours, sub-titles are
built from counts, and Content never parses them as markup.
"""

from __future__ import annotations

from textual.widgets import Static


class TitleBar(Static):
    DEFAULT_CSS = """
    TitleBar {
        dock: top;
        width: 100%;
        height: 1;
        background: $panel;
        color: $foreground;
        content-align: center middle;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def on_mount(self) -> None:
        for node in (self.app, self.screen):
            self.watch(node, "title", self._show, init=False)
            self.watch(node, "sub_title", self._show, init=False)
        self._show()

    def _show(self) -> None:
        screen, app = self.screen, self.app
        title = screen.title if screen.title is not None else app.title
        sub_title = screen.sub_title if screen.sub_title is not None else app.sub_title
        self.update(app.format_title(title, sub_title))
