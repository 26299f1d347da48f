"""`agentkeys serve` and `agentkeys server add-user|seed|stop`.

The database URL comes from --database, else AGENTKEYS_DATABASE_URL, else the SQLite file
in the data directory; the pepper from AGENTKEYS_PEPPER or a 0600 file in the config
directory (tui_app.server.settings). Heavy imports (uvicorn, fastapi, sqlalchemy) happen in
the handlers so `agentkeys --help` stays fast.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Any

from tui_app.domain.redact import escape_controls, redact


class RedactTokens(logging.Filter):
    """Routes never take a token in the path, but a client may put one in a query string
    (searching for a pasted key, say), encoded or not: no log line keeps it. Values put
    into a message (the access log's path, above all) also get their control characters
    escaped, so a decoded line break cannot forge a line of its own."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_value(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _value(v) for k, v in record.args.items()}
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def _value(value: object) -> object:
    return escape_controls(redact(value)) if isinstance(value, str) else value


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's own log config with the token filter on every handler, and the server's
    own loggers (agentkeys.*) sent through the same handlers rather than Python's bare
    last-resort one, which no filter sees."""
    import copy

    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"redact_tokens": {"()": "tui_app.cli.server.RedactTokens"}}
    for handler in config["handlers"].values():
        handler["filters"] = ["redact_tokens"]
    config["loggers"]["agentkeys"] = {"handlers": ["default"], "level": "INFO",
                                      "propagate": False}
    return config


def uvicorn_options() -> dict[str, Any]:
    """uvicorn's settings for `agentkeys serve` — and for the verify benchmark's bare
    baseline, so that both run on the same server. httptools (HTTP parsing in C) and,
    where it exists, uvloop (not on Windows; "auto" falls back to asyncio's loop) are
    dependencies: together about 1.5x the requests per second of h11 and asyncio."""
    # Here, not at the top: `agentkeys --help` loads nothing of the server.
    from tui_app.server.keep_alive import SERVER_KEEP_ALIVE

    return {
        "log_config": uvicorn_log_config(),
        # No "Server: uvicorn" banner; a gateway's answers should not advertise the stack.
        "server_header": False,
        "http": "httptools",
        "loop": "auto",
        "timeout_keep_alive": SERVER_KEEP_ALIVE,
    }


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    serve = subparsers.add_parser(
        "serve", help="run the key-management server",
        description="Run the key-management backend (HTTP API under /v1, OpenAPI at "
        "/openapi.json). Schema migrations are applied on start.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    serve.add_argument("--port", type=_port, default=8765, help="port (default: %(default)s)")
    _database_option(serve)
    serve.add_argument(
        "--workers", type=_positive, default=1,
        help="worker processes (default: 1); with PostgreSQL, rate limits hold across them",
    )
    serve.set_defaults(handler=run_serve)

    server = subparsers.add_parser("server", help="administer a server's database")
    commands = server.add_subparsers(dest="server_command", metavar="COMMAND", required=True)

    add_user = commands.add_parser(
        "add-user", help="create a user and print a login token once",
        description="Create a user. The login token is printed once, on stdout; store it now.",
    )
    add_user.add_argument("--email", required=True)
    add_user.add_argument("--name", required=True)
    add_user.add_argument(
        "--role", required=True, choices=("member", "manager", "admin", "service")
    )
    add_user.add_argument(
        "--team", action="append", default=[], metavar="T",
        help="a team the user belongs to (repeat for several)",
    )
    _database_option(add_user)
    add_user.set_defaults(handler=run_add_user)

    seed = commands.add_parser(
        "seed", help="fill a database with realistic data",
        description="Fill a database with realistic data for demos and benchmarks: teams, "
        "users of every role, keys in every status, usage spread over a year. Bulk rows "
        "have unusable secrets (random digests).",
    )
    seed.add_argument("--keys", type=_non_negative, required=True, help="number of keys")
    seed.add_argument("--users", type=_positive, default=None, help="number of users")
    seed.add_argument("--activity", type=_non_negative, default=0,
                      help="number of agent activity entries over the last 30 days")
    _database_option(seed)
    seed.set_defaults(handler=run_seed)

    stop = commands.add_parser(
        "stop", help="stop the local server (the embedded default) now",
        description="Stop the local server that `agentkeys` starts when no server is "
        "configured. It stops by itself after an hour without requests, and the next "
        "`agentkeys` starts it again; its keys stay in the data directory.",
    )
    stop.set_defaults(handler=run_stop)


def _database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database", metavar="URL", default=None,
        help="sqlite:///path or postgresql://user@host:port/db (default: "
        "$AGENTKEYS_DATABASE_URL, else agentkeys.db in the data directory)",
    )


def _port(text: str) -> int:
    value = _int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError("must be between 0 and 65535")
    return value


def _positive(text: str) -> int:
    value = _int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _non_negative(text: str) -> int:
    value = _int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def _int(text: str) -> int:
    try:
        return int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None


def _settings(database: str | None) -> Any:
    from tui_app.server.settings import Settings

    return Settings.from_env(database_url=database)


def _fail(message: str) -> int:
    print(f"agentkeys: {message}", file=sys.stderr)
    return 1


# -- serve ---------------------------------------------------------------------------


def app_from_env() -> Any:
    """The app factory uvicorn's worker processes call (`--workers N`): settings come
    from the environment the parent prepared (database URL; pepper as set up there)."""
    from tui_app.server.api.app import create_app, freeze_heap

    settings = _settings(None)
    # The parent already migrated; N workers racing to migrate would only add noise.
    settings.migrate_on_start = False
    app = create_app(settings)
    freeze_heap()
    return app


def run_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from tui_app.server.settings import PepperFileError

    try:
        settings = _settings(args.database)
    except (PepperFileError, ValueError, OSError) as exc:
        return _fail(str(exc))
    _migrate(settings)
    _choose_host_names(settings, args.host)
    print(
        f"agentkeys: serving {_safe_url(settings.database_url)} on "
        f"http://{args.host}:{args.port} ({args.workers} worker(s)), answering to "
        f"{', '.join(settings.allowed_hosts)}",
        file=sys.stderr,
    )
    common: dict[str, Any] = {"host": args.host, "port": args.port, **uvicorn_options()}
    if args.workers > 1:
        # Workers are separate processes that import the factory; they read the settings
        # from the environment, so hand them exactly what this process resolved.
        os.environ["AGENTKEYS_DATABASE_URL"] = settings.database_url
        os.environ["AGENTKEYS_ALLOWED_HOSTS"] = ",".join(settings.allowed_hosts)
        if "AGENTKEYS_PEPPER" not in os.environ and "AGENTKEYS_PEPPER_FILE" not in os.environ:
            from tui_app import paths

            os.environ["AGENTKEYS_PEPPER_FILE"] = str(paths.config_dir() / "pepper")
        uvicorn.run(
            "tui_app.cli.server:app_from_env", factory=True, workers=args.workers, **common
        )
        return 0
    from tui_app.server.api.app import create_app, freeze_heap

    settings.migrate_on_start = False  # done above, before binding the port
    app = create_app(settings)
    freeze_heap()
    uvicorn.run(app, **common)
    return 0


def _choose_host_names(settings: Any, bind_host: str) -> None:
    """The Host names to answer to when AGENTKEYS_ALLOWED_HOSTS does not say. Bound to a
    loopback address, only this machine can reach the server, by its loopback names:
    any other name is a web page that pointed its own name at this machine. Bound to
    another address, the names clients will use are not known here: any, with a
    warning, so that a server behind a proxy or on an IP address still starts."""
    from tui_app.server import host_names as hosts

    if settings.allowed_hosts is not None:
        return
    if hosts.is_loopback(bind_host):
        settings.allowed_hosts = hosts.loopback_names(bind_host)
        return
    settings.allowed_hosts = (hosts.ANY_HOST,)
    print(
        f"agentkeys: warning: answering requests for any host name: {bind_host} can be "
        "reached from other machines and AGENTKEYS_ALLOWED_HOSTS is not set. Set it to "
        "the names clients use, e.g. AGENTKEYS_ALLOWED_HOSTS=keys.example.com",
        file=sys.stderr,
    )


def _migrate(settings: Any) -> None:
    from tui_app.server.store import db, migrations

    engine = db.create_engine(settings.database_url)
    try:
        migrations.migrate(engine)
    finally:
        engine.dispose()


def _safe_url(url: str) -> str:
    from tui_app.server.settings import _redact_url

    return _redact_url(url)


# -- server add-user / seed ----------------------------------------------------------


def _check_user(email: str, name: str, teams: list[str]) -> str | None:
    """The first problem with the new user, in the words the API and the TUI use, or
    None: the same rules as POST /v1/users."""
    from tui_app.domain import validation

    try:
        validation.validate_email(email)
        validation.validate_person_name(name)
        validation.validate_team_names(teams)
    except validation.FieldError as problem:
        return problem.message
    return None


def run_add_user(args: argparse.Namespace) -> int:
    from tui_app.server.settings import PepperFileError
    from tui_app.server.store import db, migrations
    from tui_app.server.store import users as users_store

    try:
        settings = _settings(args.database)
    except (PepperFileError, ValueError, OSError) as exc:
        return _fail(str(exc))
    email, name = args.email.strip().lower(), args.name.strip()
    problem = _check_user(email, name, args.team)
    if problem:
        print(f"agentkeys: {problem}", file=sys.stderr)
        return 2
    engine = db.create_engine(settings.database_url)
    try:
        migrations.migrate(engine)
        with db.write_tx(engine) as conn:
            if users_store.find_user(conn, email) is not None:
                return _fail(f"a user with the email {email} already exists")
            now = settings.clock()
            user_id = users_store.create_user(
                conn, email=email, name=name, role=args.role, teams=args.team, now=now
            )
            token = users_store.issue_login_token(
                conn, settings.pepper_bytes, user_id, now, env=settings.key_env
            )
    finally:
        engine.dispose()
    print(
        f"Created {args.role} {email} ({user_id}). Their login token follows on stdout; "
        "it is shown only this once — give it to them now (agentkeys login --with-token).",
        file=sys.stderr,
    )
    print(token)
    return 0


def run_seed(args: argparse.Namespace) -> int:
    import time

    from tui_app.server.settings import PepperFileError
    from tui_app.server.store import db, migrations
    from tui_app.server.store.seed import seed_bulk

    try:
        settings = _settings(args.database)
    except (PepperFileError, ValueError, OSError) as exc:
        return _fail(str(exc))
    engine = db.create_engine(settings.database_url)
    started = time.perf_counter()
    try:
        migrations.migrate(engine)
        users = args.users if args.users is not None else max(10, min(args.keys // 20, 50_000))
        counts = seed_bulk(engine, keys=args.keys, users=users, progress=_progress,
                           activity=args.activity)
    finally:
        engine.dispose()
    took = time.perf_counter() - started
    summary = ", ".join(f"{n:,} {what}" for what, n in counts.items())
    print(f"Seeded {summary} into {_safe_url(settings.database_url)} in {took:.1f} s.",
          file=sys.stderr)
    return 0


def run_stop(args: argparse.Namespace) -> int:
    from tui_app.client.local_server import LocalServerError, stop

    try:
        stopped = stop()
    except LocalServerError as exc:
        return _fail(str(exc))
    print("Stopped the local server." if stopped else "No local server is running.")
    return 0


def _progress(message: str) -> None:
    print(f"  {message}", file=sys.stderr, flush=True)
