"""What every scriptable command shares: connection options, the API runner, exit codes,
confirmations and output (human tables on a terminal, stable text when piped, JSON).

Output follows gh: relative dates and aligned columns with a header on a terminal;
tab-separated values, RFC 3339 times and no header when piped. Every string from the
server goes through domain.sanitize.clean before it reaches the terminal.
"""

from __future__ import annotations

import argparse
import dataclasses
import enum
import json
import re
import sys
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, TextIO

from tui_app.cli.exit_codes import EXIT_AUTH, EXIT_ERROR, EXIT_OK, EXIT_USAGE
from tui_app.domain.sanitize import clean
from tui_app.domain.timefmt import relative
from tui_app.domain.validation import shown_input

if TYPE_CHECKING:
    from tui_app.client.api import ApiClient
    from tui_app.client.connection import Connection


class CliError(Exception):
    """An expected failure: one line to stderr and an exit code, never a traceback."""

    def __init__(self, message: str, code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


# -- options --------------------------------------------------------------------


def connection_parent() -> argparse.ArgumentParser:
    """--server/--profile after the subcommand too; SUPPRESS keeps a global value given
    before the subcommand from being overwritten by an absent one."""
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("connection")
    group.add_argument("--server", default=argparse.SUPPRESS, metavar="URL",
                       help="server URL (default: profile, AGENTKEYS_SERVER, or embedded)")
    group.add_argument("--profile", default=argparse.SUPPRESS, metavar="NAME",
                       help="a profile from the config file")
    return parent


def add_output_options(parser: argparse.ArgumentParser, *, csv: bool = False) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--json", action="store_true", help="print JSON")
    if csv:
        group.add_argument("--csv", action="store_true", help="print CSV")


# -- errors and the API runner --------------------------------------------------


def error(message: str, stream: TextIO | None = None) -> None:
    print(f"agentkeys: {message}", file=stream or sys.stderr)


def describe_api_error(exc: Any) -> str:
    if exc.code == "HTTP_ERROR":  # no error envelope: probably not an agentkeys server
        return f"{clean(exc.message)} Is the server URL right? ({exc.code})"
    fields = exc.field_errors()
    if fields:
        # As a mistake caught before sending is told: the server's summary only repeats
        # a field's message ("Some fields need fixing." when there are several).
        return "; ".join(f"{clean(name)}: {clean(msg)}" for name, msg in fields.items())
    return f"{clean(exc.message)} ({clean(exc.code)})"


def guarded(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Turn expected failures into one line on stderr and the documented exit codes."""

    def wrapper(args: argparse.Namespace) -> int:
        from tui_app.client.config import ConfigError
        from tui_app.client.credentials import CredentialError
        from tui_app.client.errors import ApiError, ServerUnreachable

        try:
            return handler(args)
        except CliError as exc:
            error(exc.message)
            return exc.code
        except (ConfigError, CredentialError) as exc:
            error(str(exc))
            return EXIT_ERROR
        except ApiError as exc:
            if exc.status == 401:
                error(_rejected(args, exc))
                return EXIT_AUTH
            error(describe_api_error(exc))
            # Bad input is a usage error wherever it is caught, here or by the server.
            return EXIT_USAGE if exc.code == "VALIDATION_FAILED" else EXIT_ERROR
        except ServerUnreachable as exc:
            error(f"Cannot reach the server at {exc.url} ({exc.reason}). Is it running?")
            return EXIT_ERROR
        except BrokenPipeError:  # `agentkeys keys list | head`
            return EXIT_OK

    return wrapper


def _rejected(args: argparse.Namespace, exc: Any) -> str:
    from tui_app.client.credentials import ENV_LOCATION, ENV_TOKEN

    if getattr(args, "_credential", None) == ENV_LOCATION:
        # The variable wins over every stored login, so logging in again would not help.
        return (f"The server rejected the token in {ENV_TOKEN}: {describe_api_error(exc)}. "
                f"Set it to a valid token, or unset it.")
    server = getattr(args, "_server_url", None)
    hint = f"agentkeys login --server {server}" if server else "agentkeys login"
    return f"The server rejected the login token: {describe_api_error(exc)}. Log in again: {hint}"


def connection_from(args: argparse.Namespace) -> Connection:
    from tui_app.client.connection import resolve_connection

    return resolve_connection(getattr(args, "server", None), getattr(args, "profile", None))


def local_server() -> tuple[str, str, str]:
    """This machine's local server (started if need be): URL, login token, its source."""
    from tui_app.client.local_server import LocalServerError, connect

    try:
        local = connect()
        url, token = local.wait()
    except LocalServerError as exc:
        raise CliError(str(exc), EXIT_ERROR) from None
    return url, token, local.credential


def run_api(
    args: argparse.Namespace,
    work: Callable[[ApiClient, Connection], Awaitable[int]],
    *,
    connection: Connection | None = None,
) -> int:
    """Resolve the connection (the local server if none is configured), run `work`."""
    import asyncio

    from tui_app.client.api import ApiClient

    conn = connection or connection_from(args)
    token: str | None
    if conn.server_url is None:
        url, token, credential = local_server()
        # AGENTKEYS_TOKEN, when set, is the login here too: say so (whoami, a rejection).
        conn = dataclasses.replace(conn, token=token, credential_location=credential)
    else:
        url, token = conn.server_url, conn.token
        args._server_url = url
        if not token:
            raise CliError(
                f"Not logged in to {url}. Run: agentkeys login --server {url} "
                "(or set AGENTKEYS_TOKEN).",
                EXIT_AUTH,
            )
    args._credential = conn.credential_location

    async def main() -> int:
        async with ApiClient(url, token, source="cli") as api:
            return await work(api, conn)

    return asyncio.run(main())


# -- confirmations --------------------------------------------------------------


def confirm(question: str, *, yes: bool, what: str) -> None:
    """Ask on a terminal; --yes skips; without a terminal and --yes refuse (exit 2)."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise CliError(f"Not {what} without confirmation: pass --yes to confirm.", EXIT_USAGE)
    answer = ask(f"{question} [y/N] ")
    if answer.strip().lower() not in ("y", "yes"):
        raise CliError("Cancelled.", EXIT_USAGE)


def ask(prompt: str) -> str:
    """A prompt on stderr, so `--json` output on stdout stays clean."""
    sys.stderr.write(prompt)
    sys.stderr.flush()
    return sys.stdin.readline().strip()


# -- parsing --------------------------------------------------------------------

_DURATION = re.compile(r"\s*([0-9]+)\s*([dwy]?)\s*", re.IGNORECASE)
_UNIT_DAYS = {"": 1, "d": 1, "w": 7, "y": 365}
MAX_DAYS = 36_500


def parse_days(value: str) -> int:
    """`7`, `7d`, `2w`, `1y` → days (argparse type)."""
    match = _DURATION.fullmatch(value)
    if not match:
        raise argparse.ArgumentTypeError(
            f"'{shown_input(value)}' is not a duration; use e.g. 7d, 2w or 1y")
    days = int(match.group(1)) * _UNIT_DAYS[match.group(2).lower()]
    if days <= 0:
        raise argparse.ArgumentTypeError("the duration must be at least one day")
    if days > MAX_DAYS:  # no expiry is that far, and dates past year 9999 do not exist
        raise argparse.ArgumentTypeError("the duration must be at most 100 years (36500d)")
    return days


@dataclasses.dataclass(frozen=True, slots=True)
class Expiry:
    """An --expires value, resolved against the clock when used."""

    text: str
    days: int | None = None
    day: date | None = None
    instant: datetime | None = None
    never: bool = False

    def resolve(self, now: datetime) -> datetime | None:
        from tui_app.domain.expiry import end_of_day, expiry_after_days

        if self.never:
            return None
        if self.days is not None:
            return expiry_after_days(now, self.days)
        if self.day is not None:
            # A date means the end of that day in the user's time zone.
            zone = datetime.now().astimezone().tzinfo or UTC
            return end_of_day(self.day, zone)
        assert self.instant is not None
        return self.instant


def parse_expiry(value: str) -> Expiry:
    """`30d`, `90d`, `1y`, `YYYY-MM-DD`, an RFC 3339 instant or `never` (argparse type)."""
    text = value.strip()
    if text.lower() in ("never", "none"):
        return Expiry(text, never=True)
    if _DURATION.fullmatch(text):
        return Expiry(text, days=parse_days(text))
    try:
        if "T" in text or "t" in text:
            instant = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
            if instant.tzinfo is None:  # no offset: the user's own time zone, like a date
                instant = instant.astimezone()
            return Expiry(text, instant=instant.astimezone(UTC))
        expiry = Expiry(text, day=date.fromisoformat(text))
        expiry.resolve(datetime.now(UTC)).astimezone(UTC)  # type: ignore[union-attr]
        return expiry
    except (ValueError, OverflowError):  # OverflowError: past year 9999 in UTC
        raise argparse.ArgumentTypeError(
            f"'{shown_input(value)}' is not an expiry; use 30d, 90d, 1y, YYYY-MM-DD or never"
        ) from None


# -- output ---------------------------------------------------------------------


def stdout_is_tty() -> bool:
    return sys.stdout.isatty()


def when_text(when: datetime | None, now: datetime, *, tty: bool) -> str:
    from tui_app.domain.clock import to_rfc3339

    if tty:
        return relative(when, now)
    return to_rfc3339(when) or ""


def to_jsonable(value: Any) -> Any:
    """Records as the API's JSON shapes (models.py): RFC 3339 times, lists, plain values."""
    from tui_app.domain.clock import to_rfc3339

    if isinstance(value, datetime):
        return to_rfc3339(value)
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [to_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    return value


def print_json(value: Any, stream: TextIO | None = None) -> None:
    stream = stream or sys.stdout
    # ASCII: no raw bidi or C1 character reaches a terminal that shows the JSON.
    json.dump(to_jsonable(value), stream, indent=2, ensure_ascii=True)
    stream.write("\n")


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 1)] + "…"


FLEX_MIN = 12  # a flexible column (a name) is never squeezed below this


def fit_columns(
    widths: Sequence[int], *, total: int, flex: Sequence[int] = (), drop: Sequence[int] = (),
) -> tuple[list[int], list[int]]:
    """Which columns to show, and how wide, so a row fits `total` terminal columns.

    Flexible columns shrink first (to FLEX_MIN); then the columns in `drop` go, in order;
    then flexible columns share what is left, up to their preferred widths. A row of
    an 80-column terminal that wraps is unreadable; a missing column is in --json.
    """
    keep = list(range(len(widths)))

    def needed(cols: list[int]) -> int:
        fixed = sum(min(widths[i], FLEX_MIN) if i in flex else widths[i] for i in cols)
        return fixed + 2 * (len(cols) - 1)

    for victim in drop:
        if needed(keep) <= total:
            break
        keep.remove(victim)
    sized = {i: (min(widths[i], FLEX_MIN) if i in flex else widths[i]) for i in keep}
    spare = total - needed(keep)
    growing = [i for i in flex if i in sized]
    while spare > 0 and growing:  # share out evenly, a column at a time
        for i in list(growing):
            if spare > 0 and sized[i] < widths[i]:
                sized[i] += 1
                spare -= 1
            else:
                growing.remove(i)
    return keep, [sized[i] for i in keep]


def terminal_columns() -> int:
    import shutil

    return shutil.get_terminal_size(fallback=(80, 24)).columns


class Table:
    """Rows printed as they come (admin listings stream pages).

    On a terminal: a header and aligned columns, widths fixed up front (`widths`, fitted
    to the terminal: see fit_columns) so a streamed listing never has to hold every row.
    Piped: every column, tab-separated, no header.
    """

    def __init__(
        self, headers: Sequence[str], widths: Sequence[int], *, tty: bool,
        stream: TextIO | None = None, flex: Sequence[int] = (), drop: Sequence[int] = (),
        columns: int | None = None,
    ) -> None:
        self.tty = tty
        self.stream = stream or sys.stdout
        self.rows = 0
        self.keep = list(range(len(headers)))
        self.widths = list(widths)
        if tty:
            self.keep, self.widths = fit_columns(
                widths, total=columns or terminal_columns(), flex=flex, drop=drop)
        self.headers = [headers[i] for i in self.keep]

    def _line(self, cells: Sequence[str]) -> str:
        last = len(cells) - 1
        return "  ".join(
            _fit(cell, self.widths[i]) if i == last
            else _fit(cell, self.widths[i]).ljust(self.widths[i])
            for i, cell in enumerate(cells)
        ).rstrip()

    def add(self, cells: Iterable[str]) -> None:
        safe = [clean(str(cell)) for cell in cells]
        if self.tty:
            if self.rows == 0:
                self.stream.write(self._line([h.upper() for h in self.headers]) + "\n")
            self.stream.write(self._line([safe[i] for i in self.keep]) + "\n")
        else:
            self.stream.write("\t".join(safe) + "\n")
        self.rows += 1


def now_utc() -> datetime:
    from tui_app.domain.clock import system_clock

    return system_clock()
