"""`agentkeys` (the TUI) and `agentkeys demo`."""

from __future__ import annotations

import argparse


def add_connection_options(parser: argparse.ArgumentParser) -> None:
    """--server and --profile, accepted on every command (SPEC §3, issue 5)."""
    parser.add_argument("--server", help="server URL (default: the embedded local server)")
    parser.add_argument("--profile", help="a profile from the config file")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    pass


def run_tui(args: argparse.Namespace) -> int:
    raise SystemExit("The TUI is being written.")
