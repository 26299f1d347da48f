"""The Activity screen's filters, as the server takes them.

A key is given by id or by name: the server filters by id, so a name is looked up among
the keys the person may see (their own, or every key they manage). Names are not
unique: several keys of one name are all the person's to tell apart, so the most
recently used one is shown and the screen says how many there were.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui_app.client.api import ApiClient
    from tui_app.domain.models import AgentKey, Me

RESULTS = (("all results", ""), ("ok only", "ok"), ("refused only", "refused"))


@dataclass(frozen=True, slots=True)
class ActivityFilters:
    key: str = ""  # a key id or name, as typed
    tool: str = ""
    result: str = ""  # "", "ok" or "refused"

    @property
    def empty(self) -> bool:
        return not (self.key or self.tool or self.result)


@dataclass(frozen=True, slots=True)
class Resolved:
    """The filters as query parameters; `note` says what the key name turned into."""

    params: dict[str, Any]
    note: str = ""
    nothing: bool = False  # no key has that name: nothing can match


async def resolve(api: ApiClient, me: Me | None, filters: ActivityFilters) -> Resolved:
    params: dict[str, Any] = {"tool": filters.tool.strip() or None,
                              "result": filters.result or None}
    typed = filters.key.strip()
    if not typed:
        return Resolved(params)
    if typed.startswith("key_"):
        return Resolved(params | {"key": typed})
    keys = await _named(api, me, typed)
    if not keys:
        return Resolved(params, "no key of that name", nothing=True)
    latest = max(keys, key=lambda k: (k.last_used_at is not None, k.last_used_at or k.created_at))
    note = f"{len(keys)} keys of that name: the last used" if len(keys) > 1 else ""
    return Resolved(params | {"key": latest.id}, note)


async def _named(api: ApiClient, me: Me | None, name: str) -> list[AgentKey]:
    wanted = name.casefold()
    if me is not None and me.user.role.sees_admin_view:
        page = await api.admin_list_keys(q=name, limit=100)
        found = list(page.items)
    else:
        found = await api.list_all_keys("all")
    return [k for k in found if k.name.casefold() == wanted]
