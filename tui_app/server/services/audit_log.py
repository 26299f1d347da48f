"""The audit log as each role may read it (services/visibility.py), newest first."""

from __future__ import annotations

from dataclasses import dataclass

from tui_app.domain.models import AuditEvent, Page
from tui_app.server.services.backend import Backend
from tui_app.server.services.cursors import decode_audit_cursor, encode_audit_cursor
from tui_app.server.services.visibility import audit_view
from tui_app.server.store import audit as audit_store
from tui_app.server.store import db
from tui_app.server.store.users import Caller


@dataclass(frozen=True, slots=True)
class AuditQuery:
    key_id: str | None = None
    actor: str | None = None  # a user id or an email
    action: str | None = None
    limit: int = 100
    cursor: str | None = None


def audit_events(backend: Backend, caller: Caller, query: AuditQuery) -> Page[AuditEvent]:
    before = decode_audit_cursor(query.cursor)
    view = audit_view(caller)
    with db.read_tx(backend.engine) as conn:
        events, last_seq = audit_store.read_events(
            conn, person_id=view.person_id, team_ids=view.team_ids,
            key_id=query.key_id or None, actor=query.actor or None,
            action=query.action or None, before=before, limit=query.limit,
        )
    return Page(tuple(events), encode_audit_cursor(last_seq))
