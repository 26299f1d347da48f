"""What the Admin screen lists: the filters, the triage presets and the choices offered.

Plain values, no Textual: `Filters.params()` is what `ApiClient.admin_list_keys` takes,
and export asks for the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Filters:
    status: str | None = None  # comma-separated statuses, None = all
    stale: str | None = None  # "30" / "90" / "365" days unused, or "never"
    expiring: int | None = None  # days
    owner: str = ""
    team: str = ""
    q: str = ""

    def params(self) -> dict[str, Any]:
        """The filters as `ApiClient.admin_list_keys` keyword arguments."""
        params: dict[str, Any] = {
            "status": self.status,
            "owner": self.owner.strip() or None,
            "team": self.team.strip() or None,
            "q": self.q.strip() or None,
            "expiring_within_days": self.expiring,
        }
        if self.stale == "never":
            params["never_used"] = True
        elif self.stale:
            params["stale_days"] = int(self.stale)
        return {k: v for k, v in params.items() if v is not None}


@dataclass(frozen=True, slots=True)
class Preset:
    label: str
    filters: Filters


PRESETS = (
    Preset("All", Filters()),
    Preset("Stale 90 d", Filters(status="active,inactive", stale="90")),
    Preset("Never used", Filters(status="active,inactive", stale="never")),
    Preset("Expiring 7 d", Filters(status="active,inactive", expiring=7)),
    Preset("Expired", Filters(status="expired")),
    Preset("Revoked", Filters(status="revoked")),
)

STATUS_OPTIONS = [
    ("Any status", "all"), ("Active", "active"), ("Inactive", "inactive"),
    ("Expired", "expired"), ("Revoked", "revoked"), ("Not revoked", "active,inactive,expired"),
    ("Active+inactive", "active,inactive"),
]
STALE_OPTIONS = [
    ("Any use", "any"), ("Unused 30 d", "30"), ("Unused 90 d", "90"),
    ("Unused 365 d", "365"), ("Never used", "never"),
]
EXPIRING_OPTIONS = [("Any expiry", "any"), ("Expiring 7 d", "7"), ("Expiring 30 d", "30")]
