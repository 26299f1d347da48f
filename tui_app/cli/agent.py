"""`agentkeys agent login|header|token|logout`: the agent's side of a connection.

`login` runs the device flow as `gh auth login` does: the code and where to approve it
go to stderr, then it waits for the person's answer and stores the session (its refresh
token) like a login token. `header` prints the JSON that Claude Code's headersHelper
merges into its request headers, and `token` the bare access token for scripts; both
renew the session when needed, so no secret has to sit in a config file.

With no server configured, the agent connects to this machine's local server, as every
other command does (starting it when it is not running: a headersHelper that runs while
it is stopped brings it back). Its port stays the same across starts, so the session
stored for its URL keeps working.

No token is ever printed except by `header` and `token` on stdout, which is what they
are for.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from tui_app.cli.common import (
    CliError,
    add_output_options,
    ask,
    connection_parent,
    guarded,
    local_server,
    print_json,
)
from tui_app.cli.exit_codes import EXIT_AUTH, EXIT_ERROR, EXIT_OK, EXIT_USAGE

if TYPE_CHECKING:
    from tui_app.client.agent_session import AgentOAuth, AgentSession, DeviceStart
    from tui_app.client.agent_store import SessionStore

SCOPES = ("read", "read_write")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parent = connection_parent()
    agent = subparsers.add_parser(
        "agent", help="connect this machine's agents with a key session (device flow)",
        description="The agent's side of a connection: get a key session that a person "
        "approves with one of their keys, then hand it to other tools.")
    commands = agent.add_subparsers(dest="agent_command", metavar="COMMAND", required=True)

    login = commands.add_parser(
        "login", parents=[parent], help="ask for a key session and wait for approval",
        description="Show a one-time code to approve in agentkeys (Connections, or "
        "`agentkeys approve CODE --key KEY`), wait for the answer, and store the session "
        "like a login token: in the system keyring, else a private file.")
    login.add_argument("--scope", choices=SCOPES, default="read_write",
                       help="what to ask for (a read key gives a read session anyway)")
    login.add_argument("--insecure-storage", action="store_true",
                       help="store in a plain-text file without asking when no keyring works")
    add_output_options(login)
    login.set_defaults(handler=guarded(run_login))

    header = commands.add_parser(
        "header", parents=[parent], help="print the Authorization header as JSON",
        description='Print {"Authorization": "Bearer aks_…"} on one line, renewing the '
        "session first when needed: the form Claude Code's headersHelper takes.")
    header.set_defaults(handler=guarded(run_header))

    token = commands.add_parser(
        "token", parents=[parent], help="print the session's access token",
        description="Print the session's access token (renewed first when needed), for "
        'scripts: curl -H "Authorization: Bearer $(agentkeys agent token)" …')
    add_output_options(token)
    token.set_defaults(handler=guarded(run_token))

    logout = commands.add_parser("logout", parents=[parent],
                                 help="forget the stored agent session")
    add_output_options(logout)
    logout.set_defaults(handler=guarded(run_logout))


def _server(args: argparse.Namespace) -> str:
    """The configured server, else this machine's local server (started if need be)."""
    from tui_app.client.connection import resolve_server

    url, _profile = resolve_server(getattr(args, "server", None), getattr(args, "profile", None))
    return url if url is not None else local_server()[0]


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# -- login -------------------------------------------------------------------------------


def run_login(args: argparse.Namespace) -> int:
    from tui_app.client.agent_session import AgentOAuth, OAuthError
    from tui_app.client.agent_store import SessionStore
    from tui_app.client.config import sends_tokens_in_clear
    from tui_app.domain.sanitize import clean
    from tui_app.domain.validation import scope_words

    url = _server(args)
    if sends_tokens_in_clear(url):
        _say(f"Warning: {url} is plain http; the session's tokens will cross the network "
             "unencrypted. Use https:// unless this is a trusted private network.")
    store = SessionStore(url)
    # Asked before the flow, not after: declining then would waste the person's approval.
    _agree_to_file(store, args.insecure_storage)
    with AgentOAuth(url) as oauth:
        client_id, start = _start(oauth, url, args.scope)
        _show_code(start)
        try:
            session = oauth.wait_for_approval(client_id, start)
        except OAuthError as exc:
            raise CliError(_ended(exc), EXIT_ERROR) from None
    location = store.save(session, confirm_plaintext=lambda _warning: True)
    if args.json:
        print_json({"server": url, "scope": session.scope, "stored_in": location})
        return EXIT_OK
    granted = clean(scope_words(session.scope))
    print(f"Connected to {url}: a {granted} session, stored in {location}.")
    return EXIT_OK


