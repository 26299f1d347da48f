"""Teams: admins add and rename them; managers read their own."""

from __future__ import annotations

from fastapi import APIRouter, Request

from tui_app.server.api.deps import Admin, Manager, Source, backend_of
from tui_app.server.api.people_schemas import TeamIn, TeamList, TeamOut
from tui_app.server.api.schemas import ERROR_RESPONSES
from tui_app.server.services import teams

router = APIRouter(prefix="/v1/teams", tags=["teams"], responses=ERROR_RESPONSES)


@router.get("", response_model=TeamList, summary="Teams by name (managers: their own)")
def list_teams(request: Request, caller: Manager) -> TeamList:
    return TeamList(items=[TeamOut.of(t) for t in teams.list_teams(backend_of(request), caller)])


@router.post("", response_model=TeamOut, status_code=201, summary="Add a team")
def create_team(request: Request, caller: Admin, body: TeamIn,
                source: Source = None) -> TeamOut:
    return TeamOut.of(teams.create_team(backend_of(request), caller, name=body.name,
                                        source=source))


@router.patch("/{team_id}", response_model=TeamOut, summary="Rename a team (by id or name)")
def rename_team(request: Request, caller: Admin, team_id: str, body: TeamIn,
                source: Source = None) -> TeamOut:
    return TeamOut.of(teams.rename_team(backend_of(request), caller, team_id, name=body.name,
                                        source=source))
