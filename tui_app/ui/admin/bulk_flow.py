"""The Admin screen's bulk actions: which keys, how many days, confirm, send, report.

Marked keys the action cannot apply to (extending revoked keys, disabling disabled
ones) are left out before anything is asked: the confirmation counts only the keys the
action applies to and says why the others are skipped, and the results list them apart
from the server's failures. Skipped keys stay marked, like failures.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.screen import Screen

from tui_app.domain.bulk import plan_bulk
from tui_app.domain.models import AgentKey
from tui_app.ui.admin import walks
from tui_app.ui.admin.key_table import KeyTable
from tui_app.ui.admin.modals import (
    BulkResultsModal,
    ExtendDaysModal,
    bulk_confirm_body,
    bulk_confirm_label,
    bulk_confirm_title,
)
from tui_app.ui.modals.confirm import ConfirmModal
from tui_app.ui.session import Session


def targets(table: KeyTable) -> dict[str, AgentKey]:
    """The marked keys, or the highlighted one when nothing is marked."""
    if table.marks:
        return dict(table.marks)
    key = table.highlighted
    return {key.id: key} if key is not None else {}


async def run_bulk(screen: Screen[None], session: Session, table: KeyTable, action: str,
                   marked: dict[str, AgentKey], progress: walks.Progress,
                   reload: Callable[[], None]) -> None:
    """Ask, send the keys the action applies to in chunks, and show what happened."""
    app = screen.app
    plan = plan_bulk(action, marked.values())
    if not plan.applies:
        reason = plan.reasons()[0][0] if plan.skipped else "nothing to do"
        what = "the marked key" if plan.marked == 1 else f"the {plan.marked:,} marked keys"
        screen.notify(f"Nothing to {action}: {what} — {reason}.", markup=False, timeout=6)
        return
    days: int | None = None
    if action == "extend":
        days = await app.push_screen_wait(ExtendDaysModal())
        if days is None:
            return
    count = len(plan.applies)
    confirmed = await app.push_screen_wait(ConfirmModal(
        bulk_confirm_title(action, count, days, marked=plan.marked),
        bulk_confirm_body(action, [k.name for k in plan.applies], count, plan.reasons()),
        bulk_confirm_label(action, count), destructive=action in ("revoke", "disable"),
    ))
    if not confirmed:
        return
    ids = [k.id for k in plan.applies]
    results = await walks.bulk_in_chunks(session, action, ids, days, progress)
    if not results:
        return
    done = {r.id for r in results if r.ok}
    # Keys that worked leave the marks; failures and skipped keys stay to look at again.
    table.set_marks({i: k for i, k in table.marks.items() if i not in done})
    reload()
    names = {k.id: k.name for k in plan.applies}
    skipped = [(k.id, k.name, reason) for k, reason in plan.skipped]
    await app.push_screen_wait(BulkResultsModal(action, results, names, skipped))

