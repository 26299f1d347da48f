"""Signing in with a login token (akp_…): who is calling, or why they may not.

The token's checksum is checked before any database access (TOKEN_MALFORMED); then its
HMAC digest is looked up. Messages never contain the token.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tui_app.domain import keyformat
from tui_app.domain.errors import Unauthorized
from tui_app.domain.keyformat import TokenKind, TokenMalformed
from tui_app.server import security
from tui_app.server.services.backend import Backend
from tui_app.server.store import db
from tui_app.server.store import users as users_store
from tui_app.server.store.users import Caller


def check_format(token: str, kind: TokenKind) -> None:
    try:
        keyformat.parse(token, kind)
    except TokenMalformed as exc:
        raise Unauthorized("TOKEN_MALFORMED", str(exc)) from None


def authenticate(backend: Backend, token: str, *, with_teams: bool = True) -> Caller:
    """The person this login token signs in; Unauthorized with the reason if none."""
    check_format(token, TokenKind.PERSONAL)
    settings = backend.settings
    now = settings.clock()
    digest = security.digest(settings.pepper_bytes, token)
    # Reads never wait for writers (WAL on SQLite, MVCC on PostgreSQL): no transaction
    # to open or commit for two indexed reads.
    with db.autocommit_read(backend.engine) as conn:
        row = check_login_row(users_store.login_row(conn, digest), now)
        return users_store.caller_from_row(conn, row, with_teams=with_teams)


def check_login_row(row: Any, now: datetime) -> Any:
    """The login token's row (token and account columns), if it may sign in: else
    Unauthorized with the reason. Verify's own lookup of a gateway's token uses it too."""
    if row is None:
        raise Unauthorized("TOKEN_INVALID", "This login token is not known here.")
    if row.revoked_at is not None:
        raise Unauthorized("TOKEN_REVOKED", "This login token was revoked.")
    if row.expires_at is not None and row.expires_at <= now:
        raise Unauthorized("TOKEN_EXPIRED", "This login token has expired.")
    if not row.active:
        raise Unauthorized("TOKEN_INACTIVE", "This account is deactivated.")
    return row
