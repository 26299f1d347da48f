"""Seeded agent activity: the calls the seeded keys' agents made over the last days,
consistent with each key's life.

Every entry's result is what the domain's verify judgement says of the key as it was at
that moment (its tool lists, whether it had expired, been revoked or disabled, whether
its owner had left), so an accepted call is always one the rules let through. A key's
accepted calls end at its recorded last use, which is itself one entry (the last tool
it used); after that only refusals follow (an agent still trying a key that was
revoked, expired or disabled), and a key that was still usable then has no later calls
at all. Rows are plain tuples in ACTIVITY_COLUMNS order, oldest first (the table's
sequence follows time), generated a day at a time so a bulk load of millions never
holds them all.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from tui_app.domain.verify import judge
from tui_app.server.store import db
from tui_app.server.store.seed_rows import DAY_MS, KEY_COLUMNS, TOOLS

ACTIVITY_COLUMNS = ("at", "key_id", "owner_id", "channel", "tool", "code", "client", "ip",
                    "session_id")
DAYS = 30
CALLS_PER_KEY = 150  # the demo's calls over the window, per key that was in use
CLIENTS = (
    "claude-code/2.1.4", "codex-cli/0.46.0", "cursor/1.7.2", "Visual Studio Code/1.105",
    "gateway/1.2", "python-httpx/0.28.1", "mcp-remote/0.1.29", "claude-desktop/0.14",
)
LATE_TRIES = 0.03  # most agents stop soon after their key stops working; some keep trying
MCP_TOOLS = ("whoami", "list_keys", "get_key", "key_activity", "audit_log")


@dataclass(frozen=True, slots=True)
class _Key:
    """A key as the judgement reads it, times as datetimes, and its agent."""

    id: str
    owner_id: str
    created: int
    last_used: int
    last_tool: str | None
    revoked_at: datetime | None
    expires_at: datetime | None
    disabled_at: datetime | None
    deactivated: int | None  # when the owner left, if they did
    owner_role: str
    scope: str
    allowed_tools: list[str]
    blocked_tools: list[str]
    rpm: int | None
    client: str
    ip: str
    weight: float
    stopped: int | None  # when it stopped working after its last use (None: it did not)
    owner_active: bool = True  # as of the call being judged (see _as_of)


def _dt(ms: int | None) -> datetime | None:
    return None if ms is None else db.from_millis(ms)


class ActivitySeeder:
    """Collects the keys that were used (`add`), then writes their calls (`rows`)."""

    def __init__(self, rng: random.Random, now_ms: int, owners: dict[str, tuple[Any, ...]],
                 days: int = DAYS) -> None:
        self.rng = rng
        self.now_ms = now_ms
        self.start = now_ms - days * DAY_MS
        self.days = days
        self.owners = owners  # user id → its row (USER_COLUMNS order)
        self.keys: list[_Key] = []

    def add(self, row: tuple[Any, ...]) -> None:
        """A seeded key row (KEY_COLUMNS order): kept if it can have calls in the window."""
        k = dict(zip(KEY_COLUMNS, row, strict=True))
        last = k["last_used_at"]
        if last is None:
            return
        ends = [t for t in (k["revoked_at"], k["disabled_at"], k["expires_at"]) if t]
        if last < self.start and not any(t >= self.start for t in ends):
            return  # idle through the window: still usable, or it stopped before it
        owner = self.owners[k["owner_id"]]
        rng = self.rng
        stops = [t for t in (*ends, owner[6]) if t is not None and t > last]
        stopped = min(stops) if stops else None
        weight = rng.paretovariate(1.3) * (1.0 if last >= self.start else LATE_TRIES)
        allowed, blocked = k["allowed_tools"], k["blocked_tools"]
        if isinstance(allowed, str):  # the rows hold the JSON text
            allowed, blocked = json.loads(allowed), json.loads(blocked)
        self.keys.append(_Key(
            id=k["id"], owner_id=k["owner_id"], created=k["created_at"], last_used=last,
            last_tool=k["last_used_tool"], revoked_at=_dt(k["revoked_at"]),
            expires_at=_dt(k["expires_at"]), disabled_at=_dt(k["disabled_at"]),
            deactivated=owner[6], owner_role=owner[3], scope=k["scope"],
            allowed_tools=allowed, blocked_tools=blocked, rpm=k["rate_limit_rpm"],
            client=rng.choice(CLIENTS),
            ip=f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
            weight=weight, stopped=stopped,
        ))

    def rows(self, total: int | None = None) -> Iterator[tuple[Any, ...]]:
        """`total` entries (default: CALLS_PER_KEY per key in use), oldest first."""
        keys = self.keys
        if not keys:
            return
        anchors = sorted((k.last_used, n) for n, k in enumerate(keys) if k.last_used >= self.start)
        wanted = CALLS_PER_KEY * len(keys) if total is None else total
        calls = max(0, wanted - len(anchors))
        rng = self.rng
        cumulative: list[float] = []
        running = 0.0
        for key in keys:
            running += key.weight
            cumulative.append(running)
        # Fewer calls at weekends: agents follow people's working days.
        shape = [0.45 if (self.start // DAY_MS + d) % 7 in (2, 3) else 1.0
                 for d in range(self.days)]
        per_day = [int(calls * s / sum(shape)) for s in shape]
        per_day[-1] += calls - sum(per_day)
        anchor_at = 0
        for day, count in enumerate(per_day):
            day_start = self.start + day * DAY_MS
            day_end = day_start + DAY_MS
            batch: list[tuple[Any, ...]] = []
            # A key that could not have been called at the drawn moment is drawn again;
            # bounded, for a window in which hardly any key was usable.
            for _ in range(20):
                missing = count - len(batch)
                if missing <= 0:
                    break
                for key in rng.choices(keys, cum_weights=cumulative, k=missing):
                    row = self._call(key, day_start, day_end)
                    if row is not None:
                        batch.append(row)
            while anchor_at < len(anchors) and anchors[anchor_at][0] < day_end:
                key = keys[anchors[anchor_at][1]]
                batch.append(self._entry(key, key.last_used, "verify", key.last_tool, "VALID"))
                anchor_at += 1
            batch.sort(key=lambda r: r[0])
            yield from batch

    def _call(self, key: _Key, day_start: int, day_end: int) -> tuple[Any, ...] | None:
        """A call of `key` on that day: while it was usable (up to its last use), or a
        refused one after it stopped working; None if it could have had neither."""
        rng = self.rng
        low = max(day_start, key.created)
        usable_end = min(day_end, key.last_used + 1, self.now_ms)
        late_start = max(low, key.stopped or self.now_ms, key.last_used + 1)
        late_end = min(day_end, self.now_ms)
        late = late_start < late_end and (low >= usable_end or rng.random() < LATE_TRIES)
        if late:
            at = rng.randrange(late_start, late_end)
        elif low < usable_end:
            at = rng.randrange(low, usable_end)
        else:
            return None
        draw = rng.random()
        channel = "verify" if draw < 0.8 else "mcp" if draw < 0.9 else "whoami"
        tool = self._tool(key, channel)
        code = judge(self._as_of(key, at), db.from_millis(at), tool=tool, access="read")
        if late and code in ("VALID", "TOOL_FORBIDDEN"):
            return None  # still usable after its last use: it would have been used
        if code == "VALID" and key.rpm and rng.random() < 0.03:
            code = "RATE_LIMITED"
        return self._entry(key, at, channel, tool, code)

    def _tool(self, key: _Key, channel: str) -> str | None:
        rng = self.rng
        if channel == "whoami":
            return None
        if channel == "mcp":
            return rng.choice(MCP_TOOLS)
        if rng.random() < 0.1:
            return rng.choice(TOOLS)  # anything: some are refused
        permitted = key.allowed_tools or [t for t in TOOLS if t not in key.blocked_tools]
        if key.last_tool and rng.random() < 0.5:
            return key.last_tool
        return rng.choice(permitted)

    @staticmethod
    def _as_of(key: _Key, at: int) -> _Key:
        """The key as verify would have read it at `at`: what happened later had not."""
        when = db.from_millis(at)
        revoked = key.revoked_at if key.revoked_at and key.revoked_at <= when else None
        disabled = key.disabled_at if key.disabled_at and key.disabled_at <= when else None
        active = key.deactivated is None or key.deactivated > at
        if (revoked, disabled, active) == (key.revoked_at, key.disabled_at, key.owner_active):
            return key
        return replace(key, revoked_at=revoked, disabled_at=disabled, owner_active=active)

    def _entry(self, key: _Key, at: int, channel: str, tool: str | None,
               code: str) -> tuple[Any, ...]:
        return (at, key.id, key.owner_id, channel, tool, code, key.client, key.ip, None)


def activity_dicts(rows: Iterable[tuple[Any, ...]]) -> list[dict[str, Any]]:
    return [dict(zip(ACTIVITY_COLUMNS, r, strict=True)) for r in rows]
