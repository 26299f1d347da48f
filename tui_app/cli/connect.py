"""`agentkeys connect CLIENT --key KEY`: the lines that connect an agent client to a key.

The command line never has a key's secret (it is shown once, when the key is made), so
the lines refer to the environment variable AGENTKEYS_AGENT_KEY instead. The lines go
to stdout and the notes to stderr, so `> file` or `| sh` gets only the lines.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from tui_app.cli.common import add_output_options, connection_parent, guarded, print_json, run_api
from tui_app.cli.exit_codes import EXIT_OK
from tui_app.domain.connect import CLIENTS

if TYPE_CHECKING:
    from tui_app.client.api import ApiClient


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parent = connection_parent()
    help_text = "print the settings that connect an agent client to a key"
    parser = subparsers.add_parser(
        "connect", parents=[parent], help=help_text,
        description=f"{help_text.capitalize()}. The key's secret is never printed: the "
        "settings read it from the environment variable AGENTKEYS_AGENT_KEY.")
    parser.add_argument("client", choices=CLIENTS, metavar="CLIENT",
                        help=f"one of: {', '.join(CLIENTS)}")
    parser.add_argument("--key", required=True, metavar="KEY", help="key id or exact name")
    add_output_options(parser)
    parser.set_defaults(handler=guarded(run_connect))


def run_connect(args: argparse.Namespace) -> int:
    async def work(api: ApiClient, conn: Any) -> int:
        from tui_app.cli.key_output import find_key
        from tui_app.domain.connect import connection_settings, mcp_url
        from tui_app.domain.sanitize import clean

        key = await find_key(api, args.key)  # exists and is visible, or exit 1
        me = await api.me()
        url = mcp_url(api.base_url, me.public_url)
        settings = connection_settings(url, args.client)
        if args.json:
            print_json({"client": settings.client, "title": settings.title, "url": url,
                        "text": settings.text, "notes": list(settings.notes)})
        else:
            print(clean(settings.text, keep_newlines=True))
            for note in settings.notes:
                print(f"# {note}", file=sys.stderr)
        if key.status.value != "active":
            print(f"# Key {clean(key.name)} is {key.status.value}: requests with it are "
                  "refused until it is active again.", file=sys.stderr)
        return EXIT_OK

    return run_api(args, work)
