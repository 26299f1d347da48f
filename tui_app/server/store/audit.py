"""Audit entries: written in the same transaction as the change they record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from tui_app.server.store import db
from tui_app.server.store.users import Caller

SOURCES = ("tui", "cli", "api", "mcp")


def clean_source(value: str | None) -> str:
    value = (value or "api").strip().lower()
    return value if value in SOURCES else "api"


def record(
    conn: Connection,
    *,
    now: datetime,
    actor: Caller | None,
    action: str,
    source: str,
    key_id: str | None = None,
    key_name: str | None = None,
    key_owner_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    conn.execute(
        db.audit.insert().values(
            at=now,
            actor_id=actor.id if actor else None,
            actor_name=actor.name if actor else None,
            actor_email=actor.email if actor else None,
            action=action,
            key_id=key_id,
            key_name=key_name,
            key_owner_id=key_owner_id,
            source=clean_source(source),
            details=details or {},
        )
    )
