"""What disable/enable, revoke and delete do to the highlighted key in My keys: refuse
what cannot be done with a reason, ask where it matters (focus on Cancel), call the
server, and say what happened. The screen reloads its lists after."""

from __future__ import annotations

from typing import Any

from textual.screen import Screen

from tui_app.domain.models import AgentKey
from tui_app.domain.status import KeyStatus
from tui_app.ui.modals.confirm import ConfirmModal
from tui_app.ui.my_keys.confirmations import (
    delete_question,
    disable_question,
    revoke_question,
    used_recently,
)
from tui_app.ui.safe import safe_message
from tui_app.ui.session import Session


def say_done(screen: Screen[Any], verb: str, key: AgentKey) -> None:
    screen.notify(f"{verb} “{safe_message(key.name)}”.", markup=False)


async def toggle(screen: Screen[Any], session: Session, key: AgentKey) -> AgentKey | None:
    """Disable an active key (after asking), enable an inactive one; the key as it is now."""
    if key.status is KeyStatus.REVOKED:
        screen.notify("A revoked key cannot be enabled again; create a new one.",
                      markup=False, severity="warning")
        return None
    if key.status is KeyStatus.EXPIRED:
        screen.notify("This key has expired: press e to extend it.", markup=False,
                      severity="warning")
        return None
    if key.status is KeyStatus.INACTIVE and key.disabled_at is None:
        screen.notify("Its owner is deactivated; only an admin can change that.",
                      markup=False, severity="warning")
        return None
    if key.status is KeyStatus.ACTIVE:
        body = disable_question(key)
        if not await screen.app.push_screen_wait(ConfirmModal("Disable key", body, "Disable")):
            return None
        changed = await session.call(lambda api: api.disable_key(key.id),
                                     what="Disabling the key")
        verb = "Disabled"
    else:
        changed = await session.call(lambda api: api.enable_key(key.id),
                                     what="Enabling the key")
        verb = "Enabled"
    if changed is not None:
        say_done(screen, verb, changed)
    return changed


async def revoke(screen: Screen[Any], session: Session, key: AgentKey) -> AgentKey | None:
    if key.status is KeyStatus.REVOKED:
        screen.notify("This key is already revoked.", markup=False)
        return None
    body = revoke_question(key)
    if not await screen.app.push_screen_wait(ConfirmModal("Revoke key", body, "Revoke")):
        return None
    revoked = await session.call(lambda api: api.revoke_key(key.id), what="Revoking the key")
    if revoked is not None:
        say_done(screen, "Revoked", revoked)
    return revoked


async def delete(screen: Screen[Any], session: Session, key: AgentKey) -> bool:
    """Delete a key that no longer works; whether it was deleted."""
    if key.status is KeyStatus.ACTIVE:
        screen.notify(
            f"“{safe_message(key.name)}” is active and cannot be deleted. "
            "Disable (d) or revoke (R) it first.",
            title="Delete refused", severity="error", markup=False)
        return False
    now = session.clock()
    recent = used_recently(key, now)
    body = delete_question(key, now)
    if not await screen.app.push_screen_wait(ConfirmModal("Delete key", body, "Delete")):
        return False
    reply = await session.call(lambda api: api.delete_key(key.id), what="Deleting the key")
    if reply is None:
        return False
    if reply.get("used_in_last_24h") and not recent:
        screen.notify(f"Deleted “{safe_message(key.name)}”, which was used in the last "
                      "24 hours.", severity="warning", markup=False)
    else:
        say_done(screen, "Deleted", key)
    return True
