"""How activity reads on screen: a key's usage as a sparkline with its totals, and its
latest entries as lines. Shared by My keys' details, Admin's details and the Activity
screen.

Tool names, clients and key names come from agents and people: they go through the
sanitiser (safe.py) and are never parsed as markup. The sparkline is block characters,
so it reads the same without colour (NO_COLOR); colour only marks days with refusals.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from rich.console import Console, ConsoleOptions, RenderResult
from rich.style import Style
from rich.text import Text

from tui_app.domain.timefmt import compact, relative
from tui_app.ui.safe import safe_message, safe_text

if TYPE_CHECKING:
    # Annotations only: the models load with the client, after the first frame.
    from tui_app.domain.models import ActivityEntry, UsageDay

BLOCKS = "▁▂▃▄▅▆▇█"
_BAR = Style.parse("cyan")
_REFUSED_BAR = Style.parse("red")
_EMPTY = Style.parse("dim")
OK_STYLE = Style.parse("green")
REFUSED_STYLE = Style.parse("bold red")


def result_word(entry: ActivityEntry) -> str:
    """'ok', or the refusal's code (TOOL_FORBIDDEN, RATE_LIMITED, …): readable without
    colour."""
    return "ok" if entry.ok else safe_message(entry.code)


def short_time(when: datetime, now: datetime) -> str:
    """'3d ago': relative times that fit a narrow column."""
    return compact(relative(when, now))


def bars(days: Sequence[UsageDay]) -> Text:
    """A bar a day, scaled to the busiest day; a dot for a day without calls."""
    top = max((d.ok + d.refused for d in days), default=0)
    text = Text(no_wrap=True)
    for day in days:
        total = day.ok + day.refused
        if total == 0:
            text.append("·", _EMPTY)
            continue
        level = min(len(BLOCKS) - 1, (total * len(BLOCKS) - 1) // max(1, top))
        text.append(BLOCKS[level], _REFUSED_BAR if day.refused * 2 >= total else _BAR)
    return text


class Sparkline:
    """One line of bars, a day each, oldest on the left. Narrower than the days, it
    shows the latest days that fit: today is always there."""

    def __init__(self, days: Sequence[UsageDay]) -> None:
        self.days = tuple(days)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield bars(self.days[-max(1, options.max_width):])


def usage_label(days: Sequence[UsageDay]) -> Text:
    calls = sum(d.ok + d.refused for d in days)
    refused = sum(d.refused for d in days)
    text = Text(f"Calls, {len(days)} days: ", style="bold")
    text.append(f"{calls:,}")
    if refused:
        text.append(f" ({refused:,} refused)", style="red")
    return text


def entry_line(entry: ActivityEntry, now: datetime, *, with_key: bool = False) -> Text:
    """'3 min ago  verify  search_docs  ok  claude-code/2.1' on one line."""
    line = Text(no_wrap=True, overflow="ellipsis")
    line.append(f"{short_time(entry.at, now):>10} ", style="dim")
    if with_key:
        line.append_text(safe_text(entry.key_name or entry.key_id, "bold"))
        line.append(" ")
    line.append(f"{entry.channel} ", style="dim")
    if entry.tool:
        line.append_text(safe_text(entry.tool))
        line.append(" ")
    line.append(result_word(entry), style=OK_STYLE if entry.ok else REFUSED_STYLE)
    if entry.client:
        line.append(" ")
        line.append_text(safe_text(entry.client, "dim"))
    return line


def last_seen(entry: ActivityEntry | None) -> Text:
    """'claude-code/2.1 from 10.0.0.7': the client and address of the latest call."""
    if entry is None:
        return Text("no calls recorded", style="dim")
    text = safe_text(entry.client or "unknown client")
    text.append(" from ", style="dim")
    text.append_text(safe_text(entry.ip or "unknown address"))
    return text
