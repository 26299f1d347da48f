"""The status line under a secret shown on screen, which also copies it.

Copying and its status belong together: every copy ends in this line, saying which
clipboard took the text (clipboard.py's labels: "sent to your terminal" for OSC 52,
never "copied") or, when nothing could, to select it by hand. Over SSH the text goes
to the terminal with OSC 52; locally pyperclip is tried in a thread, falling back to
OSC 52.

The text is read through a callable when the copy happens, never passed to a worker
or a message, so no repr, log or notification holds it; the lines shown here are
fixed strings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from rich.text import Text
from textual import work
from textual.message import Message
from textual.visual import VisualType
from textual.widgets import Static

from tui_app.ui.clipboard import (
    LOCAL_LABEL,
    SSH_LABEL,
    CopyMethod,
    CopyOutcome,
    LocalClipboard,
    PyperclipClipboard,
    copy_locally,
    fallback_label,
    over_ssh,
)


class CopyStatus(Static):
    """Copies a text on `copy()` and says where it went; shows itself when it has news."""

    class Copied(Message):
        """The text reached a clipboard (a copy-once dialog counts it as saved)."""

        def __init__(self, copy_status: CopyStatus, outcome: CopyOutcome) -> None:
            super().__init__()
            self.copy_status = copy_status
            self.outcome = outcome

        @property
        def control(self) -> CopyStatus:
            return self.copy_status

    def __init__(
        self,
        content: VisualType = "",
        *,
        read: Callable[[], str],
        where_shown: str,
        clipboard: LocalClipboard | None = None,
        env: Mapping[str, str] | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """`read` gives the text to copy; `where_shown` ("the key above") is where to
        select it by hand when no clipboard takes it."""
        super().__init__(content, id=id, classes=classes)
        self._read = read
        self._where_shown = where_shown
        self._clipboard: LocalClipboard = clipboard or PyperclipClipboard()
        self._env = env  # None: os.environ, read when copying

    def copy(self) -> None:
        if over_ssh(self._env):
            self._send_osc52(SSH_LABEL)
        else:
            self._copy_locally()

    @work(thread=True, exclusive=True, group="copy", exit_on_error=False)
    def _copy_locally(self) -> None:
        # Read here, not passed as an argument, so no worker's repr holds the text.
        ok = copy_locally(self._clipboard, self._read())
        self.app.call_from_thread(self._after_local_copy, ok)

    def _after_local_copy(self, ok: bool) -> None:
        if ok:
            self._report(CopyOutcome(CopyMethod.LOCAL, LOCAL_LABEL))
        else:
            self._send_osc52(fallback_label(self._where_shown))

    def _send_osc52(self, label: str) -> None:
        try:
            self.app.copy_to_clipboard(self._read())
        except Exception:  # a terminal write failing must not crash the dialog
            self._show(Text(f"Could not copy here: select {self._where_shown} by hand."))
            return
        self._report(CopyOutcome(CopyMethod.OSC52, label))

    def _report(self, outcome: CopyOutcome) -> None:
        self._show(Text("✓ " + outcome.label))
        self.post_message(self.Copied(self, outcome))

    def _show(self, text: Text) -> None:
        self.update(text)
        if not self.display:  # a status that waited hidden until there was news
            self.display = True
