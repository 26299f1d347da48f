"""Request and response models of people and teams (see schemas.py for the rules)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from tui_app.domain.clock import to_rfc3339
from tui_app.domain.models import Team
from tui_app.server.api.schemas import Strict, UserOut


class UserChangeOut(UserOut):
    """A deactivation's or reactivation's answer: the person, and how many of their keys
    stopped (or started) working."""

    keys_affected: int


class UserPatchIn(Strict):
    # Loose lengths: the domain's checks give the messages (per field).
    name: str | None = Field(default=None, max_length=10_000)
    role: str | None = Field(default=None, max_length=100)
    teams: list[str] | None = Field(default=None, max_length=100)


class LoginTokenIn(Strict):
    revoke_others: bool = False


class TeamIn(Strict):
    name: str = Field(max_length=10_000)


class TeamOut(BaseModel):
    id: str
    name: str
    members: int
    created_at: str | None

    @classmethod
    def of(cls, team: Team) -> TeamOut:
        return cls(id=team.id, name=team.name, members=team.members,
                   created_at=to_rfc3339(team.created_at))


class TeamList(BaseModel):
    items: list[TeamOut]
