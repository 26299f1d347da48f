"""`C`, connect an agent: one binding for every screen that lists keys.

Its own module so a screen can bind it without loading the modal before the first
frame (the modal is imported when the key is pressed).
"""

from __future__ import annotations

from dataclasses import replace

from textual.binding import Binding

CONNECT_BINDING = Binding(
    "C", "connect_agent", "Connect", id="connect-agent", key_display="C",
    tooltip="Connect an agent: the settings for Claude Code, Codex, VS Code, Cursor, "
    "Claude Desktop and curl for the highlighted key")
# Where the footer is full at 80 columns (My keys): in help and the palette only.
CONNECT_BINDING_UNSHOWN = replace(CONNECT_BINDING, show=False)
