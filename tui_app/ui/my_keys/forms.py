"""What the create and edit forms produce, from what was typed.

The modals only collect strings; turning them into a request lives here, without
Textual. The rules and their messages are the domain's (domain/checks.py: the server and
the CLI check the same requests the same way); this module adds what only a form has —
the raw typed values, the idempotency key, the version the edit was opened on.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any, Final

from tui_app.domain import expiry as expiry_rules
from tui_app.domain.checks import (
    UNCHANGED,
    FieldErrors,
    NewKeyInput,
    Unchanged,
    check_key_edit,
    check_new_key,
)
from tui_app.domain.expiry import ExpiryChoice
from tui_app.domain.models import Policy
from tui_app.domain.roles import Role
from tui_app.domain.validation import (
    FieldError,
    Scope,
    validate_description,
    validate_expiry,
    validate_name,
    validate_rate_limit,
    validate_tools,
)

FIELDS: Final = (
    "name",
    "description",
    "expires_at",
    "scope",
    "allowed_tools",
    "blocked_tools",
    "rate_limit_rpm",
    "accept_terms",
)


@dataclass(frozen=True, slots=True)
class NewKeyRequest:
    name: str
    description: str
    expires_at: datetime | None
    scope: str
    allowed_tools: tuple[str, ...]
    blocked_tools: tuple[str, ...]
    rate_limit_rpm: int | None
    accept_terms: bool
    idempotency_key: str

    def as_create_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ApiClient.create_key, so callers need not repeat fields."""
        return {
            "name": self.name,
            "description": self.description,
            "expires_at": self.expires_at,
            "scope": self.scope,
            "allowed_tools": self.allowed_tools,
            "blocked_tools": self.blocked_tools,
            "rate_limit_rpm": self.rate_limit_rpm,
            "accept_terms": self.accept_terms,
            "idempotency_key": self.idempotency_key,
        }


@dataclass(frozen=True, slots=True)
class KeyEdit:
    name: str
    description: str
    expires_at: datetime | Unchanged | None
    if_match: int

    @property
    def expiry_changed(self) -> bool:
        return self.expires_at is not UNCHANGED

    def as_update_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ApiClient.update_key (add the key id yourself)."""
        kwargs: dict[str, Any] = {
            "name": self.name,
            "description": self.description,
            "if_match": self.if_match,
        }
        if self.expiry_changed:
            kwargs["expires_at"] = self.expires_at
        return kwargs


class FormErrors(ValueError):
    """Every field problem of a form at once: {field: message}."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def new_idempotency_key() -> str:
    return str(uuid.uuid4())


# -- expiry choice ---------------------------------------------------------------------


def check_expiry(
    choice: ExpiryChoice, *, now: datetime, zone: tzinfo, policy: Policy
) -> datetime | None:
    expires_at = choice.resolve(now, zone)
    return validate_expiry(expires_at, now=now, max_lifetime_days=policy.max_lifetime_days)


# -- single fields (used for inline messages as the user types) --------------------------


def check_field(field_name: str, raw: str) -> str | None:
    """The message for one text field's raw value, or None if it is fine."""
    try:
        if field_name == "name":
            validate_name(raw)
        elif field_name == "description":
            validate_description(raw)
        elif field_name in ("allowed_tools", "blocked_tools"):
            validate_tools(field_name, raw)
        elif field_name == "rate_limit_rpm":
            validate_rate_limit(raw)
    except FieldError as err:
        return err.message
    return None


@dataclass(slots=True)
class NewKeyForm:
    """The raw values of the create form, as typed."""

    name: str = ""
    description: str = ""
    expiry: ExpiryChoice = field(
        default_factory=lambda: ExpiryChoice(expiry_rules.DEFAULT_PRESET)
    )
    scope: str = Scope.READ.value
    allowed_tools: str = ""
    blocked_tools: str = ""
    rate_limit_rpm: str = ""
    accept_terms: bool = False


def parse_new_key(
    form: NewKeyForm,
    *,
    policy: Policy,
    role: Role,
    now: datetime,
    zone: tzinfo,
    idempotency_key: str,
) -> NewKeyRequest:
    """Check every field; raises FormErrors with all problems, not just the first."""
    try:
        key = check_new_key(
            NewKeyInput(
                name=form.name,
                description=form.description,
                expires_at=form.expiry,
                scope=form.scope,
                allowed_tools=form.allowed_tools,
                blocked_tools=form.blocked_tools,
                rate_limit_rpm=form.rate_limit_rpm,
                accept_terms=form.accept_terms,
            ),
            role=role, policy=policy, now=now, zone=zone,
        )
    except FieldErrors as errors:
        raise FormErrors(errors.by_field()) from None
    return NewKeyRequest(
        name=key.name,
        description=key.description,
        expires_at=key.expires_at,
        scope=key.scope.value,
        allowed_tools=key.allowed_tools,
        blocked_tools=key.blocked_tools,
        rate_limit_rpm=key.rate_limit_rpm,
        accept_terms=form.accept_terms,
        idempotency_key=idempotency_key,
    )


def parse_key_edit(
    *,
    name: str,
    description: str,
    expiry: ExpiryChoice | None,
    version: int,
    policy: Policy,
    now: datetime,
    zone: tzinfo,
) -> KeyEdit:
    """expiry=None keeps the current expiry; raises FormErrors with every problem."""
    try:
        edit = check_key_edit(name=name, description=description,
                              expires_at=UNCHANGED if expiry is None else expiry,
                              policy=policy, now=now, zone=zone)
    except FieldErrors as errors:
        raise FormErrors(errors.by_field()) from None
    assert isinstance(edit.name, str) and isinstance(edit.description, str)  # both given
    return KeyEdit(name=edit.name, description=edit.description, expires_at=edit.expires_at,
                   if_match=version)


# -- wording -------------------------------------------------------------------------------


def relative_days(when: datetime, now: datetime) -> str:
    """'in 30 days', 'in 5 h', '3 days ago' — coarse on purpose, for a form's summary."""
    seconds = (when - now).total_seconds()
    future = seconds >= 0
    seconds = abs(seconds)
    if seconds >= 86_400:
        amount, unit = round(seconds / 86_400), "day"
    elif seconds >= 3_600:
        amount, unit = round(seconds / 3_600), "h"
    else:
        amount, unit = max(1, round(seconds / 60)), "min"
    text = f"{amount} {unit}" if unit != "day" else f"{amount} day{'s' if amount != 1 else ''}"
    return f"in {text}" if future else f"{text} ago"


def describe_instant(when: datetime, zone: tzinfo) -> str:
    local = when.astimezone(zone)
    return local.strftime("%a %d %b %Y %H:%M ") + (local.tzname() or "")


def local_zone() -> tzinfo:
    zone = datetime.now().astimezone().tzinfo
    assert zone is not None
    return zone
