"""`agentkeys keys …`: the scriptable equivalents of the My keys screen.

A key is named by its id (`key_…`) or, for your own keys, by its exact name.
Output: a table or details on a terminal, tab-separated values when piped, `--json`
(the API's shapes) everywhere and `--csv` for the listing.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from tui_app.cli.common import (
    CliError,
    add_output_options,
    confirm,
    connection_parent,
    guarded,
    now_utc,
    parse_days,
    parse_expiry,
    print_json,
    run_api,
    stdout_is_tty,
    when_text,
)
from tui_app.cli.exit_codes import EXIT_ERROR, EXIT_OK, EXIT_USAGE
from tui_app.cli.key_output import find_key, key_row, print_details, print_keys_csv, status_text
from tui_app.domain.sanitize import clean
from tui_app.domain.validation import scope_words

if TYPE_CHECKING:
    from tui_app.client.api import ApiClient
    from tui_app.domain.models import AgentKey

STATUSES = ("active", "inactive", "expired", "revoked", "all")
KEY_COLUMNS = ("id", "name", "status", "expires", "last used", "scope")
KEY_WIDTHS = (30, 32, 8, 12, 12, 10)
KEY_FLEX = (1,)  # the name takes what the terminal has left
KEY_DROP = (5, 4)  # at 80 columns scope, then last use, give way (both are in `show`)


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parent = connection_parent()
    keys = subparsers.add_parser("keys", parents=[parent], help="manage your agent keys")
    sub = keys.add_subparsers(dest="keys_command", metavar="ACTION", required=True)

    def action(name: str, help_text: str, handler: Any, **kwargs: Any) -> argparse.ArgumentParser:
        parser = sub.add_parser(name, parents=[parent], help=help_text, description=help_text,
                                **kwargs)
        parser.set_defaults(handler=guarded(handler))
        return parser

    p = action("list", "list your keys", run_list)
    p.add_argument("--status", default="all",
                   help="active, inactive, expired, revoked or all (comma-separated; default all)")
    p.add_argument("-q", "--q", dest="q", metavar="TEXT", help="only keys whose name matches")
    p.add_argument("--expiring-within", type=parse_days, metavar="DURATION",
                   help="only active keys that expire within e.g. 7d (exit 0 either way)")
    p.add_argument("--sort", choices=("name", "created_at", "expires_at", "last_used_at",
                                      "status"))
    p.add_argument("--order", choices=("asc", "desc"))
    add_output_options(p, csv=True)

    p = action("show", "show one key", run_show)
    p.add_argument("key", help="key id or exact name")
    add_output_options(p)

    p = action("create", "create a key; prints its secret once", run_create)
    p.add_argument("name")
    p.add_argument("--description", default="")
    p.add_argument("--expires", type=parse_expiry, default=parse_expiry("30d"),
                   metavar="WHEN", help="30d, 90d, 1y, YYYY-MM-DD or never (default 30d)")
    p.add_argument("--scope", choices=("read", "read_write"), default="read")
    p.add_argument("--allow-tool", action="append", default=[], metavar="TOOL",
                   help="only these tools (repeatable)")
    p.add_argument("--block-tool", action="append", default=[], metavar="TOOL",
                   help="never these tools (repeatable)")
    p.add_argument("--rpm", metavar="N", help="requests per minute (default: no limit)")
    p.add_argument("--accept-terms", action="store_true",
                   help="accept the terms of use, where the server requires it")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--json", action="store_true", help="print the key and secret as JSON")
    group.add_argument("--print-secret", action="store_true",
                       help="print only the secret (e.g. to pipe into pbcopy)")

    p = action("edit", "change a key's name, description or expiry", run_edit)
    p.add_argument("key", help="key id or exact name")
    p.add_argument("--name")
    p.add_argument("--description")
    p.add_argument("--expires", type=parse_expiry, metavar="WHEN",
                   help="30d, 90d, 1y, YYYY-MM-DD or never")
    p.add_argument("--if-match", type=int, metavar="VERSION",
                   help="fail if the key changed since this version")
    add_output_options(p)

    p = action("extend", "move a key's expiry later (also revives an expired key)", run_extend)
    p.add_argument("key", help="key id or exact name")
    p.add_argument("--expires", type=parse_expiry, default=parse_expiry("30d"), metavar="WHEN",
                   help="new expiry from now: 30d, 90d, 1y, YYYY-MM-DD or never (default 30d)")
    add_output_options(p)

    for name, help_text in (
        ("disable", "stop a key working until it is enabled again"),
        ("enable", "let a disabled key work again"),
        ("revoke", "stop a key working, permanently"),
        ("delete", "delete a key that is not active"),
    ):
        p = action(name, help_text, run_state_change)
        p.add_argument("key", help="key id or exact name")
        if name != "enable":
            p.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
        add_output_options(p)
        p.set_defaults(state_action=name)


def _validated_create_fields(args: argparse.Namespace) -> dict[str, Any]:
    from tui_app.domain.validation import (
        FieldError,
        validate_description,
        validate_name,
        validate_rate_limit,
        validate_tool_lists,
        validate_tools,
    )

    try:
        allowed = validate_tools("allowed_tools", args.allow_tool)
        blocked = validate_tools("blocked_tools", args.block_tool)
        validate_tool_lists(allowed, blocked)
        fields = {
            "name": validate_name(args.name),
            "description": validate_description(args.description),
            "allowed_tools": allowed,
            "blocked_tools": blocked,
            "rate_limit_rpm": validate_rate_limit(args.rpm),
        }
    except FieldError as exc:
        raise CliError(f"{exc.field}: {exc.message}", EXIT_USAGE) from None
    return fields


# -- handlers -------------------------------------------------------------------


def run_list(args: argparse.Namespace) -> int:
    statuses = [s.strip() for s in args.status.split(",") if s.strip()]
    bad = [s for s in statuses if s not in STATUSES]
    if bad or not statuses:
        raise CliError(f"--status takes {', '.join(STATUSES)}; got '{clean(args.status)}'",
                       EXIT_USAGE)

    async def work(api: ApiClient, conn: Any) -> int:
        from datetime import timedelta

        status: Any = "all" if "all" in statuses else statuses
        keys = await api.list_all_keys(status, q=args.q, sort=args.sort, order=args.order)
        now = now_utc()
        if args.expiring_within is not None:
            horizon = now + timedelta(days=args.expiring_within)
            keys = [k for k in keys if k.status.value == "active" and k.expires_at is not None
                    and k.expires_at <= horizon]
            keys.sort(key=lambda k: k.expires_at)  # type: ignore[arg-type, return-value]
        if args.json:
            print_json(keys)
        elif args.csv:
            print_keys_csv(keys)
        else:
            from tui_app.cli.common import Table

            tty = stdout_is_tty()
            table = Table(KEY_COLUMNS, KEY_WIDTHS, tty=tty, flex=KEY_FLEX, drop=KEY_DROP)
            for key in keys:
                table.add(key_row(key, now, tty))
            if not keys and tty:
                if args.expiring_within is not None:
                    days = args.expiring_within
                    print(f"No active key expires within {days} day{'' if days == 1 else 's'}.")
                else:
                    print("No keys. Create one: agentkeys keys create NAME")
        return EXIT_OK

    return run_api(args, work)


def run_show(args: argparse.Namespace) -> int:
    async def work(api: ApiClient, conn: Any) -> int:
        key = await find_key(api, args.key)
        if args.json:
            print_json(key)
        else:
            print_details(key, now_utc())
        return EXIT_OK

    return run_api(args, work)


def run_create(args: argparse.Namespace) -> int:
    fields = _validated_create_fields(args)

    async def work(api: ApiClient, conn: Any) -> int:
        import asyncio
        import uuid

        from tui_app.client.errors import ServerUnreachable
        from tui_app.domain.keyformat import TokenKind, TokenMalformed, parse

        expires_at = args.expires.resolve(now_utc())
        idempotency_key = str(uuid.uuid4())
        # A lost response is retried with the same Idempotency-Key: the server answers
        # with the same key (and a fresh secret), never a second key.
        for attempt in range(3):
            try:
                created = await api.create_key(
                    expires_at=expires_at, scope=args.scope, accept_terms=args.accept_terms,
                    idempotency_key=idempotency_key, **fields,
                )
                break
            except ServerUnreachable:
                if attempt == 2:
                    raise
                await asyncio.sleep(0.5 * (attempt + 1))
        key = created.key
        try:  # checked offline, like a pasted token: only a real key reaches the terminal
            parse(created.secret, TokenKind.AGENT)
        except TokenMalformed:
            raise CliError("The server answered with a secret that is not an agent key; "
                           "is this an agentkeys server?") from None
        warning = ("This is the only time the secret is shown: store it now "
                   "(e.g. in your agent's secret store). It cannot be shown again.")
        if args.print_secret:
            print(f"Created key {clean(key.name)} ({clean(key.id)}). {warning}", file=sys.stderr)
            # Only the secret on stdout; no newline when piped, so `| pbcopy` gets it exactly.
            sys.stdout.write(created.secret + ("\n" if stdout_is_tty() else ""))
            sys.stdout.flush()
        elif args.json:
            print(warning, file=sys.stderr)
            print_json({"key": key, "secret": created.secret})
        else:
            now = now_utc()
            expires = when_text(key.expires_at, now, tty=stdout_is_tty()) or "never"
            print(f"Created key {clean(key.name)} ({clean(key.id)}), "
                  f"scope {scope_words(clean(key.scope))}, expires {expires}.")
            print(warning, file=sys.stderr)
            print(created.secret)
        return EXIT_OK

    return run_api(args, work)


def run_edit(args: argparse.Namespace) -> int:
    from tui_app.domain.validation import FieldError, validate_description, validate_name

    if args.name is None and args.description is None and args.expires is None:
        raise CliError("Nothing to change: give --name, --description or --expires.", EXIT_USAGE)
    changes: dict[str, Any] = {}
    try:
        if args.name is not None:
            changes["name"] = validate_name(args.name)
        if args.description is not None:
            changes["description"] = validate_description(args.description)
    except FieldError as exc:
        raise CliError(f"{exc.field}: {exc.message}", EXIT_USAGE) from None

    async def work(api: ApiClient, conn: Any) -> int:
        key = await find_key(api, args.key)
        if args.expires is not None:
            changes["expires_at"] = args.expires.resolve(now_utc())
        updated = await api.update_key(key.id, if_match=args.if_match, **changes)
        _report(args, updated, "Updated")
        return EXIT_OK

    return run_api(args, work)


def run_extend(args: argparse.Namespace) -> int:
    async def work(api: ApiClient, conn: Any) -> int:
        key = await find_key(api, args.key)
        new_expiry = args.expires.resolve(now_utc())
        if key.expires_at is not None and new_expiry is not None and new_expiry < key.expires_at:
            raise CliError(
                f"{clean(key.name)} already expires later "
                f"({when_text(key.expires_at, now_utc(), tty=False)}); "
                "to shorten it use: agentkeys keys edit --expires",
                EXIT_USAGE,
            )
        updated = await api.update_key(key.id, expires_at=new_expiry, if_match=key.version)
        _report(args, updated, "Extended")
        return EXIT_OK

    return run_api(args, work)


_QUESTIONS = {
    "revoke": ("Revoke key {name} ({id})? All requests using this key will be rejected "
               "immediately. This cannot be undone.", "revoking"),
    "disable": ("Disable key {name} ({id})? Requests using it will be rejected until it "
                "is enabled again.", "disabling"),
    "delete": ("Delete key {name} ({id})? Its audit entries stay.", "deleting"),
}
_DONE = {"revoke": "Revoked", "disable": "Disabled", "enable": "Enabled", "delete": "Deleted"}


def run_state_change(args: argparse.Namespace) -> int:
    action: str = args.state_action

    async def work(api: ApiClient, conn: Any) -> int:
        from datetime import timedelta

        key = await find_key(api, args.key)
        now = now_utc()
        if action == "delete" and key.status.value == "active":
            raise CliError(
                f"{clean(key.name)} ({clean(key.id)}) is active; revoke or disable it before "
                "deleting it.",
                EXIT_ERROR,
            )
        if action in _QUESTIONS:
            question, what = _QUESTIONS[action]
            question = question.format(name=f'"{clean(key.name)}"', id=clean(key.id))
            if (action == "delete" and key.last_used_at is not None
                    and now - key.last_used_at < timedelta(hours=24)):
                question += f" It was used {when_text(key.last_used_at, now, tty=True)}."
            confirm(question, yes=args.yes, what=what)
        if action == "delete":
            result = await api.delete_key(key.id)
            if args.json:
                print_json(result)
            else:
                print(f"Deleted key {clean(key.name)} ({clean(key.id)}).")
                if result.get("used_in_last_24h"):  # the server's word, --yes or not
                    print("Note: it was used in the last 24 hours; whatever used it will "
                          "now be refused.", file=sys.stderr)
            return EXIT_OK
        method = {"revoke": api.revoke_key, "disable": api.disable_key,
                  "enable": api.enable_key}[action]
        _report(args, await method(key.id), _DONE[action])
        return EXIT_OK

    return run_api(args, work)


def _report(args: argparse.Namespace, key: AgentKey, verb: str) -> None:
    if args.json:
        print_json(key)
        return
    now = now_utc()
    expiry = when_text(key.expires_at, now, tty=stdout_is_tty()) or "never"
    print(f"{verb} key {clean(key.name)} ({clean(key.id)}): {status_text(key)}, expires {expiry}.")
