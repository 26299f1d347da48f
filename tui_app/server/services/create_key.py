"""Create a key: checked by the domain's rules, idempotent per Idempotency-Key.

A client that lost the answer to a create (a timeout, a crash) sends it again with the
same Idempotency-Key: it gets the same key back, with a fresh secret that replaces the
lost one, instead of a second key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from tui_app.domain.checks import FieldErrors, NewKey, NewKeyInput, check_new_key
from tui_app.domain.clock import to_rfc3339
from tui_app.domain.errors import Conflict, IdempotencyMismatch, Unauthorized
from tui_app.domain.field_error import FieldError
from tui_app.domain.ids import new_id
from tui_app.domain.keyformat import TokenKind
from tui_app.domain.models import CreatedKey
from tui_app.server import security
from tui_app.server.services.backend import Backend
from tui_app.server.store import audit as audit_store
from tui_app.server.store import idempotency
from tui_app.server.store import keys as keys_store
from tui_app.server.store import users as users_store
from tui_app.server.store.users import Caller

IDEMPOTENCY_KEY_MAX = 255


@dataclass(frozen=True, slots=True)
class Idempotency:
    """A create's Idempotency-Key and the fingerprint of the request it came with."""

    key: str
    fingerprint: str


def create_key(
    backend: Backend, caller: Caller, raw: NewKeyInput, *, idempotency_key: str | None,
    fingerprint: str, source: str | None,
) -> CreatedKey:
    """A new key and its secret, shown this once; or, for a retried create, the same key
    with a fresh secret."""
    new = check_new_key(raw, role=caller.role, policy=backend.policy, now=backend.now())
    idem = _idempotency(idempotency_key, fingerprint)
    for attempt in range(3):
        try:
            with backend.engine.begin() as conn:
                return _create_in_tx(conn, backend, caller, new, idem, source)
        except IntegrityError:
            # A concurrent request with the same Idempotency-Key won: look again.
            if attempt == 2 or idem is None:
                raise
    raise AssertionError("unreachable")


def _idempotency(value: str | None, fingerprint: str) -> Idempotency | None:
    if value is None:
        return None
    value = value.strip()
    if not value or len(value) > IDEMPOTENCY_KEY_MAX or not value.isprintable():
        raise FieldErrors([FieldError(
            "Idempotency-Key", "Idempotency-Key must be 1 to 255 printable characters."
        )])
    return Idempotency(value, fingerprint)


def _create_in_tx(
    conn: Connection, backend: Backend, caller: Caller, new: NewKey,
    idem: Idempotency | None, source: str | None,
) -> CreatedKey:
    settings = backend.settings
    now = settings.clock()
    # The caller was signed in before this transaction began; a deactivation may have
    # committed since. The new key's owner_active is what verify trusts, so it is read
    # here, under the lock that orders this create with any deactivation.
    if not users_store.lock_owner_active(conn, caller.id):
        raise Unauthorized("TOKEN_INACTIVE", "This account is deactivated.")
    if idem is not None:
        prior = idempotency.find(conn, caller.id, idem.key)
        window = timedelta(hours=settings.idempotency_window_hours)
        if prior is not None and prior.created_at <= now - window:
            idempotency.forget(conn, caller.id, idem.key)
            prior = None
        if prior is not None:
            if prior.request_hash != idem.fingerprint:
                raise IdempotencyMismatch()
            return _reissue(conn, backend, caller, prior.key_id, source)
    secret, digest, hint = security.new_token(
        settings.pepper_bytes, TokenKind.AGENT, settings.key_env)
    key_id = new_id("key")
    allowed, blocked = list(new.allowed_tools), list(new.blocked_tools)
    keys_store.insert_key(
        conn, id=key_id, name=new.name, name_lower=new.name.lower(),
        description=new.description, owner_id=caller.id, owner_active=True,
        owner_email=caller.email, owner_name=caller.name,
        search_text=users_store.search_text(new.name, caller.name, caller.email),
        created_by_id=caller.id, created_at=now, expires_at=new.expires_at,
        scope=new.scope.value, allowed_tools=allowed, blocked_tools=blocked,
        rate_limit_rpm=new.rate_limit_rpm, digest=digest, hint=hint, env=settings.key_env,
        version=1,
    )
    if idem is not None:
        idempotency.remember(conn, user_id=caller.id, idem_key=idem.key,
                             request_hash=idem.fingerprint, key_id=key_id, now=now)
    audit_store.record(
        conn, now=now, actor=caller, action="key.created", source=source,
        key_id=key_id, key_name=new.name, key_owner_id=caller.id,
        details={"scope": new.scope.value, "expires_at": to_rfc3339(new.expires_at),
                 "allowed_tools": allowed, "blocked_tools": blocked,
                 "rate_limit_rpm": new.rate_limit_rpm},
    )
    return CreatedKey(key=keys_store.read_key(conn, key_id, now), secret=secret)


def _reissue(
    conn: Connection, backend: Backend, caller: Caller, key_id: str, source: str | None
) -> CreatedKey:
    """A retried create: same key, fresh secret replacing the lost one — only while the
    key has never been used (a used key means the first secret did arrive)."""
    now = backend.now()
    row = keys_store.get_row(conn, key_id, for_update=True)
    if row is None or row.last_used_at is not None or row.revoked_at is not None:
        raise Conflict(
            "This Idempotency-Key already created a key that has since been used, revoked "
            "or deleted; its secret cannot be issued again. Create a new key instead.")
    secret, digest, hint = security.new_token(
        backend.settings.pepper_bytes, TokenKind.AGENT, row.env)
    keys_store.update_key(conn, key_id, digest=digest, hint=hint)
    audit_store.record(
        conn, now=now, actor=caller, action="key.secret_reissued", source=source,
        key_id=key_id, key_name=row.name, key_owner_id=row.owner_id,
        details={"reason": "create retried with the same Idempotency-Key"},
    )
    return CreatedKey(key=keys_store.read_key(conn, key_id, now), secret=secret)
