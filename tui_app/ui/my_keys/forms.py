"""What the create and edit forms produce, and the pure parsing behind them.

The modals only collect strings; turning them into a request lives here, without
Textual, so the rules can be tested directly and the messages are the server's own
(tui_app/domain/validation.py is shared with the server).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any, Final

from tui_app.domain import expiry as expiry_rules
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
    validate_scope,
    validate_tool_lists,
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


class Unchanged:
    """Marks an edit that leaves the expiry as it is (None would mean "never")."""

    _instance: Unchanged | None = None

    def __new__(cls) -> Unchanged:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED: Final = Unchanged()


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
        return not isinstance(self.expires_at, Unchanged)

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
    """Validate every field; raises FormErrors with all problems, not just the first."""
    errors: dict[str, str] = {}

    def attempt(field_name: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except FieldError as err:
            errors.setdefault(err.field or field_name, err.message)
            return None

    name = attempt("name", validate_name, form.name)
    description = attempt("description", validate_description, form.description)
    expires_at = attempt(
        "expires_at", check_expiry, form.expiry, now=now, zone=zone, policy=policy
    )
    scope = attempt("scope", validate_scope, form.scope)
    if scope is Scope.READ_WRITE and not role.may_write:
        errors["scope"] = "Your role may only create read keys."
    allowed = attempt("allowed_tools", validate_tools, "allowed_tools", form.allowed_tools)
    blocked = attempt("blocked_tools", validate_tools, "blocked_tools", form.blocked_tools)
    if allowed is not None and blocked is not None:
        attempt("blocked_tools", validate_tool_lists, allowed, blocked)
    rpm = attempt("rate_limit_rpm", validate_rate_limit, form.rate_limit_rpm)
    if policy.require_terms and not form.accept_terms:
        errors["accept_terms"] = "Accept the terms of use to create a key."
    if errors:
        raise FormErrors(errors)
    return NewKeyRequest(
        name=name,
        description=description,
        expires_at=expires_at,
        scope=Scope(scope).value,
        allowed_tools=tuple(allowed),
        blocked_tools=tuple(blocked),
        rate_limit_rpm=rpm,
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
    errors: dict[str, str] = {}
    clean_name = clean_description = ""
    expires_at: datetime | Unchanged | None = UNCHANGED
    try:
        clean_name = validate_name(name)
    except FieldError as err:
        errors["name"] = err.message
    try:
        clean_description = validate_description(description)
    except FieldError as err:
        errors["description"] = err.message
    if expiry is not None:
        try:
            expires_at = check_expiry(expiry, now=now, zone=zone, policy=policy)
        except FieldError as err:
            errors["expires_at"] = err.message
    if errors:
        raise FormErrors(errors)
    return KeyEdit(
        name=clean_name, description=clean_description, expires_at=expires_at, if_match=version
    )


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
