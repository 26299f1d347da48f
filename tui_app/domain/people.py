"""Who may change whom: the organisation always keeps an active admin.

A person's fields are checked in `checks` (check_new_person, check_person_edit).
"""

from __future__ import annotations

from typing import Final

from tui_app.domain.roles import Role

LAST_ADMIN: Final = ("This is the last active admin: make someone else an admin first, "
                     "or nobody could manage people any more.")


def removes_last_admin(*, role: Role, active: bool, new_role: Role | None,
                       deactivating: bool, active_admins: int) -> bool:
    """Whether a change of this person leaves the organisation without an active admin:
    the last active admin may be neither demoted nor deactivated."""
    if role is not Role.ADMIN or not active or active_admins > 1:
        return False
    return deactivating or (new_role is not None and new_role is not Role.ADMIN)
