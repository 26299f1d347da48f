"""`agentkeys` (the TUI) and `agentkeys demo`.

Only argparse and the light parts of the UI are imported before the first paint; the
server, keyring and httpx are imported by the app's background worker (issue 3).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path


def add_connection_options(parser: argparse.ArgumentParser) -> None:
    """--server and --profile, accepted on every command (SPEC §3, issue 5)."""
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
    child = None
    if surely_embedded(server, profile):
        # Started before Textual is even imported: it runs on another core meanwhile.
        from tui_app.ui.embedded_child import spawn

        child = spawn(_home())
    return _run(Target(server=server, profile=profile, home=_home(), child=child))


def run_demo(args: argparse.Namespace) -> int:
    from tui_app.ui.backend import Target
    from tui_app.ui.embedded_child import spawn
    from tui_app.ui.startup import pause_gc

    pause_gc()
    child = spawn(None, demo=True, demo_keys=args.keys)
    return _run(Target(demo=True, demo_keys=args.keys, child=child))


def _run(target: object) -> int:
    from tui_app.ui.app import AgentKeysApp

    app = AgentKeysApp(target)  # type: ignore[arg-type]
    try:
        app.run()
    finally:
        child = getattr(target, "child", None)
        if child is not None and app.connection is None:
            child.close()  # the app never took it over (failed early)
    return app.return_code or 0


def _key_count(value: str) -> int:
    """argparse type: a usage error (exit 2), not a crash, for a bad --keys."""
    try:
        count = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if not 0 <= count <= 1_000_000:
        raise argparse.ArgumentTypeError("must be between 0 and 1,000,000")
    return count
