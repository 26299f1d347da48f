"""Whole requests checked at once: a new key, an edit, a new person.

The server's routes, the TUI's forms and the CLI all call these, so a rule and its
message exist once. Every field is checked and every problem reported together
(`FieldErrors`), so a form can mark all of its fields at the same time; the result is
the cleaned values, ready to store or send.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any, Final

from tui_app.domain import expiry as expiry_rules
from tui_app.domain.models import Policy
from tui_app.domain.roles import Role
from tui_app.domain.validation import (
    FieldError,
    Scope,
    validate_description,
    validate_email,
    validate_expiry,
    validate_name,
    validate_person_name,
    validate_rate_limit,
    validate_scope,
    validate_team_names,
    validate_tool_lists,
    validate_tools,
)


class Default:
    def __repr__(self) -> str:
        return "DEFAULT"


DEFAULT: Final = Default()
"""No expiry given: the default preset (30 days), within the server's policy."""


class FieldErrors(ValueError):
    """Every problem of a request at once, in field order."""

    def __init__(self, errors: Iterable[FieldError]) -> None:
        self.errors = tuple(errors)
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in self.errors))

    def by_field(self) -> dict[str, str]:
        """{field: its first message}: what a form shows beside each field."""
        out: dict[str, str] = {}
        for error in self.errors:
            out.setdefault(error.field, error.message)
        return out


