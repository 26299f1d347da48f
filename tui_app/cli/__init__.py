"""The `agentkeys` command line: one module per command group (see entry.py)."""

from __future__ import annotations

from tui_app.cli.entry import main

__all__ = ["main"]
