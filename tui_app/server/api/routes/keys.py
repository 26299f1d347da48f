"""Own keys: list, create (idempotent), get, edit, revoke/disable/enable, delete."""

from __future__ import annotations

import json
import re
from typing import Annotated

from fastapi import APIRouter, Body, Header, Query, Request

from tui_app.domain.checks import DEFAULT, UNCHANGED, NewKeyInput
from tui_app.domain.clock import to_rfc3339
from tui_app.domain.field_error import FieldError
from tui_app.server import security
from tui_app.server.api import query as query_params
from tui_app.server.api.deps import KeyUser, Source, backend_of
from tui_app.server.api.errors import ApiProblem, shown_field, validation_failed
from tui_app.server.api.schemas import (
    ERROR_RESPONSES,
    AgentKeyOut,
    CreatedKeyOut,
    DeletedKeyOut,
    KeyCreateIn,
    KeyPage,
    KeyPatchIn,
)
from tui_app.server.services import create_key as key_creation
from tui_app.server.services import key_actions
from tui_app.server.services.key_listing import KeyQuery, own_keys

router = APIRouter(prefix="/v1/keys", tags=["keys"], responses=ERROR_RESPONSES)

IMMUTABLE_FIELDS = {"scope", "allowed_tools", "blocked_tools", "rate_limit_rpm"}


@router.get("", response_model=KeyPage, summary="List your own keys")
def list_own_keys(
    request: Request,
    caller: KeyUser,
    status: Annotated[str | None, Query(max_length=200)] = "all",
    q: Annotated[str | None, Query(max_length=1000)] = None,
    sort: query_params.Sort = "created_at",
    order: query_params.Order = "desc",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> KeyPage:
    query = KeyQuery(statuses=query_params.statuses(request, status), q=q, sort=sort,
                     order=order, limit=limit, cursor=cursor)
    page = own_keys(backend_of(request), caller, query)
    return KeyPage(items=[AgentKeyOut.of(key) for key in page.items],
                   next_cursor=page.next_cursor)


def _fingerprint(body: KeyCreateIn) -> str:
    """The request as sent: a retry must send the same fields with the same values."""
    data = body.model_dump(mode="json", exclude_unset=True)
    return security.request_hash(json.dumps(data, sort_keys=True).encode())


@router.post("", response_model=CreatedKeyOut, status_code=201, summary="Create a key")
def create_key(
    request: Request,
    caller: KeyUser,
    body: KeyCreateIn,
    source: Source = None,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key",
                                                  max_length=300)] = None,
) -> CreatedKeyOut:
    # Absent: the default preset, within policy; null: never expires (if allowed).
    expires_at = body.expires_at if "expires_at" in body.model_fields_set else DEFAULT
    raw = NewKeyInput(
        name=body.name, description=body.description, expires_at=expires_at,
        scope=body.scope, allowed_tools=body.allowed_tools,
        blocked_tools=body.blocked_tools, rate_limit_rpm=body.rate_limit_rpm,
        accept_terms=body.accept_terms,
    )
    created = key_creation.create_key(
        backend_of(request), caller, raw, idempotency_key=idempotency_key,
        fingerprint=_fingerprint(body), source=source)
    return CreatedKeyOut(key=AgentKeyOut.of(created.key), secret=created.secret)


@router.get("/{key_id}", response_model=AgentKeyOut, summary="One key")
def get_key(request: Request, caller: KeyUser, key_id: str) -> AgentKeyOut:
    return AgentKeyOut.of(key_actions.get_key(backend_of(request), caller, key_id))


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


def _refuse_extra_fields(body: KeyPatchIn) -> None:
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


@router.patch("/{key_id}", response_model=AgentKeyOut, summary="Edit name, description, expiry")
def update_key(
    request: Request,
    caller: KeyUser,
    key_id: str,
    body: Annotated[KeyPatchIn, Body()],
    source: Source = None,
    if_match: Annotated[str | None, Header(alias="If-Match", max_length=64)] = None,
) -> AgentKeyOut:
    _refuse_extra_fields(body)
    expected = _if_match(if_match)
    sent = body.model_fields_set
    key = key_actions.edit_key(
        backend_of(request), caller, key_id,
        name=body.name if "name" in sent else UNCHANGED,
        description=body.description if "description" in sent else UNCHANGED,
        expires_at=body.expires_at if "expires_at" in sent else UNCHANGED,
        expected_version=expected, source=source,
    )
    return AgentKeyOut.of(key)


def _act(request: Request, caller: KeyUser, key_id: str, action: str,
         source: str | None) -> AgentKeyOut:
    key = key_actions.act_on_key(backend_of(request), caller, key_id, action, source=source)
    return AgentKeyOut.of(key)


@router.post("/{key_id}/revoke", response_model=AgentKeyOut, summary="Revoke (permanent)")
def revoke_key(request: Request, caller: KeyUser, key_id: str,
               source: Source = None) -> AgentKeyOut:
    return _act(request, caller, key_id, "revoke", source)


@router.post("/{key_id}/disable", response_model=AgentKeyOut, summary="Disable")
def disable_key(request: Request, caller: KeyUser, key_id: str,
                source: Source = None) -> AgentKeyOut:
    return _act(request, caller, key_id, "disable", source)


@router.post("/{key_id}/enable", response_model=AgentKeyOut, summary="Enable")
def enable_key(request: Request, caller: KeyUser, key_id: str,
               source: Source = None) -> AgentKeyOut:
    return _act(request, caller, key_id, "enable", source)


@router.delete("/{key_id}", response_model=DeletedKeyOut, summary="Delete a non-active key")
def delete_key(request: Request, caller: KeyUser, key_id: str,
               source: Source = None) -> DeletedKeyOut:
    deleted = key_actions.delete_key(backend_of(request), caller, key_id, source=source)
    return DeletedKeyOut(id=deleted.id, deleted=True,
                         used_in_last_24h=deleted.used_in_last_24h,
                         last_used_at=to_rfc3339(deleted.last_used_at))
