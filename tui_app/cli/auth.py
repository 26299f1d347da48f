"""`agentkeys login`, `logout`, `whoami`.

A pasted token is checked offline (prefix, length, checksum) before any request, then
with GET /v1/me, then stored (keyring, else a private file after a warning). The token
is never printed, logged or put in an error message.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from tui_app.cli.common import (
    CliError,
    add_output_options,
    ask,
    connection_parent,
    guarded,
    print_json,
)
from tui_app.cli.exit_codes import EXIT_AUTH, EXIT_ERROR, EXIT_OK, EXIT_USAGE


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parent = connection_parent()
    login = subparsers.add_parser(
        "login", parents=[parent], help="store a login token for a server",
        description="Store a login token (akp_…) for a server. The token is read from a "
        "hidden prompt, or from stdin with --with-token.",
    )
    login.add_argument("--with-token", action="store_true",
                       help="read the token from standard input")
    login.add_argument("--insecure-storage", action="store_true",
                       help="store in a plain-text file without asking when no keyring works")
    login.set_defaults(handler=guarded(run_login))

    logout = subparsers.add_parser("logout", parents=[parent],
                                   help="forget the stored login token")
    logout.set_defaults(handler=guarded(run_logout))

    whoami = subparsers.add_parser("whoami", parents=[parent],
                                   help="who you are on the server, and where the token lives")
    add_output_options(whoami)
    whoami.set_defaults(handler=guarded(run_whoami))


# -- login ----------------------------------------------------------------------


def _read_token(with_token: bool) -> str:
    if with_token:
        text = sys.stdin.read()
        return text.strip().splitlines()[0].strip() if text.strip() else ""
    if not sys.stdin.isatty():
        raise CliError(
            "No terminal to prompt on: pipe the token in with --with-token.", EXIT_USAGE
        )
    import getpass

    try:
        return getpass.getpass("Paste your login token (akp_…, hidden): ").strip()
    except EOFError:
        return ""


def _confirm_plaintext(insecure_ok: bool) -> Callable[[str], bool]:
    def confirm_file(warning: str) -> bool:
        print(warning, file=sys.stderr)
        if insecure_ok or not sys.stdin.isatty():
            return True
        return ask("Store the token in that file? [y/N] ").lower() in ("y", "yes")

    return confirm_file


def run_login(args: argparse.Namespace) -> int:
    import asyncio

    from tui_app.client.api import ApiClient
    from tui_app.client.config import remember_server
    from tui_app.client.connection import resolve_server
    from tui_app.client.credentials import ENV_TOKEN, CredentialStore, StorageDeclined
    from tui_app.domain.keyformat import TokenKind, TokenMalformed, parse
    from tui_app.domain.sanitize import clean

    url, profile = resolve_server(getattr(args, "server", None), getattr(args, "profile", None))
    if url is None:
        raise CliError(
            "Which server? Run: agentkeys login --server URL "
            "(the embedded local server needs no login).",
            EXIT_USAGE,
        )
    args._server_url = url
    from tui_app.client.config import sends_tokens_in_clear

    if sends_tokens_in_clear(url):
        print(f"Warning: {url} is plain http; your login token will cross the network "
              "unencrypted. Use https:// unless this is a trusted private network.",
              file=sys.stderr)
    token = _read_token(args.with_token)
    try:
        parse(token, expected=TokenKind.PERSONAL)
    except TokenMalformed as exc:
        raise CliError(f"That is not a valid login token: {exc}", EXIT_ERROR) from None

    async def check() -> object:
        async with ApiClient(url, token, source="cli") as api:
            return await api.me()

    from tui_app.client.errors import ApiError

    try:
        me = asyncio.run(check())
    except ApiError as exc:
        if exc.status == 401:
            raise CliError(
                f"The server at {url} rejected this token: {clean(exc.message)} "
                f"({clean(exc.code)}).",
                EXIT_AUTH,
            ) from None
        raise
    store = CredentialStore(url)
    try:
        location = store.save(token, confirm_plaintext=_confirm_plaintext(args.insecure_storage))
    except StorageDeclined as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    saved = remember_server(url, getattr(args, "profile", None) or profile)
    user = me.user  # type: ignore[attr-defined]
    print(f"Logged in to {url} as {clean(user.name)} <{clean(user.email)}> ({user.role.value}).")
    print(f"Token stored in {location}; profile '{clean(saved.name)}'.")
    import os

    if os.environ.get(ENV_TOKEN):
        print(f"Note: {ENV_TOKEN} is set and takes precedence over the stored token.",
              file=sys.stderr)
    return EXIT_OK


# -- logout ---------------------------------------------------------------------


def run_logout(args: argparse.Namespace) -> int:
    import os

    from tui_app.client.connection import resolve_server
    from tui_app.client.credentials import ENV_TOKEN, CredentialStore

    url, _profile = resolve_server(getattr(args, "server", None), getattr(args, "profile", None))
    if url is None:
        print("The embedded local server needs no login; nothing to forget.")
        return EXIT_OK
    removed = CredentialStore(url).delete()
    if removed:
        print(f"Logged out of {url}: token removed from {' and '.join(removed)}.")
    else:
        print(f"No stored token for {url}.")
    if os.environ.get(ENV_TOKEN):
        print(f"Note: {ENV_TOKEN} is still set in your environment.", file=sys.stderr)
    return EXIT_OK


# -- whoami ---------------------------------------------------------------------


def run_whoami(args: argparse.Namespace) -> int:
    from tui_app.cli.common import connection_from, run_api
    from tui_app.domain.sanitize import clean

    conn = connection_from(args)

    async def work(api, conn) -> int:  # type: ignore[no-untyped-def]
        me = await api.me()
        server = conn.server_url or api.base_url
        if args.json:
            print_json({
                "user": me.user,
                "server": server,
                "server_version": me.server_version,
                "embedded": conn.embedded,
                "profile": conn.profile,
                "credential": conn.credential_location,
                "policy": me.policy,
            })
            return EXIT_OK
        user = me.user
        where = "embedded local server" if conn.embedded else server
        print(f"Logged in to {where} as {clean(user.name)} <{clean(user.email)}>")
        print(f"  role:       {user.role.value}")
        print(f"  teams:      {', '.join(clean(t) for t in user.teams) or '—'}")
        if not conn.embedded:
            print(f"  profile:    {clean(conn.profile) if conn.profile else '—'}")
        print(f"  credential: {conn.credential_location}")
        if conn.keyring_problem and not conn.embedded:
            print(f"  keyring:    not used: {conn.keyring_problem}")
        return EXIT_OK

    return run_api(args, work, connection=conn)
