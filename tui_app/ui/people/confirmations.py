"""What the People screen asks before it changes someone, and what it says after."""

from __future__ import annotations

from rich.text import Text

from tui_app.domain.models import User
from tui_app.ui.modals.confirm import ConfirmModal
from tui_app.ui.safe import safe_message, safe_text


def _who(person: User) -> Text:
    who = safe_text(person.name, "bold")
    who.append_text(safe_text(f" <{person.email}>"))
    return who


def _keys(count: int) -> str:
    return f"{count} key{'' if count == 1 else 's'}"


def activation_confirm(person: User) -> ConfirmModal:
    """Deactivating says how many working keys stop; reactivating is not destructive."""
    if person.active:
        count = person.active_keys or 0
        body = Text.assemble(
            "Deactivate ", _who(person), "? Their login stops working at once, and so do ",
            (f"{count} active key{'' if count == 1 else 's'}", "bold"),
            ". Reactivating them later restores the keys that are not revoked, expired or "
            "disabled.")
        return ConfirmModal("Deactivate this person?", body, "Deactivate")
    body = Text.assemble(
        "Reactivate ", _who(person), "? Their login works again, and so do their keys that "
        "are not revoked, expired or disabled.")
    return ConfirmModal("Reactivate this person?", body, "Reactivate", destructive=False)


def activation_done(user: User, count: int) -> str:
    """For notify(markup=False)."""
    if user.active:
        return f"Reactivated {safe_message(user.name)}: {_keys(count)} work again."
    return f"Deactivated {safe_message(user.name)}: {_keys(count)} stopped working."


def token_confirm(person: User) -> ConfirmModal:
    body = Text.assemble(
        "Make a new login token for ", _who(person), "? Their other login tokens keep "
        "working (to end them: agentkeys users token --revoke-others).")
    return ConfirmModal("New login token?", body, "Make token", destructive=False)
