"""Field rules shared by the server, the CLI and the TUI's forms.

Each function returns the cleaned value or raises FieldError with a message a person
understands; the server turns FieldErrors into VALIDATION_FAILED details per field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from tui_app.domain.expiry import latest_allowed_expiry
from tui_app.domain.field_error import FieldError
from tui_app.domain.keyformat import looks_like_token
from tui_app.domain.sanitize import clean, has_unsafe

NAME_MAX = 255
DESCRIPTION_MAX = 1000
# Patterns that guard access are matched whole, with fullmatch: "$" would also match
# before a final newline, and "delete\n" would pass for "delete".
TOOL_PATTERN = re.compile(r"[A-Za-z0-9_.-]{1,64}")
TOOLS_MAX = 100
RPM_MIN, RPM_MAX = 1, 100_000
EXPIRY_HORIZON_DAYS = 36_500  # the farthest expiry any policy allows


class Scope(StrEnum):
    READ = "read"
    READ_WRITE = "read_write"


def scope_words(scope: str) -> str:
    """How people read a scope ("read and write"); JSON and the API keep the value."""
    return "read and write" if scope == Scope.READ_WRITE else scope


INVISIBLE_MESSAGE = "has invisible characters (control, bidi or zero-width); remove them."
TOKEN_NOT_SHOWN = "(a key, not shown)"


def shown_input(value: str, limit: int = 70) -> str:
    """A refused value as an error message may quote it: safe to print, short, and never
    a secret (someone may paste a key into the wrong field)."""
    if looks_like_token(value):
        return TOKEN_NOT_SHOWN
    text = clean(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _refuse_secret(field: str, label: str, text: str) -> None:
    # Whatever is stored here is shown in lists, audit entries and exports for good.
    if looks_like_token(text):
        raise FieldError(field, f"{label} holds what looks like a key or token; never paste "
                                "a key here.")


def is_tool_name(value: object) -> bool:
    """What allowed_tools and blocked_tools may hold, and what verify compares exactly."""
    return (isinstance(value, str) and TOOL_PATTERN.fullmatch(value) is not None
            and not looks_like_token(value))


_DIGITS = re.compile(r"[0-9]{1,18}")


def whole_number(text: str) -> int | None:
    """The value of a plain decimal number of up to 18 digits, else None. ASCII digits
    only: str.isdigit() is also true for "²", which int() refuses."""
    text = text.strip()
    return int(text) if _DIGITS.fullmatch(text) else None


def validate_name(value: object) -> str:
    """A key's name."""
    return _name(value, missing="Give the key a name, so you can tell it apart later.")


def _name(value: object, *, missing: str) -> str:
    """A name as people see it in lists: text, not blank, not too long, nothing
    invisible, and never a pasted secret."""
    if not isinstance(value, str):
        raise FieldError("name", "Name must be text.")
    name = value.strip()
    if not name:
        raise FieldError("name", missing)
    if len(name) > NAME_MAX:
        raise FieldError("name", f"Name is {len(name)} characters; the limit is {NAME_MAX}.")
    if has_unsafe(name):
        raise FieldError("name", f"Name {INVISIBLE_MESSAGE}")
    _refuse_secret("name", "The name", name)
    return name


