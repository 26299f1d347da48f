"""`agentkeys` (the TUI) and `agentkeys demo`.

Only argparse and the light parts of the UI are imported before the first paint; the
local server runs in its own process, and keyring and httpx are imported by the app's
background worker (see tui_app/ui/startup.py).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

    from tui_app.ui.backend import Target


def add_connection_options(parser: argparse.ArgumentParser) -> None:
    """--server and --profile, accepted on every command."""
    parser.add_argument("--server", help="server URL (default: the embedded local server)")
    parser.add_argument("--profile", help="a profile from the config file")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    demo = subparsers.add_parser(
        "demo",
        help="the TUI on a throw-away server seeded with a demo organisation",
        description="Start the TUI as the admin of a throw-away embedded server seeded with "
        "a demo organisation (teams, users of every role, keys in every state).",
    )
    demo.add_argument("--keys", type=_key_count, default=300, metavar="N",
                      help="how many keys to seed (default: 300)")
    demo.set_defaults(handler=run_demo)


def _home() -> Path | None:
    value = os.environ.get("AGENTKEYS_HOME")
    return Path(value).expanduser() if value else None


def run_tui(args: argparse.Namespace) -> int:
    from tui_app.ui.startup import pause_gc

    pause_gc()  # until the first keys are shown: see tui_app/ui/startup.py
    from tui_app.ui.backend import Target, surely_embedded

    server, profile = getattr(args, "server", None), getattr(args, "profile", None)
    if not surely_embedded(server, profile):
        return _run(Target(server=server, profile=profile, home=_home()))
    # Before Textual is even imported: find the local server (or start it, in its own
    # process) and, when it is already up, fetch the first screenful from it meanwhile
    # (see client/prefetch.py).
    from tui_app.client.local_server import connect

    local = connect(_home())
    prefetch = None
    if local.running is not None:
        from tui_app.client.prefetch import Prefetch

        prefetch = Prefetch(*local.running)
    return _run(Target(home=_home(), local=local, prefetch=prefetch))


def run_demo(args: argparse.Namespace) -> int:
    from tui_app.client.local_server import start_demo
    from tui_app.ui.backend import Target
    from tui_app.ui.startup import pause_gc

    pause_gc()
    local = start_demo(args.keys)
    return _run(Target(demo=True, demo_keys=args.keys, local=local))


def _run(target: Target) -> int:
    from tui_app.ui.app import AgentKeysApp

    app = AgentKeysApp(target)
    try:
        app.run()
    finally:
        if target.local is not None and app.connection is None:
            target.local.close()  # the app never took it over (failed early)
    return app.return_code or 0


def _key_count(value: str) -> int:
    """argparse type: a usage error (exit 2), not a crash, for a bad --keys."""
    import argparse

    try:
        count = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if not 0 <= count <= 1_000_000:
        raise argparse.ArgumentTypeError("must be between 0 and 1,000,000")
    return count
