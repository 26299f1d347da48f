"""Teams: listed (admins all, managers their own), added and renamed by admins.

A person joins or leaves teams through an edit of the person (user_changes)."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from tui_app.domain.checks import check_team_name
from tui_app.domain.errors import Conflict, NotFound
from tui_app.domain.models import Team
from tui_app.server.services.backend import Backend
from tui_app.server.services.visibility import visible_people
from tui_app.server.store import audit as audit_store
from tui_app.server.store import db
from tui_app.server.store import people as people_store
from tui_app.server.store import users as users_store
from tui_app.server.store.users import Caller


def list_teams(backend: Backend, caller: Caller) -> list[Team]:
    within = visible_people(caller)
    with db.read_tx(backend.engine) as conn:
        return people_store.list_teams(conn, within)


def _name_taken(name: str) -> Conflict:
    return Conflict(f"A team named {name!r} already exists.")


def create_team(backend: Backend, caller: Caller, *, name: object,
                source: str | None = None) -> Team:
    clean = check_team_name(name)
    now = backend.now()
    try:
        with backend.engine.begin() as conn:
            if people_store.team_named(conn, clean) is not None:
                raise _name_taken(clean)
            team_id = people_store.create_team(conn, clean, now)
            audit_store.record(conn, now=now, actor=caller, action="team.created",
                               source=source, details={"team_id": team_id, "name": clean})
            team = people_store.get_team(conn, team_id)
    except IntegrityError:  # the same name, added by a concurrent request
        raise _name_taken(clean) from None
    assert team is not None
    return team


def rename_team(backend: Backend, caller: Caller, team_id: str, *, name: object,
                source: str | None = None) -> Team:
    """`team_id`: the team's id or its current name."""
    clean = check_team_name(name)
    now = backend.now()
    try:
        with backend.engine.begin() as conn:
            found = users_store.find_team_id(conn, team_id[:255])
            team = None if found is None else people_store.get_team(conn, found)
            if team is None:
                raise NotFound("team")
            other = people_store.team_named(conn, clean)
            if other is not None and other != team.id:
                raise _name_taken(clean)
            if clean != team.name:
                people_store.rename_team(conn, team.id, clean)
                audit_store.record(conn, now=now, actor=caller, action="team.renamed",
                                   source=source,
                                   details={"team_id": team.id, "before": {"name": team.name},
                                            "after": {"name": clean}})
            renamed = people_store.get_team(conn, team.id)
    except IntegrityError:
        raise _name_taken(clean) from None
    assert renamed is not None
    return renamed