def validate_description(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise FieldError("description", "Description must be text.")
    description = value.strip()
    if len(description) > DESCRIPTION_MAX:
        raise FieldError(
            "description",
            f"Description is {len(description)} characters; the limit is {DESCRIPTION_MAX}.",
        )
    # Line breaks and tabs are fine in a description; other control characters are not.
    if has_unsafe(description.replace("\n", "").replace("\t", "")):
        raise FieldError("description", f"Description {INVISIBLE_MESSAGE}")
    _refuse_secret("description", "The description", description)
    return description


def validate_scope(value: object) -> Scope:
    try:
        return Scope(str(value))
    except ValueError:
        raise FieldError("scope", "Scope must be read or read_write.") from None


def validate_tools(field: str, value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [part for part in re.split(r"[,\s]+", value) if part]
    if not isinstance(value, list | tuple):
        raise FieldError(field, "Tools must be a list of tool names.")
    tools: list[str] = []
    for tool in value:
        if isinstance(tool, str) and looks_like_token(tool):
            raise FieldError(
                field, "That looks like a key or token, not a tool name; never paste a "
                "key here. Tool names are 1–64 letters, digits, _ . or -.",  # noqa: RUF001
            )
        if not is_tool_name(tool):
            shown = shown_input(tool) if isinstance(tool, str) else "?"
            raise FieldError(
                field,
                f"'{shown}' is not a tool name: use 1–64 letters, digits, _ . or -.",  # noqa: RUF001
            )
        if tool not in tools:
            tools.append(tool)
    if len(tools) > TOOLS_MAX:
        raise FieldError(field, f"At most {TOOLS_MAX} tools; this list has {len(tools)}.")
    return tools


def validate_rate_limit(value: object) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        number = whole_number(value)
        if number is None:
            raise FieldError("rate_limit_rpm", "Requests per minute must be a whole number.")
        value = number
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldError("rate_limit_rpm", "Requests per minute must be a whole number.")
    if not RPM_MIN <= value <= RPM_MAX:
        raise FieldError(
            "rate_limit_rpm",
            f"Requests per minute must be between {RPM_MIN} and {RPM_MAX:,}, or empty for none.",
        )
    return value


def validate_tool_lists(allowed: Iterable[str], blocked: Iterable[str]) -> None:
    both = set(allowed) & set(blocked)
    if both:
        raise FieldError(
            "blocked_tools",
            f"{', '.join(sorted(both))} cannot be both allowed and blocked.",
        )


def validate_expiry(
    expires_at: datetime | None, *, now: datetime, max_lifetime_days: int
) -> datetime | None:
    if expires_at is None:
        if max_lifetime_days > 0:
            raise FieldError(
                "expires_at",
                f"Keys must expire: this server allows at most {max_lifetime_days} days.",
            )
        return None
    if expires_at.tzinfo is None or expires_at.utcoffset() is None:
        raise FieldError(
            "expires_at", "The expiry needs a time zone, such as 2026-01-31T23:59:59Z."
        )
    try:
        expires_at = expires_at.astimezone(UTC)
    except OverflowError:  # e.g. 9999-12-31T23:59:59-05:00 is past year 9999 in UTC
        expires_at = datetime.max.replace(tzinfo=UTC)
    if expires_at <= now:
        raise FieldError("expires_at", "The expiry date is in the past; pick a future date.")
    if expires_at > now + timedelta(days=EXPIRY_HORIZON_DAYS):
        # Even without a lifetime limit: a date this far is a typo, and "never" exists.
        raise FieldError(
            "expires_at", "Pick an expiry within 100 years, or no expiration if allowed."
        )
    latest = latest_allowed_expiry(now, max_lifetime_days)
    if latest is not None and expires_at > latest:
        raise FieldError(
            "expires_at",
            f"This server allows keys to live at most {max_lifetime_days} days.",
        )
    return expires_at


EMAIL_MAX = 320
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+")
TEAM_MAX = 100


def validate_email(value: object) -> str:
    if not isinstance(value, str):
        raise FieldError("email", "Email must be text.")
    email = value.strip().lower()
    well_formed = EMAIL_PATTERN.fullmatch(email) is not None and not has_unsafe(email)
    if not email or len(email) > EMAIL_MAX or not well_formed:
        raise FieldError("email", "Give an email address such as ada@example.com.")
    return email


def validate_person_name(value: object) -> str:
    return _name(value, missing="Give the person's name.")


def validate_team_names(value: object) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise FieldError("teams", "Teams must be a list of team names.")
    teams: list[str] = []
    for item in value:
        if not isinstance(item, str) or not item.strip() or len(item.strip()) > TEAM_MAX:
            raise FieldError("teams", f"Each team name must be 1 to {TEAM_MAX} characters.")
        if has_unsafe(item):
            raise FieldError("teams", f"A team name {INVISIBLE_MESSAGE}")
        _refuse_secret("teams", "A team name", item)
        if item.strip() not in teams:
            teams.append(item.strip())
    return teams
