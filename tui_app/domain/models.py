"""The records the API returns, as the client and the UI see them.

The JSON shapes are the HTTP contract; the server's pydantic schemas produce
exactly these fields. Parsing is tolerant of extra fields so older clients keep working.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from tui_app.domain.clock import parse_rfc3339
from tui_app.domain.roles import Role
from tui_app.domain.status import KeyStatus


@dataclass(frozen=True, slots=True)
class UserRef:
    id: str
    name: str
    email: str
    # Where it is known (who created, disabled or revoked a key): "disabled by Ada Admin
    # (admin)" tells an owner why they cannot enable their key themselves.
    role: str = ""

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> UserRef | None:
        if not data:
            return None
        return cls(id=data["id"], name=data.get("name", ""), email=data.get("email", ""),
                   role=data.get("role") or "")


@dataclass(frozen=True, slots=True)
class AgentKey:
    id: str
    name: str
    description: str
    owner: UserRef
    created_by: UserRef | None
    created_at: datetime
    expires_at: datetime | None
    scope: str
    allowed_tools: tuple[str, ...]
    blocked_tools: tuple[str, ...]
    rate_limit_rpm: int | None
    hint: str
    last_used_at: datetime | None
    last_used_tool: str | None
    revoked_at: datetime | None
    revoked_by: UserRef | None
    disabled_at: datetime | None
    disabled_by: UserRef | None
    status: KeyStatus
    status_reason: str | None
    version: int

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AgentKey:
        owner = UserRef.from_json(data["owner"])
        assert owner is not None
        return cls(
            id=data["id"],
            name=data["name"],
            description=data.get("description") or "",
            owner=owner,
            created_by=UserRef.from_json(data.get("created_by")),
            created_at=parse_rfc3339(data["created_at"]),  # type: ignore[arg-type]
            expires_at=parse_rfc3339(data.get("expires_at")),
            scope=data["scope"],
            allowed_tools=tuple(data.get("allowed_tools") or ()),
            blocked_tools=tuple(data.get("blocked_tools") or ()),
            rate_limit_rpm=data.get("rate_limit_rpm"),
            hint=data["hint"],
            last_used_at=parse_rfc3339(data.get("last_used_at")),
            last_used_tool=data.get("last_used_tool"),
            revoked_at=parse_rfc3339(data.get("revoked_at")),
            revoked_by=UserRef.from_json(data.get("revoked_by")),
            disabled_at=parse_rfc3339(data.get("disabled_at")),
            disabled_by=UserRef.from_json(data.get("disabled_by")),
            status=KeyStatus(data["status"]),
            status_reason=data.get("status_reason"),
            version=data["version"],
        )


@dataclass(frozen=True, slots=True)
class Policy:
    max_lifetime_days: int
    require_terms: bool
    key_env: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Policy:
        return cls(
            max_lifetime_days=data["max_lifetime_days"],
            require_terms=data.get("require_terms", False),
            key_env=data.get("key_env", "live"),
        )


@dataclass(frozen=True, slots=True)
class User:
    id: str
    email: str
    name: str
    role: Role
    teams: tuple[str, ...]
    active: bool
    created_at: datetime | None = None
    # In people listings only (None elsewhere): their keys, those that work now, and
    # the last time any of them was used.
    keys: int | None = None
    active_keys: int | None = None
    last_used_at: datetime | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> User:
        return cls(
            id=data["id"],
            email=data["email"],
            name=data["name"],
            role=Role(data["role"]),
            teams=tuple(data.get("teams") or ()),
            active=data.get("active", True),
            created_at=parse_rfc3339(data.get("created_at")),
            keys=data.get("keys"),
            active_keys=data.get("active_keys"),
            last_used_at=parse_rfc3339(data.get("last_used_at")),
        )


@dataclass(frozen=True, slots=True)
class Team:
    id: str
    name: str
    members: int = 0
    created_at: datetime | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Team:
        return cls(id=data["id"], name=data["name"], members=data.get("members", 0),
                   created_at=parse_rfc3339(data.get("created_at")))


@dataclass(frozen=True, slots=True)
class Me:
    user: User
    policy: Policy
    server_version: str
    # Where agents reach the server, when it says (else: the URL this client uses).
    public_url: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Me:
        server = data.get("server", {})
        return cls(
            user=User.from_json(data["user"]),
            policy=Policy.from_json(data["policy"]),
            server_version=server.get("version", ""),
            public_url=server.get("public_url") or None,
        )


@dataclass(frozen=True, slots=True)
class AuditEvent:
    id: str
    at: datetime
    actor: UserRef | None
    action: str
    key_id: str | None
    key_name: str | None
    source: str
    details: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AuditEvent:
        return cls(
            id=data["id"],
            at=parse_rfc3339(data["at"]),  # type: ignore[arg-type]
            actor=UserRef.from_json(data.get("actor")),
            action=data["action"],
            key_id=data.get("key_id"),
            key_name=data.get("key_name"),
            source=data.get("source", "api"),
            details=data.get("details") or {},
        )


@dataclass(frozen=True, slots=True)
class ActivityEntry:
    """One use of an agent key: a verify, a whoami or an MCP tool call, and its result
    (`code` is VALID or why it was refused). What agents did, apart from the audit log
    of what people changed."""

    id: str
    at: datetime
    key_id: str
    key_name: str | None  # None once the key is deleted
    owner: UserRef | None
    channel: str  # verify, whoami, mcp
    tool: str | None
    code: str
    client: str | None
    ip: str | None
    session_id: str | None = None

    @property
    def ok(self) -> bool:
        return self.code == "VALID"

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ActivityEntry:
        return cls(
            id=data["id"],
            at=parse_rfc3339(data["at"]),  # type: ignore[arg-type]
            key_id=data["key_id"],
            key_name=data.get("key_name"),
            owner=UserRef.from_json(data.get("owner")),
            channel=data["channel"],
            tool=data.get("tool"),
            code=data["code"],
            client=data.get("client"),
            ip=data.get("ip"),
            session_id=data.get("session_id"),
        )


@dataclass(frozen=True, slots=True)
class UsageDay:
    """A key's calls on one UTC day: accepted and refused."""

    date: date
    ok: int
    refused: int

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> UsageDay:
        return cls(date=date.fromisoformat(data["date"]), ok=int(data["ok"]),
                   refused=int(data["refused"]))


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    next_cursor: str | None
    totals: dict[str, int] | None = None


@dataclass(frozen=True, slots=True)
class CreatedKey:
    key: AgentKey
    secret: str

    def __repr__(self) -> str:  # never let a secret reach a log through repr()
        return f"CreatedKey(key={self.key.id!r}, secret='…')"


@dataclass(frozen=True, slots=True)
class BulkResult:
    id: str
    ok: bool
    code: str | None
    message: str | None
    key: AgentKey | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BulkResult:
        return cls(
            id=data["id"],
            ok=data["ok"],
            code=data.get("code"),
            message=data.get("message"),
            key=AgentKey.from_json(data["key"]) if data.get("key") else None,
        )
