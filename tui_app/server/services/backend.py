"""What every use case works with: the database, the server's settings, and the
activity waiting to be written."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Engine

from tui_app.domain.models import Policy
from tui_app.server import security
from tui_app.server.services.activity_recorder import ActivityRecorder
from tui_app.server.settings import Settings


@dataclass(frozen=True, slots=True)
class Backend:
    engine: Engine
    settings: Settings
    # This process's agent activity, waiting for its batch write.
    activity: ActivityRecorder = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "activity", ActivityRecorder(self.engine, self.settings))

    def now(self) -> datetime:
        return self.settings.clock()

    def digest(self, token: str) -> str:
        """How a token (or code) is stored and looked up: its HMAC with the pepper."""
        return security.digest(self.settings.pepper_bytes, token)

    @property
    def policy(self) -> Policy:
        settings = self.settings
        return Policy(max_lifetime_days=settings.max_lifetime_days,
                      require_terms=settings.require_terms, key_env=settings.key_env)
