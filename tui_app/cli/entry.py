"""The `agentkeys` command: its parser and its one exit.

Each command group lives in its own module with a `register(subparsers)` function; heavy
imports (textual, fastapi, httpx) happen inside handlers so `agentkeys --help` and the
TUI's first paint do not pay for what they do not use.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from tui_app import __version__
from tui_app.cli.exit_codes import EXIT_ERROR, EXIT_OK, EXIT_USAGE

if TYPE_CHECKING:
    import argparse


def build_parser() -> argparse.ArgumentParser:
    import argparse

    from tui_app.cli import (
        admin,
        agent,
        auth,
        connect,
        connections,
        keys,
        server,
        teams,
        tui,
        users,
    )

    parser = argparse.ArgumentParser(
        prog="agentkeys",
        description="Manage the API keys you give to AI agents.",
    )
    parser.add_argument("--version", action="version", version=f"agentkeys {__version__}")
    tui.add_connection_options(parser)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in (tui, server, auth, keys, admin, users, teams, connect, connections,
                   agent):
        module.register(subparsers)
    parser.set_defaults(handler=tui.run_tui)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    if not (sys.argv[1:] if argv is None else argv):
        # `agentkeys` alone opens the TUI, whose start-up people feel: skip importing
        # every command's module just to parse nothing.
        from tui_app.cli import tui

        args: Any = SimpleNamespace(command=None, server=None, profile=None,
                                    handler=tui.run_tui)
    else:
        args = build_parser().parse_args(argv)
    from tui_app.paths import UnsafeDirectory

    try:
        code = args.handler(args)
    except KeyboardInterrupt:
        code = EXIT_USAGE
    except UnsafeDirectory as exc:
        # Every command needs its directories: one message, whichever found it first.
        print(f"agentkeys: {exc}", file=sys.stderr)
        code = EXIT_ERROR
    sys.exit(code or EXIT_OK)
