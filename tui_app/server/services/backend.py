"""What every use case works with: the database and the server's settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine

from tui_app.domain.models import Policy
from tui_app.server.settings import Settings


@dataclass(frozen=True, slots=True)
class Backend:
    engine: Engine
    settings: Settings

    def now(self) -> datetime:
        return self.settings.clock()

    @property
    def policy(self) -> Policy:
        settings = self.settings
        return Policy(max_lifetime_days=settings.max_lifetime_days,
                      require_terms=settings.require_terms, key_env=settings.key_env)
