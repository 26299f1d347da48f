"""Which marked keys a bulk action applies to, and why the others are left out.

The Admin screen asks before it sends: "Extend 33 keys?" followed by 33 failures about
revoking tells nobody anything. Each reason is worded for the action, so the
confirmation can say what it skips and why. The server still decides each key (a key
may have changed since it was marked); this only keeps the obvious out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tui_app.domain.models import AgentKey

PAST = {"revoke": "revoked", "disable": "disabled", "enable": "enabled",
        "extend": "extended"}


def skip_reason(action: str, key: AgentKey) -> str | None:
    """Why `action` does nothing to `key`, or None when it applies."""
    if key.revoked_at is not None:
        if action == "revoke":
            return "already revoked"
        return f"revoked keys cannot be {PAST[action]}"
    if action == "disable" and key.disabled_at is not None:
        return "already disabled"
    if action == "enable" and key.disabled_at is None:
        return "not disabled"
    if action == "extend" and key.expires_at is None:
        return "keys that never expire are not extended"
    return None


@dataclass(frozen=True, slots=True)
class BulkPlan:
    """The marked keys split into those the action applies to and those it skips."""

    action: str
    applies: tuple[AgentKey, ...]
    skipped: tuple[tuple[AgentKey, str], ...]

    @property
    def marked(self) -> int:
        return len(self.applies) + len(self.skipped)

    def reasons(self) -> list[tuple[str, int]]:
        """Each reason with how many keys it skips, the most common first."""
        counts: dict[str, int] = {}
        for _, reason in self.skipped:
            counts[reason] = counts.get(reason, 0) + 1
        return sorted(counts.items(), key=lambda item: -item[1])


def plan_bulk(action: str, keys: Iterable[AgentKey]) -> BulkPlan:
    applies: list[AgentKey] = []
    skipped: list[tuple[AgentKey, str]] = []
    for key in keys:
        reason = skip_reason(action, key)
        if reason is None:
            applies.append(key)
        else:
            skipped.append((key, reason))
    return BulkPlan(action, tuple(applies), tuple(skipped))
