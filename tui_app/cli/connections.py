"""`agentkeys approve CODE --key KEY` and `agentkeys deny CODE`: answer an agent that
asked for access, as the Connections screen does.

Before approving, the person sees on stderr which client asks and for what, so a code
read off someone else's screen is not approved blindly; stdout has only the result.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from tui_app.cli.common import (
    CliError,
    add_output_options,
    connection_parent,
    guarded,
    print_json,
    run_api,
)
from tui_app.cli.exit_codes import EXIT_OK, EXIT_USAGE
from tui_app.domain.sanitize import clean
from tui_app.domain.validation import scope_words

if TYPE_CHECKING:
    from tui_app.client.api import ApiClient
    from tui_app.domain.connections import PendingConnection



def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parent = connection_parent()
    approve = subparsers.add_parser(
        "approve", parents=[parent], help="approve an agent's connection with one of your keys",
        description="Approve the connection an agent asked for (it showed you CODE) with "
        "one of your keys: the agent gets a session that acts as that key. An expired key "
        "is extended by 30 days.")
    approve.add_argument("code", metavar="CODE", help="the code the agent showed, XXXX-XXXX")
    approve.add_argument("--key", required=True, metavar="KEY",
                         help="one of your keys, by id or exact name")
    add_output_options(approve)
    approve.set_defaults(handler=guarded(run_approve))

    deny = subparsers.add_parser(
        "deny", parents=[parent], help="refuse an agent's connection",
        description="Refuse the connection an agent asked for (it showed you CODE).")
    deny.add_argument("code", metavar="CODE", help="the code the agent showed, XXXX-XXXX")
    deny.set_defaults(handler=guarded(run_deny))


def user_code(text: str) -> str:
    """The code as typed (any case, dash or not) in its canonical form, or exit 2."""
    from tui_app.domain.connections import normalise_user_code

    code = normalise_user_code(text)
    if code is None:
        raise CliError(
            f"'{clean(text)[:40]}' is not a connection code: it is 8 letters shown as "
            "XXXX-XXXX (vowels never appear in one). Check the code the agent showed.",
            EXIT_USAGE)
    return code


def describe(pending: PendingConnection) -> str:
    asked = scope_words(clean(pending.scope))
    return f"{clean(pending.client_name)} asks for {asked} access (code {pending.user_code})."


def still_pending(pending: PendingConnection) -> None:
    """Answered already: say so before asking anything else (the key, say)."""
    if pending.status != "pending":
        raise CliError(f"This request was {clean(pending.status)} already; nothing to "
                       "answer. The agent can ask again.")


def run_approve(args: argparse.Namespace) -> int:
    code = user_code(args.code)

    async def work(api: ApiClient, conn: Any) -> int:
        from tui_app.cli.key_output import find_key

        pending = await api.pending_connection(code)
        print(describe(pending), file=sys.stderr)
        still_pending(pending)
        key = await find_key(api, args.key)
        approval = await api.approve_connection(code, key.id)
        if args.json:
            print_json(approval)
            return EXIT_OK
        granted = scope_words(clean(approval.scope))
        print(f"Approved: {clean(pending.client_name)} now acts as key {clean(key.name)} "
              f"({granted}).")
        if approval.extended_to is not None:
            from tui_app.domain.connections import EXTEND_ON_APPROVE

            day = approval.extended_to.astimezone().date().isoformat()
            print(f"Key {clean(key.name)} had expired: extended by "
                  f"{EXTEND_ON_APPROVE.days} days, to {day}.")
        return EXIT_OK

    return run_api(args, work)


def run_deny(args: argparse.Namespace) -> int:
    code = user_code(args.code)

    async def work(api: ApiClient, conn: Any) -> int:
        pending = await api.pending_connection(code)
        still_pending(pending)
        await api.deny_connection(code)
        print(f"Denied: {clean(pending.client_name)} gets no access (code {code}).")
        return EXIT_OK

    return run_api(args, work)
