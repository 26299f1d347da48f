"""`agentkeys users …`: the scriptable equivalents of the People screen.

A person is named by id (`usr_…`) or email. `add` and `token` print the new login token
alone on stdout (what a script captures), everything else about it on stderr.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from tui_app.cli.common import (
    CliError,
    Table,
    add_output_options,
    confirm,
    connection_parent,
    guarded,
    now_utc,
    print_json,
    run_api,
    stdout_is_tty,
    when_text,
)
from tui_app.cli.exit_codes import EXIT_OK, EXIT_USAGE
from tui_app.domain.sanitize import clean

if TYPE_CHECKING:
    from tui_app.client.api import ApiClient
    from tui_app.domain.models import User

ROLES = ("member", "manager", "admin", "service")
COLUMNS = ("id", "email", "name", "role", "teams", "active", "keys", "last used")
WIDTHS = (30, 28, 20, 8, 16, 6, 7, 12)
FLEX = (2,)
DROP = (0, 7, 4)  # at 80 columns the id, last use and teams give way first


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parent = connection_parent()
    users = subparsers.add_parser("users", parents=[parent], help="manage people (admins)")
    sub = users.add_subparsers(dest="users_command", metavar="ACTION", required=True)

    def action(name: str, help_text: str, handler: Any) -> argparse.ArgumentParser:
        parser = sub.add_parser(name, parents=[parent], help=help_text, description=help_text)
        parser.set_defaults(handler=guarded(handler))
        return parser

    p = action("list", "list people (managers: their teams')", run_list)
    p.add_argument("-q", "--q", dest="q", metavar="TEXT", help="name or email contains")
    p.add_argument("--role", choices=ROLES)
    p.add_argument("--team", help="only this team's people (name or id)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--active", dest="active", action="store_const", const=True)
    group.add_argument("--inactive", dest="active", action="store_const", const=False)
    add_output_options(p)

    p = action("add", "add a person; prints their login token once", run_add)
    p.add_argument("email")
    p.add_argument("--name", required=True)
    p.add_argument("--role", default="member", help="member (default), manager, admin, service")
    p.add_argument("--team", action="append", default=[], metavar="TEAM",
                   help="a team (repeatable; a new name makes the team)")
    p.add_argument("--json", action="store_true",
                   help='print {"user": …, "login_token": …}')

    p = action("edit", "change a person's name, role or teams", run_edit)
    p.add_argument("user", help="id or email")
    p.add_argument("--name")
    p.add_argument("--role", help="member, manager, admin or service")
    p.add_argument("--team", action="append", metavar="TEAM",
                   help="the person's teams, replacing the current ones (repeatable)")
    p.add_argument("--no-teams", action="store_true", help="take the person out of every team")
    add_output_options(p)

    p = action("deactivate", "deactivate a person: their login and keys stop working",
               run_deactivate)
    p.add_argument("user", help="id or email")
    p.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    add_output_options(p)

    p = action("reactivate", "reactivate a person: their usable keys work again",
               run_reactivate)
    p.add_argument("user", help="id or email")
    add_output_options(p)

    p = action("token", "give a person a new login token; prints it once", run_token)
    p.add_argument("user", help="id or email")
    p.add_argument("--revoke-others", action="store_true",
                   help="their other login tokens stop working")
    p.add_argument("-y", "--yes", action="store_true",
                   help="do not ask for confirmation (with --revoke-others)")
    p.add_argument("--json", action="store_true", help='print {"user": …, "login_token": …}')


async def find_user(api: ApiClient, wanted: str) -> User:
    """The person with this id or email (a listing record: with key counts)."""
    text = wanted.strip()
    page = await api.list_users(q=text, limit=50)
    exact = [u for u in page.items if u.id == text or u.email == text.lower()]
    if not exact:
        raise CliError(f"No person {clean(text)!r} (give an id or an exact email).")
    return exact[0]


def _who(user: User) -> str:
    return f"{clean(user.name)} <{clean(user.email)}>"


def _row(user: User, tty: bool) -> list[str]:
    last = when_text(user.last_used_at, now_utc(), tty=tty) or ("never" if tty else "")
    keys = f"{user.active_keys}/{user.keys}" if user.keys is not None else ""
    return [user.id, user.email, user.name, user.role.value, ",".join(user.teams),
            "yes" if user.active else "no", keys, last]


def _login_line(api: ApiClient) -> str:
    return f"agentkeys login --server {api.base_url} --with-token"


def _print_token(args: argparse.Namespace, api: ApiClient, user: User, token: str,
                 said: str) -> None:
    print(f"{said} Hand the login token over once; they run: {_login_line(api)}",
          file=sys.stderr)
    if args.json:
        print_json({"user": user, "login_token": token})
        return
    # The token alone on stdout; no newline when piped, so `| pbcopy` gets it exactly.
    sys.stdout.write(token + ("\n" if stdout_is_tty() else ""))
    sys.stdout.flush()


# -- handlers -------------------------------------------------------------------


def run_list(args: argparse.Namespace) -> int:
    async def work(api: ApiClient, conn: Any) -> int:
        tty = stdout_is_tty()
        table = None if args.json else Table(COLUMNS, WIDTHS, tty=tty, flex=FLEX, drop=DROP)
        everyone: list[User] = []
        cursor = None
        while True:  # page by page, printed as they come
            page = await api.list_users(q=args.q, role=args.role, team=args.team,
                                        active=args.active, cursor=cursor, limit=500)
            for user in page.items:
                if table is None:
                    everyone.append(user)
                else:
                    table.add(_row(user, tty))
            cursor = page.next_cursor
            if not cursor:
                break
        if table is None:
            print_json(everyone)
        elif table.rows == 0 and tty:
            print("Nobody matches.")
        return EXIT_OK

    return run_api(args, work)


def run_add(args: argparse.Namespace) -> int:
    from tui_app.domain.checks import FieldErrors, check_new_person

    try:  # the server's own check, before anything is sent
        person = check_new_person(email=args.email, name=args.name, role=args.role,
                                  teams=args.team)
    except FieldErrors as exc:
        raise CliError(str(exc), EXIT_USAGE) from None

    async def work(api: ApiClient, conn: Any) -> int:
        user, token = await api.create_user(email=person.email, name=person.name,
                                            role=person.role.value, teams=person.teams)
        _print_token(args, api, user, token, f"Added {_who(user)} as {user.role.value}.")
        return EXIT_OK

    return run_api(args, work)


def run_edit(args: argparse.Namespace) -> int:
    from tui_app.domain.checks import UNCHANGED, FieldErrors, check_person_edit

    if args.team and args.no_teams:
        raise CliError("Give --team or --no-teams, not both.", EXIT_USAGE)
    teams: Any = [] if args.no_teams else (args.team if args.team else UNCHANGED)
    if args.name is None and args.role is None and teams is UNCHANGED:
        raise CliError("Nothing to change: give --name, --role, --team or --no-teams.",
                       EXIT_USAGE)
    try:
        edit = check_person_edit(
            name=UNCHANGED if args.name is None else args.name,
            role=UNCHANGED if args.role is None else args.role, teams=teams)
    except FieldErrors as exc:
        raise CliError(str(exc), EXIT_USAGE) from None

    async def work(api: ApiClient, conn: Any) -> int:
        from tui_app.domain.checks import Unchanged

        user = await find_user(api, args.user)
        changes: dict[str, Any] = {
            field: value for field in ("name", "role", "teams")
            if not isinstance(value := getattr(edit, field), Unchanged)}
        if "role" in changes:
            changes["role"] = changes["role"].value
        updated = await api.update_user(user.id, **changes)
        if args.json:
            print_json(updated)
        else:
            print(f"Updated {_who(updated)}: {updated.role.value}, teams "
                  f"{clean(', '.join(updated.teams)) or '(none)'}.")
        return EXIT_OK

    return run_api(args, work)


def run_deactivate(args: argparse.Namespace) -> int:
    async def work(api: ApiClient, conn: Any) -> int:
        user = await find_user(api, args.user)
        if user.active:
            count = user.active_keys or 0
            confirm(f"Deactivate {_who(user)}? Their login stops working, and so do "
                    f"{count} active key{'' if count == 1 else 's'}, at once.",
                    yes=args.yes, what="deactivating")
        changed, stopped = await api.deactivate_user(user.id)
        if args.json:
            print_json({"user": changed, "keys_affected": stopped})
        else:
            print(f"Deactivated {_who(changed)}: {stopped} key"
                  f"{'' if stopped == 1 else 's'} stopped working.")
        return EXIT_OK

    return run_api(args, work)


def run_reactivate(args: argparse.Namespace) -> int:
    async def work(api: ApiClient, conn: Any) -> int:
        user = await find_user(api, args.user)
        changed, started = await api.reactivate_user(user.id)
        if args.json:
            print_json({"user": changed, "keys_affected": started})
        else:
            print(f"Reactivated {_who(changed)}: {started} key"
                  f"{'' if started == 1 else 's'} work again.")
        return EXIT_OK

    return run_api(args, work)


def run_token(args: argparse.Namespace) -> int:
    async def work(api: ApiClient, conn: Any) -> int:
        user = await find_user(api, args.user)
        if args.revoke_others:
            confirm(f"Give {_who(user)} a new login token and end every other one of "
                    "theirs (their signed-in terminals must log in again)?",
                    yes=args.yes, what="revoking their login tokens")
        changed, token = await api.new_login_token(user.id, revoke_others=args.revoke_others)
        ended = " Their other login tokens no longer work." if args.revoke_others else ""
        _print_token(args, api, changed, token, f"New login token for {_who(changed)}.{ended}")
        return EXIT_OK

    return run_api(args, work)
