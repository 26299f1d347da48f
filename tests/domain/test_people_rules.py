"""The rules about people: an edit's fields, a team's name, the last active admin."""

from __future__ import annotations

import pytest

from tui_app.domain.checks import UNCHANGED, FieldErrors, check_person_edit, check_team_name
from tui_app.domain.people import removes_last_admin
from tui_app.domain.roles import Role


def test_an_edit_checks_only_what_it_changes() -> None:
    edit = check_person_edit(name="  Ann  ", teams=["red", " red ", "blue"])
    assert edit.name == "Ann" and edit.role is UNCHANGED and edit.teams == ("red", "blue")
    assert check_person_edit(teams=[]).teams == ()
    with pytest.raises(FieldErrors) as caught:
        check_person_edit(name="", role="root", teams=["ok", "a\u202eb"])
    assert set(caught.value.by_field()) == {"name", "role", "teams"}
    with pytest.raises(FieldErrors):
        check_person_edit(name=None)


@pytest.mark.parametrize("bad", ["", "   ", "x" * 101, "a\x1bb", "\u200bzero", 7, None])
def test_a_team_name_is_refused_with_the_names_field(bad: object) -> None:
    with pytest.raises(FieldErrors) as caught:
        check_team_name(bad)
    assert list(caught.value.by_field()) == ["name"]


def test_a_team_name_is_trimmed() -> None:
    assert check_team_name("  Platform ") == "Platform"


@pytest.mark.parametrize(("role", "active", "new_role", "deactivating", "admins", "removes"), [
    (Role.ADMIN, True, Role.MEMBER, False, 1, True),
    (Role.ADMIN, True, None, True, 1, True),
    (Role.ADMIN, True, Role.ADMIN, False, 1, False),
    (Role.ADMIN, True, Role.MEMBER, False, 2, False),
    (Role.ADMIN, False, Role.MEMBER, False, 1, False),  # an inactive admin is not counted
    (Role.MANAGER, True, Role.MEMBER, True, 1, False),
])
def test_the_last_active_admin_stays(role: Role, active: bool, new_role: Role | None,
                                     deactivating: bool, admins: int, removes: bool) -> None:
    assert removes_last_admin(role=role, active=active, new_role=new_role,
                              deactivating=deactivating, active_admins=admins) is removes
