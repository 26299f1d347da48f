"""`agentkeys teams …`: list teams (managers: their own), add and rename them (admins).

People join and leave teams with `agentkeys users edit --team`.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from tui_app.cli.common import (
    CliError,
    Table,
    add_output_options,
    connection_parent,
    guarded,
    print_json,
    run_api,
    stdout_is_tty,
)
from tui_app.cli.exit_codes import EXIT_OK, EXIT_USAGE
from tui_app.domain.sanitize import clean

if TYPE_CHECKING:
    from tui_app.client.api import ApiClient
    from tui_app.domain.models import Team


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parent = connection_parent()
    teams = subparsers.add_parser("teams", parents=[parent], help="manage teams (admins)")
    sub = teams.add_subparsers(dest="teams_command", metavar="ACTION", required=True)

    def action(name: str, help_text: str, handler: Any) -> argparse.ArgumentParser:
        parser = sub.add_parser(name, parents=[parent], help=help_text, description=help_text)
        parser.set_defaults(handler=guarded(handler))
        add_output_options(parser)
        return parser

    action("list", "list teams with their member counts", run_list)
    p = action("add", "add a team", run_add)
    p.add_argument("name")
    p = action("rename", "rename a team", run_rename)
    p.add_argument("team", help="the team's id or current name")
    p.add_argument("name", help="its new name")


def _checked(name: str) -> str:
    from tui_app.domain.checks import FieldErrors, check_team_name

    try:
        return check_team_name(name)
    except FieldErrors as exc:
        raise CliError(str(exc), EXIT_USAGE) from None


def _report(args: argparse.Namespace, team: Team, verb: str) -> None:
    if args.json:
        print_json(team)
    else:
        print(f"{verb} team {clean(team.name)} ({clean(team.id)}).")


def run_list(args: argparse.Namespace) -> int:
    async def work(api: ApiClient, conn: Any) -> int:
        teams = await api.list_teams()
        if args.json:
            print_json(list(teams))
            return EXIT_OK
        tty = stdout_is_tty()
        table = Table(("id", "name", "members"), (31, 30, 7), tty=tty, flex=(1,))
        for team in teams:
            table.add([team.id, team.name, str(team.members)])
        if not teams and tty:
            print("No teams. Add one: agentkeys teams add NAME")
        return EXIT_OK

    return run_api(args, work)


def run_add(args: argparse.Namespace) -> int:
    name = _checked(args.name)

    async def work(api: ApiClient, conn: Any) -> int:
        _report(args, await api.create_team(name), "Added")
        return EXIT_OK

    return run_api(args, work)


def run_rename(args: argparse.Namespace) -> int:
    name = _checked(args.name)

    async def work(api: ApiClient, conn: Any) -> int:
        _report(args, await api.rename_team(args.team, name), "Renamed")
        return EXIT_OK

    return run_api(args, work)