class _Collector:
    """Runs each check, keeping its value or its error."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def run(self, check: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return check(*args, **kwargs)
        except FieldError as error:
            self.errors.append(error)
            return None

    def add(self, field: str, message: str) -> None:
        self.errors.append(FieldError(field, message))

    def raise_any(self) -> None:
        if self.errors:
            raise FieldErrors(self.errors)


# -- a new key -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewKeyInput:
    """A new key as typed or sent, before any check. `expires_at` is an instant, None for
    "never", a quick-select choice (resolved in the person's time zone), or DEFAULT."""

    name: object
    description: object = ""
    expires_at: datetime | expiry_rules.ExpiryChoice | Default | None = DEFAULT
    scope: object = Scope.READ.value
    allowed_tools: object = ()
    blocked_tools: object = ()
    rate_limit_rpm: object = None
    accept_terms: bool = False


@dataclass(frozen=True, slots=True)
class NewKey:
    """A new key whose every field is valid: what is stored, or sent to the server."""

    name: str
    description: str
    expires_at: datetime | None
    scope: Scope
    allowed_tools: tuple[str, ...]
    blocked_tools: tuple[str, ...]
    rate_limit_rpm: int | None


def check_new_key(raw: NewKeyInput, *, role: Role, policy: Policy, now: datetime,
                  zone: tzinfo = UTC) -> NewKey:
    """Raises FieldErrors with every problem."""
    found = _Collector()
    name = found.run(validate_name, raw.name)
    description = found.run(validate_description, raw.description)
    expires_at = found.run(_expiry, raw.expires_at, policy=policy, now=now, zone=zone)
    scope = found.run(validate_scope, raw.scope)
    if scope is Scope.READ_WRITE and not role.may_write:
        found.add("scope", "Your role may only create read keys.")
    allowed = found.run(validate_tools, "allowed_tools", raw.allowed_tools)
    blocked = found.run(validate_tools, "blocked_tools", raw.blocked_tools)
    if allowed is not None and blocked is not None:
        found.run(validate_tool_lists, allowed, blocked)
    rpm = found.run(validate_rate_limit, raw.rate_limit_rpm)
    if policy.require_terms and not raw.accept_terms:
        found.add("accept_terms", "Accept the terms of use to create a key.")
    found.raise_any()
    return NewKey(name=name, description=description, expires_at=expires_at, scope=scope,
                  allowed_tools=tuple(allowed), blocked_tools=tuple(blocked),
                  rate_limit_rpm=rpm)


def _expiry(value: datetime | expiry_rules.ExpiryChoice | Default | None, *,
            policy: Policy, now: datetime, zone: tzinfo) -> datetime | None:
    if isinstance(value, Default):
        value = expiry_rules.default_expiry(now, policy.max_lifetime_days)
    elif isinstance(value, expiry_rules.ExpiryChoice):
        value = value.resolve(now, zone)
    return validate_expiry(value, now=now, max_lifetime_days=policy.max_lifetime_days)


# -- an edit ---------------------------------------------------------------------------


class Unchanged:
    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED: Final = Unchanged()
"""A field an edit leaves as it is."""


@dataclass(frozen=True, slots=True)
class KeyEdit:
    """The fields an edit changes, each valid; UNCHANGED for the others."""

    name: str | Unchanged = UNCHANGED
    description: str | Unchanged = UNCHANGED
    expires_at: datetime | Unchanged | None = UNCHANGED

    def changes(self) -> Iterator[tuple[str, Any]]:
        """(field, new value) for each field the edit sets."""
        for field in ("name", "description", "expires_at"):
            value = getattr(self, field)
            if not isinstance(value, Unchanged):
                yield field, value


def check_key_edit(
    *, name: object = UNCHANGED, description: object = UNCHANGED,
    expires_at: datetime | expiry_rules.ExpiryChoice | Unchanged | None = UNCHANGED,
    policy: Policy, now: datetime, zone: tzinfo = UTC,
) -> KeyEdit:
    """Raises FieldErrors with every problem. Extending an expired key is an edit of
    its expiry like any other."""
    found = _Collector()
    values: dict[str, Any] = {}
    if not isinstance(name, Unchanged):
        values["name"] = found.run(validate_name, name)
    if not isinstance(description, Unchanged):
        values["description"] = found.run(validate_description, description)
    if not isinstance(expires_at, Unchanged):
        values["expires_at"] = found.run(_expiry, expires_at, policy=policy, now=now,
                                         zone=zone)
    found.raise_any()
    return KeyEdit(**values)


# -- a new person ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewPerson:
    email: str
    name: str
    role: Role
    teams: tuple[str, ...]


def check_new_person(*, email: object, name: object, role: object,
                     teams: object = ()) -> NewPerson:
    """Raises FieldErrors with every problem."""
    found = _Collector()
    clean_email = found.run(validate_email, email)
    clean_name = found.run(validate_person_name, name)
    clean_role = found.run(_role, role)
    clean_teams = found.run(validate_team_names, teams)
    found.raise_any()
    return NewPerson(email=clean_email, name=clean_name, role=clean_role,
                     teams=tuple(clean_teams))


def _role(value: object) -> Role:
    try:
        return Role(str(value))
    except ValueError:
        raise FieldError("role", "Role must be member, manager, admin or service.") from None


# -- an edit of a person, a team's name ------------------------------------------------


@dataclass(frozen=True, slots=True)
class PersonEdit:
    """The fields an edit of a person changes, each valid; UNCHANGED for the others.
    `teams` replaces the person's teams."""

    name: str | Unchanged = UNCHANGED
    role: Role | Unchanged = UNCHANGED
    teams: tuple[str, ...] | Unchanged = UNCHANGED


def check_person_edit(*, name: object = UNCHANGED, role: object = UNCHANGED,
                      teams: object = UNCHANGED) -> PersonEdit:
    """Raises FieldErrors with every problem."""
    found = _Collector()
    values: dict[str, Any] = {}
    if not isinstance(name, Unchanged):
        values["name"] = found.run(validate_person_name, name)
    if not isinstance(role, Unchanged):
        values["role"] = found.run(_role, role)
    if not isinstance(teams, Unchanged):
        clean_teams = found.run(validate_team_names, teams)
        values["teams"] = None if clean_teams is None else tuple(clean_teams)
    found.raise_any()
    return PersonEdit(**values)


def check_team_name(value: object) -> str:
    """A team's own name (add, rename). Raises FieldErrors."""
    found = _Collector()
    if not isinstance(value, str):
        raise FieldErrors([FieldError("name", "The team's name must be text.")])
    names = found.run(validate_team_names, [value])
    # The list's rule speaks of "teams"; here the field is the team's own name.
    found.errors = [FieldError("name", e.message.replace("Each team name", "The team's name"))
                    for e in found.errors]
    found.raise_any()
    return str(names[0])
