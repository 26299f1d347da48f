"""`agentkeys admin keys …` and `agentkeys admin bulk …`: triage from scripts.

`admin keys` streams the server's pages (keyset pagination) straight to stdout, so a
listing of 1,000,000 keys holds one page in memory. The CSV and JSON shapes are those of
tui_app/client/export.py (shared with the TUI's export), written to stdout row by row,
or to a file with --output (atomic, via export.export_keys).

`admin bulk ACTION IDS…` takes ids as arguments or, with `-`, one per line from stdin
(the first column, so `admin keys … | admin bulk disable - --yes` works).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui_app.cli.common import (
    CliError,
    Table,
    add_output_options,
    confirm,
    connection_parent,
    guarded,
    now_utc,
    parse_days,
    print_json,
    run_api,
    stdout_is_tty,
    when_text,
)
from tui_app.cli.exit_codes import EXIT_ERROR, EXIT_OK, EXIT_USAGE
from tui_app.domain.sanitize import clean
from tui_app.domain.validation import scope_words

if TYPE_CHECKING:
    from tui_app.client.api import ApiClient

PAGE_SIZE = 500
DEFAULT_TABLE_LIMIT = 100
BULK_CHUNK = 500  # the server accepts up to 1000 ids per request
ADMIN_COLUMNS = ("id", "name", "owner", "status", "created", "expires", "scope", "last used")
ADMIN_WIDTHS = (30, 28, 26, 8, 12, 12, 10, 12)
ADMIN_FLEX = (1, 2)  # name, then owner, take what the terminal has left
ADMIN_DROP = (6, 4, 7, 5)  # narrow terminals lose scope, created, last used, expires


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parent = connection_parent()
    admin = subparsers.add_parser("admin", parents=[parent],
                                  help="every key you may manage (managers and admins)")
    sub = admin.add_subparsers(dest="admin_command", metavar="ACTION", required=True)

    p = sub.add_parser("keys", parents=[parent], help="list keys across the organisation",
                       description="List keys across your teams (managers) or the "
                       "organisation (admins), page by page.")
    p.add_argument("--status", help="active, inactive, expired, revoked or all (comma-separated)")
    p.add_argument("--owner", help="owner: an id or email, or the start of a name or "
                   "email (everyone it matches; more than 50 people is an error)")
    p.add_argument("--team", help="team")
    p.add_argument("-q", "--q", dest="q", metavar="TEXT", help="text in name, owner or hint")
    p.add_argument("--stale-days", type=int, metavar="N",
                   help="made more than N days ago and not used since (or never)")
    p.add_argument("--never-used", action="store_true", help="only keys never used")
    p.add_argument("--expiring-within", type=parse_days, metavar="DURATION",
                   help="expiring within e.g. 7d")
    p.add_argument("--sort", choices=("name", "owner", "status", "created_at", "expires_at",
                                      "last_used_at"))
    p.add_argument("--order", choices=("asc", "desc"))
    p.add_argument("--limit", type=int, metavar="N",
                   help=f"at most N keys (default {DEFAULT_TABLE_LIMIT} for a table, "
                   "all for --json/--csv)")
    p.add_argument("-o", "--output", type=Path, metavar="FILE",
                   help="with --csv or --json: write to FILE (atomically) instead of stdout")
    add_output_options(p, csv=True)
    p.set_defaults(handler=guarded(run_keys))

    p = sub.add_parser("bulk", parents=[parent], help="act on many keys at once",
                       description="Revoke, disable, enable or extend many keys; prints one "
                       "result per id and exits 1 if any failed.")
    p.add_argument("action", choices=("revoke", "disable", "enable", "extend"))
    p.add_argument("ids", nargs="+", metavar="ID",
                   help="key ids, or - to read them from stdin (first column of each line)")
    p.add_argument("--days", type=parse_days, metavar="N",
                   help="for extend: by N days (e.g. 30 or 30d), from the current expiry, "
                   "or from now for an expired key")
    p.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    add_output_options(p)
    p.set_defaults(handler=guarded(run_bulk))


# -- admin keys -----------------------------------------------------------------


def _filters(args: argparse.Namespace) -> dict[str, Any]:
    if args.stale_days is not None and args.stale_days < 1:
        raise CliError("--stale-days takes a number of days, 1 or more.", EXIT_USAGE)
    if args.limit is not None and args.limit < 1:
        raise CliError("--limit takes a number, 1 or more.", EXIT_USAGE)
    return {
        "status": args.status, "owner": args.owner, "team": args.team, "q": args.q,
        "stale_days": args.stale_days, "never_used": True if args.never_used else None,
        "expiring_within_days": args.expiring_within, "sort": args.sort, "order": args.order,
    }


def run_keys(args: argparse.Namespace) -> int:
    filters = _filters(args)
    fmt = "json" if args.json else "csv" if args.csv else None
    if args.output is not None and fmt is None:
        raise CliError("--output needs --csv or --json.", EXIT_USAGE)

    async def work(api: ApiClient, conn: Any) -> int:
        if args.output is not None:
            return await _export_to_file(api, filters, args.output, fmt, args.limit)
        limit = args.limit or (None if fmt else DEFAULT_TABLE_LIMIT)
        return await _stream(api, filters, fmt, limit)

    return run_api(args, work)


async def _export_to_file(
    api: ApiClient, filters: dict[str, Any], path: Path, fmt: Any, limit: int | None
) -> int:
    from tui_app.client.export import export_keys

    if limit is not None:
        raise CliError("--limit does not apply to --output (it writes every match).", EXIT_USAGE)
    if not path.expanduser().parent.is_dir():
        raise CliError(f"No such directory: {path.expanduser().parent}", EXIT_ERROR)
    written = await export_keys(api, filters, path, fmt)
    print(f"Wrote {written:,} keys to {path}.", file=sys.stderr)
    return EXIT_OK


async def _stream(api: ApiClient, filters: dict[str, Any], fmt: str | None,
                  limit: int | None) -> int:
    """Fetch page after page and print each row as it arrives."""
    import csv
    import json

    from tui_app.client.export import (
        CSV_COLUMNS,
        count_from_totals,
        key_to_csv_row,
        key_to_json,
    )

    out = sys.stdout
    tty = stdout_is_tty()
    now = now_utc()
    params = {k: v for k, v in filters.items() if v is not None}
    writer = csv.writer(out) if fmt == "csv" else None
    table = (Table(ADMIN_COLUMNS, ADMIN_WIDTHS, tty=tty, flex=ADMIN_FLEX, drop=ADMIN_DROP)
             if fmt is None else None)
    written = 0
    cursor: str | None = None
    total: int | None = None
    while True:
        first = cursor is None
        page_size = PAGE_SIZE if limit is None else min(PAGE_SIZE, limit - written)
        page = await api.admin_list_keys(**params, limit=page_size, cursor=cursor,
                                         include_totals=first and table is not None and tty)
        if first:
            # Only after the first answer: a refused request leaves stdout empty, not "[".
            total = count_from_totals(page.totals, params.get("status"))
            if writer is not None:
                writer.writerow(CSV_COLUMNS)
            elif fmt == "json":
                out.write("[")
        for key in page.items:
            if writer is not None:
                writer.writerow(key_to_csv_row(key))
            elif fmt == "json":
                out.write(("\n  " if written == 0 else ",\n  ") + json.dumps(key_to_json(key)))
            else:
                assert table is not None
                table.add([
                    key.id, key.name, key.owner.email or key.owner.name, key.status.value,
                    when_text(key.created_at, now, tty=tty),
                    when_text(key.expires_at, now, tty=tty) or ("never" if tty else ""),
                    scope_words(key.scope) if tty else key.scope,
                    when_text(key.last_used_at, now, tty=tty),
                ])
            written += 1
        out.flush()
        cursor = page.next_cursor
        if not cursor or not page.items or (limit is not None and written >= limit):
            break
    if fmt == "json":
        out.write("\n]\n" if written else "]\n")
    elif table is not None and tty:
        if written == 0:
            print("No keys match.")
        elif total is not None and total > written:
            print(f"Showing {written:,} of {total:,} keys; use --limit N, or --csv/--json for "
                  "all.", file=sys.stderr)
        elif cursor and limit is not None and written >= limit:
            print(f"Showing the first {written:,} keys; use --limit N for more.",
                  file=sys.stderr)
    return EXIT_OK


# -- admin bulk -----------------------------------------------------------------


def _read_ids(ids: list[str]) -> list[str]:
    if ids == ["-"]:
        if sys.stdin.isatty():
            raise CliError("Reading ids from stdin (-), but stdin is a terminal: pipe them in.",
                           EXIT_USAGE)
        ids = [line.split()[0] for line in sys.stdin if line.strip()]
        ids = [i for i in ids if i.lower() != "id"]  # a table header, if one was piped
    elif "-" in ids:
        raise CliError("Give key ids or a single -, not both.", EXIT_USAGE)
    unique = list(dict.fromkeys(i.strip().rstrip(",") for i in ids if i.strip()))
    if not unique:
        raise CliError("No key ids given.", EXIT_USAGE)
    return unique


_VERBS = {"revoke": "revoked", "disable": "disabled", "enable": "enabled", "extend": "extended"}


def run_bulk(args: argparse.Namespace) -> int:
    if args.action == "extend" and args.days is None:
        raise CliError("extend needs --days N (how many days to add).", EXIT_USAGE)
    if args.action != "extend" and args.days is not None:
        raise CliError("--days only applies to extend.", EXIT_USAGE)
    ids = _read_ids(args.ids)
    if args.action in ("revoke", "disable"):
        shown = ", ".join(clean(i) for i in ids[:5])
        shown += f" and {len(ids) - 5} more" if len(ids) > 5 else ""
        consequence = (" All requests using them will be rejected immediately. This cannot "
                       "be undone." if args.action == "revoke" else "")
        confirm(f"{args.action.capitalize()} {len(ids)} key(s): {shown}?{consequence}",
                yes=args.yes, what=f"{args.action.rstrip('e')}ing {len(ids)} key(s)")

    async def work(api: ApiClient, conn: Any) -> int:
        results = []
        for start in range(0, len(ids), BULK_CHUNK):
            results.extend(await api.bulk(args.action, ids[start:start + BULK_CHUNK],
                                          days=args.days))
        failed = [r for r in results if not r.ok]
        if args.json:
            print_json({"results": results, "ok": len(results) - len(failed),
                        "failed": len(failed)})
        else:
            for r in results:
                if r.ok:
                    name = f" ({clean(r.key.name)})" if r.key else ""
                    print(f"ok      {clean(r.id)}{name} {_VERBS[args.action]}")
                else:
                    print(f"failed  {clean(r.id)}: {clean(r.message or '')} "
                          f"({clean(r.code or 'ERROR')})")
            print(f"{len(results) - len(failed)} {_VERBS[args.action]}, {len(failed)} failed.",
                  file=sys.stderr)
        return EXIT_ERROR if failed else EXIT_OK

    return run_api(args, work)
