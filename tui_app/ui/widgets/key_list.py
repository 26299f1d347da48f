"""One pane of My keys: a DataTable of keys with `Text` cells only.

Cells are `rich.text.Text` built by safe_text, so nothing from the data is ever parsed
as markup (a plain str cell would be: FIELD-NOTES "markup"). A person's keys are few,
so the pane is rebuilt on every refresh; the cursor stays on the same key by id.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual.css.scalar import Unit
from textual.widget import Widget
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from tui_app.domain.status import KeyStatus
from tui_app.domain.timefmt import expires_within, relative
from tui_app.ui.safe import safe_text

if TYPE_CHECKING:
    # Annotations only: the models (and their parsing) load with the client, after
    # the first frame.
    from tui_app.domain.models import AgentKey

EXPIRING_SOON_DAYS = 7
EXPIRING_FLAG = "!"  # a character, not only a colour: it must read the same with NO_COLOR

_REASONS = {
    "disabled": "disabled",
    "owner_deactivated": "owner off",
    "expired": "expired",
    "revoked": "revoked",
}


def status_word(key: AgentKey) -> str:
    """'active', 'revoked', 'expired', 'disabled' or 'owner off' (short, for lists)."""
    if key.status is KeyStatus.INACTIVE:
        return _REASONS.get(key.status_reason or "", "inactive")
    return key.status.value


def status_since(key: AgentKey) -> datetime | None:
    """When the key left the Active pane, as far as we know."""
    if key.status is KeyStatus.REVOKED:
        return key.revoked_at
    if key.status is KeyStatus.EXPIRED:
        return key.expires_at
    return key.disabled_at


def is_expiring_soon(key: AgentKey, now: datetime) -> bool:
    return key.status is KeyStatus.ACTIVE and expires_within(
        key.expires_at, now, EXPIRING_SOON_DAYS
    )


class KeyList(DataTable[Text]):
    """The Active or the Inactive pane."""

    _FIXED = {"active": (12, 12), "inactive": (9, 12)}

    def __init__(self, pane: str, *, id: str) -> None:
        super().__init__(cursor_type="row", id=id, zebra_stripes=False)
        self.pane = pane
        self.keys: list[AgentKey] = []
        self._now: datetime | None = None

    def on_mount(self) -> None:
        self._add_columns()

    def _name_width(self) -> int:
        fixed = sum(self._FIXED[self.pane]) + 2 * 3  # cell padding on three columns
        return max(10, self._content_width() - fixed - 1)

    def _content_width(self) -> int:
        """Exact once laid out. Before that (keys shown in the very first frame, see
        app._use_prefetched) an estimate from the terminal's width and the `fr` widths of
        this pane's column and its siblings in the stylesheet, so that the names are not
        cut short in that frame; on_resize then makes it exact."""
        if self.size.width:
            return self.scrollable_content_region.width
        column = self.parent
        body = column.parent if column is not None else None
        if not isinstance(column, Widget) or body is None:
            return 0
        widths = [child.styles.width for child in body.children]
        if column.styles.width is None or any(
                width is None or width.unit is not Unit.FRACTION for width in widths):
            return 0
        share = column.styles.width.value / sum(width.value for width in widths if width)
        columns = max(int(self.app.size.width * share), int(column.styles.min_width.value)
                      if column.styles.min_width else 0)
        return columns - self.styles.gutter.width - 1  # the border, the scrollbar's column

    def _add_columns(self) -> None:
        first, second = self._FIXED[self.pane]
        labels = ("Expires", "Last used") if self.pane == "active" else ("Status", "Since")
        self.add_column("Name", width=self._name_width(), key="name")
        self.add_column(labels[0], width=first, key="second")
        self.add_column(labels[1], width=second, key="third")

    def on_resize(self) -> None:
        # The name column takes what the others leave; only known once laid out. Keys
        # shown before the first layout were cut to an estimate (_content_width) that is
        # usually exact: nothing to redo then.
        if self.columns and self.columns[ColumnKey("name")].width == self._name_width():
            return
        if self._now is not None:
            self.show(self.keys, self._now)
        else:
            self.clear(columns=True)
            self._add_columns()

    @property
    def highlighted_key(self) -> AgentKey | None:
        if not self.keys or not 0 <= self.cursor_row < len(self.keys):
            return None
        return self.keys[self.cursor_row]

    def _cells(self, key: AgentKey, now: datetime, width: int) -> tuple[Text, Text, Text]:
        name = safe_text(key.name)
        name.truncate(width, overflow="ellipsis")
        if self.pane == "active":
            expires = Text(relative(key.expires_at, now))
            if is_expiring_soon(key, now):
                expires = Text(f"{EXPIRING_FLAG} {expires.plain}", style="bold yellow")
            return name, expires, Text(relative(key.last_used_at, now), style="dim")
        since = status_since(key)
        return (
            name,
            Text(status_word(key), style="italic"),
            Text(relative(since, now, none="") if since else "", style="dim"),
        )

    def show(self, keys: Sequence[AgentKey], now: datetime, *, keep_id: str | None = None) -> None:
        """Replace the rows, keeping the cursor on `keep_id` (or the current key)."""
        current = keep_id or (self.highlighted_key.id if self.highlighted_key else None)
        self.keys = list(keys)
        self._now = now
        width = self._name_width()
        self.clear(columns=True)
        self._add_columns()
        for key in self.keys:
            self.add_row(*self._cells(key, now, width), key=key.id)
        ids = [k.id for k in self.keys]
        if current in ids:
            self.move_cursor(row=ids.index(current), animate=False, scroll=True)
