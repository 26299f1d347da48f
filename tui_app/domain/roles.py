"""Roles and what each may do."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    MEMBER = "member"
    MANAGER = "manager"
    ADMIN = "admin"
    SERVICE = "service"

    @property
    def sees_admin_view(self) -> bool:
        return self in (Role.MANAGER, Role.ADMIN)

    @property
    def may_verify(self) -> bool:
        return self in (Role.SERVICE, Role.ADMIN)

    @property
    def may_write(self) -> bool:
        """Whether keys owned by this role may be given read_write scope."""
        return self in (Role.MEMBER, Role.MANAGER, Role.ADMIN)


def may_enable(*, disabled_by: str | None, owner_id: str, caller_id: str,
               caller_role: Role) -> bool:
    """Whether the caller (who may act on the key) may enable it again. A key disabled by
    a manager or an admin stays disabled for its owner, so an organisation's triage
    sticks: only a manager of the owner or an admin enables it. An owner's own disable
    (or a program's, through the owner's key) the owner may undo."""
    if disabled_by is None or disabled_by == owner_id:
        return True
    return caller_id != owner_id or caller_role is Role.ADMIN
