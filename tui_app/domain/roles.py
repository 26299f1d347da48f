"""Roles and what each may do."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    MEMBER = "member"
    MANAGER = "manager"
    ADMIN = "admin"
    SERVICE = "service"

    @property
    def manages_keys(self) -> bool:
        return self is not Role.SERVICE

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
