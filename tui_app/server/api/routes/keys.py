"""Own keys: list, create (idempotent), get, edit, revoke/disable/enable, delete."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Body, Header, Query, Request
from sqlalchemy.exc import IntegrityError

from tui_app.domain import validation as v
from tui_app.domain.clock import to_rfc3339
from tui_app.domain.expiry import expiry_after_days
from tui_app.domain.ids import new_id
from tui_app.domain.keyformat import TokenKind
from tui_app.domain.status import KeyStatus
from tui_app.domain.validation import FieldError
from tui_app.server import security
from tui_app.server.api.deps import KeyUser, engine_of, settings_of, unauthorized
from tui_app.server.api.errors import ApiProblem, not_found, shown_field, validation_failed
from tui_app.server.api.schemas import (
    ERROR_RESPONSES,
    AgentKeyOut,
    CreatedKeyOut,
    DeletedKeyOut,
    KeyCreateIn,
    KeyPage,
    KeyPatchIn,
)
from tui_app.server.services.key_actions import apply_action
from tui_app.server.store import audit as audit_store
from tui_app.server.store import db, listing
from tui_app.server.store import keys as keys_store
from tui_app.server.store import users as users_store
from tui_app.server.store.users import Caller, search_text

router = APIRouter(prefix="/v1/keys", tags=["keys"], responses=ERROR_RESPONSES)
K = db.keys

DEFAULT_EXPIRY_DAYS = 30
IMMUTABLE_FIELDS = {"scope", "allowed_tools", "blocked_tools", "rate_limit_rpm"}

# Unknown or odd values are recorded as "api" (audit_store.clean_source), never refused:
# a revoke must not fail over a label.
Source = Annotated[str | None, Header(alias="X-Agentkeys-Source")]


@router.get("", response_model=KeyPage, summary="List your own keys")
def list_own_keys(
    request: Request,
    caller: KeyUser,
    status: Annotated[str | None, Query(max_length=200)] = "all",
    q: Annotated[str | None, Query(max_length=1000)] = None,
    sort: Literal["name", "owner", "status", "created_at", "expires_at",
                  "last_used_at"] = "created_at",
    order: Literal["asc", "desc"] = "desc",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> KeyPage:
    now = settings_of(request).clock()
    statuses = listing.parse_statuses(every_value(request, "status", status))
    filters = listing.KeyFilters(statuses=statuses, q=listing.check_q(q))
    with db.read_tx(engine_of(request)) as conn:
        rows, next_cursor = listing.list_keys(
            conn, scope=K.c.owner_id == caller.id, filters=filters, now=now, sort=sort,
            order=order, limit=limit, cursor=cursor, few_owners=True,
        )
        items = keys_store.many_out(conn, rows, now)
    return KeyPage(items=items, next_cursor=next_cursor)


def every_value(request: Request, name: str, value: str | None) -> str | None:
    """`?status=active&status=expired` means both, like `status=active,expired`: FastAPI
    would silently keep only the last one."""
    values = request.query_params.getlist(name)
    return ",".join(values) if len(values) > 1 else value


def _check_create(body: KeyCreateIn, caller: Caller, request: Request) -> dict[str, Any]:
    """Every field rule at once, so a form can show all its messages together."""
    settings = settings_of(request)
    now = settings.clock()
    errors: list[FieldError] = []
    values: dict[str, Any] = {}

    def run(name: str, fn: Any, *args: Any) -> None:
        try:
            values[name] = fn(*args)
        except FieldError as exc:
            errors.append(exc)

    run("name", v.validate_name, body.name)
    run("description", v.validate_description, body.description)
    run("allowed_tools", v.validate_tools, "allowed_tools", body.allowed_tools)
    run("blocked_tools", v.validate_tools, "blocked_tools", body.blocked_tools)
    run("rate_limit_rpm", v.validate_rate_limit, body.rate_limit_rpm)
    if "allowed_tools" in values and "blocked_tools" in values:
        run("_tools", v.validate_tool_lists, values["allowed_tools"], values["blocked_tools"])
    if "expires_at" in body.model_fields_set:
        expires = body.expires_at
    else:
        limit_days = settings.max_lifetime_days
        days = DEFAULT_EXPIRY_DAYS if limit_days == 0 else min(DEFAULT_EXPIRY_DAYS, limit_days)
        expires = expiry_after_days(now, days)
    try:
        values["expires_at"] = v.validate_expiry(
            expires, now=now, max_lifetime_days=settings.max_lifetime_days
        )
    except FieldError as exc:
        errors.append(exc)
    if body.scope == "read_write" and not caller.role.may_write:
        errors.append(FieldError("scope", "Your role may only create read keys."))
    if settings.require_terms and not body.accept_terms:
        errors.append(FieldError("accept_terms", "Accept the terms of use to create a key."))
    if errors:
        raise validation_failed(errors)
    values["scope"] = body.scope
    return values


def _request_fingerprint(body: KeyCreateIn) -> str:
    data = body.model_dump(mode="json", exclude_unset=True)
    return security.request_hash(json.dumps(data, sort_keys=True).encode())


def _check_idempotency_key(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if not value or len(value) > 255 or not value.isprintable():
        raise validation_failed(FieldError(
            "Idempotency-Key", "Idempotency-Key must be 1 to 255 printable characters."
        ))
    return value


@router.post("", response_model=CreatedKeyOut, status_code=201, summary="Create a key")
def create_key(
    request: Request,
    caller: KeyUser,
    body: KeyCreateIn,
    source: Source = None,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key",
                                                  max_length=300)] = None,
) -> CreatedKeyOut:
    settings = settings_of(request)
    values = _check_create(body, caller, request)
    idem = _check_idempotency_key(idempotency_key)
    fingerprint = _request_fingerprint(body)
    for attempt in range(3):
        try:
            with engine_of(request).begin() as conn:
                return _create_in_tx(conn, settings, caller, values, idem, fingerprint, source)
        except IntegrityError:
            # A concurrent request with the same Idempotency-Key won: look again.
            if attempt == 2 or idem is None:
                raise
    raise AssertionError("unreachable")


def _create_in_tx(
    conn: sa.Connection, settings: Any, caller: Caller, values: dict[str, Any],
    idem: str | None, fingerprint: str, source: str | None,
) -> CreatedKeyOut:
    now = settings.clock()
    pepper = settings.pepper_bytes
    I = db.idempotency  # noqa: E741
    # The caller was signed in before this transaction began; a deactivation may have
    # committed since. The new key's owner_active is what verify trusts, so it is read
    # here, under the lock that orders this create with any deactivation.
    if not users_store.lock_owner_active(conn, caller.id):
        raise unauthorized("TOKEN_INACTIVE", "This account is deactivated.")
    if idem is not None:
        prior = conn.execute(
            sa.select(I).where(I.c.user_id == caller.id, I.c.idem_key == idem)
        ).first()
        window = timedelta(hours=settings.idempotency_window_hours)
        if prior is not None and prior.created_at <= now - window:
            conn.execute(I.delete().where(I.c.user_id == caller.id, I.c.idem_key == idem))
            prior = None
        if prior is not None:
            if prior.request_hash != fingerprint:
                raise ApiProblem(
                    422, "IDEMPOTENCY_MISMATCH",
                    "This Idempotency-Key was used with a different request; "
                    "use a new key for a new request.",
                )
            return _reissue(conn, settings, caller, prior.key_id, source)
    secret, digest, hint = security.new_token(pepper, TokenKind.AGENT, settings.key_env)
    key_id = new_id("key")
    conn.execute(K.insert().values(
        id=key_id, name=values["name"], name_lower=values["name"].lower(),
        description=values["description"], owner_id=caller.id, owner_active=True,
        owner_email=caller.email, owner_name=caller.name,
        search_text=search_text(values["name"], caller.name, caller.email),
        created_by_id=caller.id, created_at=now, expires_at=values["expires_at"],
        scope=values["scope"], allowed_tools=values["allowed_tools"],
        blocked_tools=values["blocked_tools"], rate_limit_rpm=values["rate_limit_rpm"],
        digest=digest, hint=hint, env=settings.key_env, version=1,
    ))
    if idem is not None:
        conn.execute(I.insert().values(
            user_id=caller.id, idem_key=idem, request_hash=fingerprint, key_id=key_id,
            created_at=now,
        ))
    audit_store.record(
        conn, now=now, actor=caller, action="key.created", source=source or "api",
        key_id=key_id, key_name=values["name"], key_owner_id=caller.id,
        details={"scope": values["scope"], "expires_at": to_rfc3339(values["expires_at"]),
                 "allowed_tools": values["allowed_tools"],
                 "blocked_tools": values["blocked_tools"],
                 "rate_limit_rpm": values["rate_limit_rpm"]},
    )
    row = keys_store.get_row(conn, key_id)
    return CreatedKeyOut(key=keys_store.one_out(conn, row, now), secret=secret)


def _reissue(
    conn: sa.Connection, settings: Any, caller: Caller, key_id: str, source: str | None
) -> CreatedKeyOut:
    """A retried create: same key, fresh secret replacing the lost one — only while the
    key has never been used (a used key means the first secret did arrive)."""
    now = settings.clock()
    row = keys_store.get_row(conn, key_id, for_update=True)
    if row is None or row.last_used_at is not None or row.revoked_at is not None:
        raise ApiProblem(
            409, "CONFLICT",
            "This Idempotency-Key already created a key that has since been used, revoked "
            "or deleted; its secret cannot be issued again. Create a new key instead.",
        )
    secret, digest, hint = security.new_token(
        settings.pepper_bytes, TokenKind.AGENT, row.env
    )
    conn.execute(K.update().where(K.c.id == key_id).values(
        digest=digest, hint=hint, version=K.c.version + 1))
    audit_store.record(
        conn, now=now, actor=caller, action="key.secret_reissued", source=source or "api",
        key_id=key_id, key_name=row.name, key_owner_id=row.owner_id,
        details={"reason": "create retried with the same Idempotency-Key"},
    )
    row = keys_store.get_row(conn, key_id)
    return CreatedKeyOut(key=keys_store.one_out(conn, row, now), secret=secret)


def visible_row(conn: sa.Connection, caller: Caller, key_id: str,
                *, for_update: bool = False) -> Any:
    # Ids are short ASCII; anything else (NUL, a lone surrogate from JSON) is no key of
    # ours and must not reach the database driver.
    if len(key_id) > 64 or not key_id.isascii() or not key_id.isprintable():
        raise not_found()
    row = keys_store.get_row(conn, key_id, for_update=for_update)
    if row is None or not keys_store.may_see(conn, caller, row.owner_id):
        raise not_found()
    return row


@router.get("/{key_id}", response_model=AgentKeyOut, summary="One key")
def get_key(request: Request, caller: KeyUser, key_id: str) -> AgentKeyOut:
    now = settings_of(request).clock()
    with db.read_tx(engine_of(request)) as conn:
        return keys_store.one_out(conn, visible_row(conn, caller, key_id), now)


# RFC 9110 entity tags: the version, quoted or not, weak or not.
_IF_MATCH = re.compile(r'(?:W/)?"?([0-9]{1,12})"?')


def _if_match(value: str | None) -> int | None:
    if value is None:
        return None
    text = value.strip()
    if text == "*":  # RFC 9110: any current version matches
        return None
    match = _IF_MATCH.fullmatch(text)
    if match is None:
        raise validation_failed(FieldError("If-Match", "If-Match must be the key's version."))
    return int(match.group(1))


@router.patch("/{key_id}", response_model=AgentKeyOut, summary="Edit name, description, expiry")
def update_key(
    request: Request,
    caller: KeyUser,
    key_id: str,
    body: Annotated[KeyPatchIn, Body()],
    source: Source = None,
    if_match: Annotated[str | None, Header(alias="If-Match", max_length=64)] = None,
) -> AgentKeyOut:
    settings = settings_of(request)
    now = settings.clock()
    extra = set(body.model_extra or {})
    if extra & IMMUTABLE_FIELDS:
        raise ApiProblem(
            422, "SCOPE_IMMUTABLE",
            "Scope, tool lists and rate limit are fixed when a key is created; "
            "revoke it and create a new one to change them.",
            [{"field": f, "message": "This cannot be changed after creation."}
             for f in sorted(extra & IMMUTABLE_FIELDS)],
        )
    if extra:
        raise validation_failed([
            FieldError(shown_field(f), f"Unknown field '{shown_field(f)}'; remove it.")
            for f in sorted(extra)])
    expected = _if_match(if_match)
    changes: dict[str, Any] = {}
    errors: list[FieldError] = []
    fields = body.model_fields_set
    for name, fn in (("name", v.validate_name), ("description", v.validate_description)):
        if name in fields:
            try:
                changes[name] = fn(getattr(body, name))
            except FieldError as exc:
                errors.append(exc)
    if "expires_at" in fields:
        try:
            changes["expires_at"] = v.validate_expiry(
                body.expires_at, now=now, max_lifetime_days=settings.max_lifetime_days)
        except FieldError as exc:
            errors.append(exc)
    if errors:
        raise validation_failed(errors)
    with engine_of(request).begin() as conn:
        row = visible_row(conn, caller, key_id, for_update=True)
        if expected is not None and expected != row.version:
            raise ApiProblem(
                409, "CONFLICT",
                "Someone changed this key since you loaded it; reload and try again.",
                {"current_version": row.version},
            )
        if row.revoked_at is not None and changes:
            raise ApiProblem(409, "CONFLICT", "A revoked key cannot be edited.")
        before = {f: _jsonable(getattr(row, f)) for f in changes}
        after = {f: _jsonable(val) for f, val in changes.items()}
        real = {f: changes[f] for f in changes if before[f] != after[f]}
        if real:
            values = dict(real)
            if "name" in real:
                values["name_lower"] = real["name"].lower()
                values["search_text"] = search_text(real["name"], row.owner_name,
                                                    row.owner_email)
            values["version"] = K.c.version + 1
            conn.execute(K.update().where(K.c.id == key_id).values(**values))
            audit_store.record(
                conn, now=now, actor=caller, action="key.updated", source=source or "api",
                key_id=key_id, key_name=real.get("name", row.name), key_owner_id=row.owner_id,
                details={"before": {f: before[f] for f in real},
                         "after": {f: after[f] for f in real}},
            )
            row = keys_store.get_row(conn, key_id)
        return keys_store.one_out(conn, row, now)


def _jsonable(value: Any) -> Any:
    return to_rfc3339(value) if isinstance(value, datetime) else value


def _state_change(request: Request, caller: Caller, key_id: str, action: str,
                  source: str | None) -> AgentKeyOut:
    settings = settings_of(request)
    with engine_of(request).begin() as conn:
        row = visible_row(conn, caller, key_id, for_update=True)
        row = apply_action(conn, settings, caller, row, action, source=source or "api")
        return keys_store.one_out(conn, row, settings.clock())


@router.post("/{key_id}/revoke", response_model=AgentKeyOut, summary="Revoke (permanent)")
def revoke_key(request: Request, caller: KeyUser, key_id: str,
               source: Source = None) -> AgentKeyOut:
    return _state_change(request, caller, key_id, "revoke", source)


@router.post("/{key_id}/disable", response_model=AgentKeyOut, summary="Disable")
def disable_key(request: Request, caller: KeyUser, key_id: str,
                source: Source = None) -> AgentKeyOut:
    return _state_change(request, caller, key_id, "disable", source)


@router.post("/{key_id}/enable", response_model=AgentKeyOut, summary="Enable")
def enable_key(request: Request, caller: KeyUser, key_id: str,
               source: Source = None) -> AgentKeyOut:
    return _state_change(request, caller, key_id, "enable", source)


@router.delete("/{key_id}", response_model=DeletedKeyOut, summary="Delete a non-active key")
def delete_key(request: Request, caller: KeyUser, key_id: str,
               source: Source = None) -> DeletedKeyOut:
    settings = settings_of(request)
    now = settings.clock()
    with engine_of(request).begin() as conn:
        row = visible_row(conn, caller, key_id, for_update=True)
        status, _ = keys_store.status_of(row, now)
        if status is KeyStatus.ACTIVE:
            raise ApiProblem(409, "KEY_ACTIVE",
                             "Only inactive, expired or revoked keys can be deleted; "
                             "disable or revoke it first.")
        used_recently = keys_store.used_within(row, now, timedelta(hours=24))
        conn.execute(db.rate_limit.delete().where(db.rate_limit.c.key_id == key_id))
        conn.execute(K.delete().where(K.c.id == key_id))
        audit_store.record(
            conn, now=now, actor=caller, action="key.deleted", source=source or "api",
            key_id=key_id, key_name=row.name, key_owner_id=row.owner_id,
            details={"status": status.value, "used_in_last_24h": used_recently},
        )
    return DeletedKeyOut(id=key_id, deleted=True, used_in_last_24h=used_recently,
                         last_used_at=to_rfc3339(row.last_used_at))