def _agree_to_file(store: SessionStore, insecure_ok: bool) -> None:
    from tui_app.client.credentials import display_path

    if store.keyring_available():
        return
    _say(f"Warning: {store.keyring_problem or 'no usable system keyring'}. The session "
         f"will be stored in plain text in {display_path(store.file_path)} (mode 0600), "
         "readable by anyone who can act as your user on this machine.")
    if insecure_ok or not sys.stdin.isatty():
        return
    if ask("Store the session in that file? [y/N] ").lower() not in ("y", "yes"):
        raise CliError("Not connected: nothing was asked or stored.", EXIT_USAGE)


def _start(oauth: AgentOAuth, url: str, scope: str) -> tuple[str, DeviceStart]:
    """The device flow started with this machine's registered client, registering it
    the first time (or again, when the server no longer knows it)."""
    from tui_app.client.agent_session import OAuthError
    from tui_app.client.agent_store import remember_client, remembered_client

    client_id = remembered_client(url)
    if client_id is not None:
        try:
            return client_id, oauth.start_device(client_id, scope)
        except OAuthError as exc:
            if exc.error not in ("invalid_client", "unauthorized_client"):
                raise CliError(_refused(exc), EXIT_ERROR) from None
    try:
        client_id = oauth.register()
        remember_client(url, client_id)
        return client_id, oauth.start_device(client_id, scope)
    except OAuthError as exc:
        raise CliError(_refused(exc), EXIT_ERROR) from None


def _show_code(start: DeviceStart) -> None:
    from tui_app.domain.sanitize import clean

    code = clean(start.user_code)
    minutes = max(1, start.expires_in // 60)
    _say(f"! First copy your one-time code: {code}")
    _say(f"Then approve it in agentkeys: Connections (6), or run: "
         f"agentkeys approve {code} --key KEY")
    _say(f"  (or open {clean(start.verification_uri_complete or start.verification_uri)})")
    _say(f"Waiting for approval; the code is good for {minutes} minutes…")


def _ended(exc: Exception) -> str:
    error = getattr(exc, "error", "")
    if error == "access_denied":
        return "The connection was denied: no session was stored."
    if error == "expired_token":
        return ("The code expired before it was approved: run agentkeys agent login "
                "again.")
    return _refused(exc)


def _refused(exc: Exception) -> str:
    from tui_app.domain.sanitize import clean

    error = clean(str(getattr(exc, "error", "")))
    description = clean(str(getattr(exc, "description", "")))
    return f"The server refused: {description or error} ({error})."


# -- header, token ------------------------------------------------------------------------


def _warn_file(warning: str) -> bool:
    """When a renewal finds no keyring: the rotated refresh token must be kept or the
    session is lost, so it goes to the file, with the warning."""
    _say(warning.split(" Use AGENTKEYS_TOKEN")[0].replace("The token", "The agent session"))
    return True


def _session(args: argparse.Namespace) -> AgentSession:
    from tui_app.client.agent_session import AgentOAuth, OAuthError
    from tui_app.client.agent_store import SessionEnded, SessionStore, current_session
    from tui_app.domain.clock import system_clock

    url = _server(args)
    oauth: Callable[[str], AgentOAuth] = AgentOAuth
    try:
        return current_session(SessionStore(url), system_clock, oauth=oauth,
                               confirm_plaintext=_warn_file)
    except SessionEnded as exc:
        raise CliError(str(exc), EXIT_AUTH) from None
    except OAuthError as exc:
        raise CliError(_refused(exc), EXIT_ERROR) from None


def run_header(args: argparse.Namespace) -> int:
    session = _session(args)
    print(json.dumps({"Authorization": f"Bearer {session.access_token}"}))
    return EXIT_OK


def run_token(args: argparse.Namespace) -> int:
    session = _session(args)
    if args.json:
        print_json({"access_token": session.access_token, "scope": session.scope,
                    "expires_at": session.access_expires_at})
        return EXIT_OK
    print(session.access_token)
    return EXIT_OK


# -- logout -------------------------------------------------------------------------------


def run_logout(args: argparse.Namespace) -> int:
    from tui_app.client.agent_store import SessionStore

    url = _server(args)
    removed = SessionStore(url).delete()
    if args.json:
        print_json({"server": url, "removed_from": removed})
        return EXIT_OK
    if removed:
        print(f"Logged out: the agent session for {url} was removed from "
              f"{' and '.join(removed)}.")
    else:
        print(f"No agent session stored for {url}.")
    return EXIT_OK
