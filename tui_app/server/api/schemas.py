"""Request and response models: the JSON contract (see domain/models.py), and the
conversions from the services' records to it.

Requests forbid unknown fields and take JSON types as they are: `true` is not a number
and `"60"` is not one either (pydantic's default would read them as 1 and 60); times are
the one field written as text. Lengths are loose where the domain validators give better
messages (names, tools); responses are exact so /openapi.json describes them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from tui_app.domain.clock import to_rfc3339
from tui_app.domain.expiry import MAX_EXTEND_DAYS
from tui_app.domain.models import (
    ActivityEntry,
    AgentKey,
    AuditEvent,
    BulkResult,
    User,
    UserRef,
)
from tui_app.domain.sanitize import is_storable


class StorableText(BaseModel):
    """A request whose text may be written to the database. JSON can spell a NUL
    (`\\u0000`), which PostgreSQL's text cannot hold: refused here, with the field's
    name, before any rule or query sees it. (Lone surrogates, which UTF-8 cannot hold,
    pydantic refuses itself.)"""

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any, _info: ValidationInfo) -> Any:
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(text, str) and not is_storable(text) for text in texts):
            raise PydanticCustomError("text_not_storable", "Input cannot be stored")
        return value


class Strict(StorableText):
    model_config = ConfigDict(extra="forbid", strict=True)


def _time_as_text(value: object) -> object:
    # Lax parsing would also take a number as seconds since 1970: 30 meant as days would
    # silently become a date in January 1970.
    if value is None or isinstance(value, str):
        return value
    raise PydanticCustomError("datetime_type", "Input should be a date and time")


# RFC 3339 text, with a time zone (a naive time is ambiguous: refused).
TimeText = Annotated[AwareDatetime, Field(strict=False), BeforeValidator(_time_as_text)]


# -- responses ------------------------------------------------------------------------


class UserRefOut(BaseModel):
    id: str
    name: str
    email: str
    role: str | None = None  # where known: who created, disabled or revoked a key

    @classmethod
    def of(cls, ref: UserRef | None) -> UserRefOut | None:
        return None if ref is None else cls(id=ref.id, name=ref.name, email=ref.email,
                                             role=ref.role or None)


class AgentKeyOut(BaseModel):
    id: str
    name: str
    description: str
    owner: UserRefOut
    created_by: UserRefOut | None
    created_at: str
    expires_at: str | None
    scope: Literal["read", "read_write"]
    allowed_tools: list[str]
    blocked_tools: list[str]
    rate_limit_rpm: int | None
    hint: str
    last_used_at: str | None
    last_used_tool: str | None
    revoked_at: str | None
    revoked_by: UserRefOut | None
    disabled_at: str | None
    disabled_by: UserRefOut | None
    status: Literal["active", "inactive", "expired", "revoked"]
    status_reason: Literal["revoked", "expired", "disabled", "owner_deactivated"] | None
    version: int

    @classmethod
    def of(cls, key: AgentKey) -> AgentKeyOut:
        ref = UserRefOut.of
        owner = key.owner
        return cls(
            id=key.id,
            name=key.name,
            description=key.description,
            owner=UserRefOut(id=owner.id, name=owner.name, email=owner.email),
            created_by=ref(key.created_by),
            created_at=to_rfc3339(key.created_at) or "",
            expires_at=to_rfc3339(key.expires_at),
            scope=key.scope,  # type: ignore[arg-type]
            allowed_tools=list(key.allowed_tools),
            blocked_tools=list(key.blocked_tools),
            rate_limit_rpm=key.rate_limit_rpm,
            hint=key.hint,
            last_used_at=to_rfc3339(key.last_used_at),
            last_used_tool=key.last_used_tool,
            revoked_at=to_rfc3339(key.revoked_at),
            revoked_by=ref(key.revoked_by),
            disabled_at=to_rfc3339(key.disabled_at),
            disabled_by=ref(key.disabled_by),
            status=key.status.value,
            status_reason=key.status_reason,  # type: ignore[arg-type]
            version=key.version,
        )


class Totals(BaseModel):
    active: int
    inactive: int
    expired: int
    revoked: int
    all: int


class KeyPage(BaseModel):
    items: list[AgentKeyOut]
    next_cursor: str | None
    totals: Totals | None = None


class CreatedKeyOut(BaseModel):
    key: AgentKeyOut
    secret: str


class DeletedKeyOut(BaseModel):
    id: str
    deleted: bool
    used_in_last_24h: bool
    last_used_at: str | None


class UserOut(BaseModel):
    id: str
    email: str
    name: str
    role: Literal["member", "manager", "admin", "service"]
    teams: list[str]
    active: bool
    created_at: str | None
    # In people listings: their keys, those working now, and the keys' last use.
    keys: int | None = None
    active_keys: int | None = None
    last_used_at: str | None = None

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(id=user.id, email=user.email, name=user.name,
                   role=user.role.value,  # type: ignore[arg-type]
                   teams=list(user.teams), active=user.active,
                   created_at=to_rfc3339(user.created_at), keys=user.keys,
                   active_keys=user.active_keys, last_used_at=to_rfc3339(user.last_used_at))


class PolicyOut(BaseModel):
    max_lifetime_days: int
    require_terms: bool
    key_env: Literal["live", "test"]


class ServerOut(BaseModel):
    version: str
    # Where agents reach this server (AGENTKEYS_PUBLIC_URL); null: the URL in use.
    public_url: str | None = None


class MeOut(BaseModel):
    user: UserOut
    policy: PolicyOut
    server: ServerOut


class UserPage(BaseModel):
    items: list[UserOut]
    next_cursor: str | None


class CreatedUserOut(BaseModel):
    user: UserOut
    token: str


class AuditEventOut(BaseModel):
    id: str
    at: str
    actor: UserRefOut | None
    action: str
    key_id: str | None
    key_name: str | None
    source: str
    details: dict[str, Any]

    @classmethod
    def of(cls, event: AuditEvent) -> AuditEventOut:
        return cls(id=event.id, at=to_rfc3339(event.at) or "", actor=UserRefOut.of(event.actor),
                   action=event.action, key_id=event.key_id, key_name=event.key_name,
                   source=event.source, details=event.details)


class AuditPage(BaseModel):
    items: list[AuditEventOut]
    next_cursor: str | None


class ActivityEntryOut(BaseModel):
    id: str
    at: str
    key_id: str
    key_name: str | None
    owner: UserRefOut | None
    channel: str
    tool: str | None
    code: str
    client: str | None
    ip: str | None
    session_id: str | None

    @classmethod
    def of(cls, entry: ActivityEntry) -> ActivityEntryOut:
        return cls(
            id=entry.id, at=to_rfc3339(entry.at) or "", key_id=entry.key_id,
            key_name=entry.key_name, owner=UserRefOut.of(entry.owner),
            channel=entry.channel, tool=entry.tool, code=entry.code, client=entry.client,
            ip=entry.ip, session_id=entry.session_id,
        )


class ActivityPage(BaseModel):
    items: list[ActivityEntryOut]
    next_cursor: str | None


class UsageDayOut(BaseModel):
    date: str
    ok: int
    refused: int


class UsageOut(BaseModel):
    days: list[UsageDayOut]


class BulkItemOut(BaseModel):
    id: str
    ok: bool
    code: str | None
    message: str | None
    key: AgentKeyOut | None

    @classmethod
    def of(cls, result: BulkResult) -> BulkItemOut:
        return cls(id=result.id, ok=result.ok, code=result.code, message=result.message,
                   key=AgentKeyOut.of(result.key) if result.key is not None else None)


class BulkOut(BaseModel):
    results: list[BulkItemOut]


class RateLimitOut(BaseModel):
    limit: int
    remaining: int
    reset_at: str


class VerifyOut(BaseModel):
    valid: bool
    code: Literal[
        "VALID", "TOKEN_MISSING", "TOKEN_MALFORMED", "TOKEN_INVALID", "TOKEN_EXPIRED",
        "TOKEN_REVOKED", "TOKEN_INACTIVE", "TOOL_FORBIDDEN", "SCOPE_FORBIDDEN",
        "RATE_LIMITED",
    ]
    message: str | None = None
    key: AgentKeyOut | None = None
    ratelimit: RateLimitOut | None = None


class HealthOut(BaseModel):
    status: str
    version: str


class ErrorBody(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorOut(BaseModel):
    error: ErrorBody


# -- requests -------------------------------------------------------------------------


class KeyCreateIn(Strict):
    name: str = Field(max_length=10_000)
    description: str | None = Field(default="", max_length=20_000)
    # Absent: the default preset (30 days, within policy); null: never (if allowed).
    expires_at: TimeText | None = None
    scope: Literal["read", "read_write"] = "read"
    allowed_tools: list[str] = Field(default_factory=list, max_length=1000)
    blocked_tools: list[str] = Field(default_factory=list, max_length=1000)
    rate_limit_rpm: int | None = None
    accept_terms: bool = False


class KeyPatchIn(StorableText):
    # Unknown fields are checked by hand: scope/tools/rpm get SCOPE_IMMUTABLE, others 422.
    model_config = ConfigDict(extra="allow", strict=True)
    name: str | None = Field(default=None, max_length=10_000)
    description: str | None = Field(default=None, max_length=20_000)
    expires_at: TimeText | None = None


class BulkIn(Strict):
    action: Literal["revoke", "disable", "enable", "extend"]
    ids: list[str] = Field(min_length=1, max_length=1000)
    days: int | None = Field(default=None, ge=1, le=MAX_EXTEND_DAYS)


class UserCreateIn(Strict):
    email: str = Field(max_length=320)
    name: str = Field(max_length=10_000)
    role: Literal["member", "manager", "admin", "service"] = "member"
    teams: list[str] = Field(default_factory=list, max_length=100)


class VerifyIn(BaseModel):
    # Generous bounds: a gateway forwards whatever its client sent, and any string it
    # sends gets 200 with a code (TOKEN_MALFORMED, TOOL_FORBIDDEN), not a 422: nothing it
    # sends is stored unless it is a valid key and a valid tool name.
    model_config = ConfigDict(extra="forbid", strict=True)
    key: str = Field(max_length=4096)
    tool: str | None = Field(default=None, max_length=4096)
    access: Literal["read", "write"] | None = None


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut}
    for status in (400, 401, 403, 404, 405, 409, 413, 422, 429, 500)
}
