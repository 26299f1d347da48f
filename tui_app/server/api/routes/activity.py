"""Agent activity: what agents did with keys (verify, whoami, MCP tool calls), apart
from the audit log; per key, per day, and across the keys the caller may see."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from tui_app.domain.models import ActivityEntry, Page
from tui_app.server.api.deps import KeyUser, backend_of
from tui_app.server.api.schemas import (
    ERROR_RESPONSES,
    ActivityEntryOut,
    ActivityPage,
    UsageDayOut,
    UsageOut,
)
from tui_app.server.services.activity import (
    MAX_USAGE_DAYS,
    ActivityQuery,
    activity,
    key_activity,
    key_usage,
)

router = APIRouter(tags=["activity"], responses=ERROR_RESPONSES)

Result = Annotated[Literal["ok", "refused"] | None, Query(
    description="ok: accepted calls; refused: every refusal")]
Channel = Annotated[Literal["verify", "whoami", "mcp"] | None, Query()]
Limit = Annotated[int, Query(ge=1, le=500)]
Cursor = Annotated[str | None, Query(max_length=200)]
Tool = Annotated[str | None, Query(max_length=64)]
Code = Annotated[str | None, Query(max_length=32, description="VALID, TOKEN_EXPIRED, …")]


def _page(page: Page[ActivityEntry]) -> ActivityPage:
    return ActivityPage(items=[ActivityEntryOut.of(entry) for entry in page.items],
                        next_cursor=page.next_cursor)


@router.get("/v1/keys/{key_id}/activity", response_model=ActivityPage,
            summary="A key's agent activity, newest first")
def list_key_activity(
    request: Request, caller: KeyUser, key_id: str, result: Result = None,
    channel: Channel = None, tool: Tool = None, limit: Limit = 100, cursor: Cursor = None,
) -> ActivityPage:
    query = ActivityQuery(result=result, channel=channel, tool=tool, limit=limit,
                          cursor=cursor)
    return _page(key_activity(backend_of(request), caller, key_id, query))


@router.get("/v1/keys/{key_id}/usage", response_model=UsageOut,
            summary="A key's calls per day (UTC), accepted and refused")
def get_key_usage(
    request: Request, caller: KeyUser, key_id: str,
    days: Annotated[int, Query(ge=1, le=MAX_USAGE_DAYS)] = 30,
) -> UsageOut:
    usage = key_usage(backend_of(request), caller, key_id, days)
    return UsageOut(days=[UsageDayOut(date=day.date.isoformat(), ok=day.ok,
                                      refused=day.refused) for day in usage])


@router.get("/v1/activity", response_model=ActivityPage,
            summary="Agent activity across the keys you may see, newest first")
def list_activity(
    request: Request, caller: KeyUser,
    key: Annotated[str | None, Query(max_length=64, description="a key id")] = None,
    owner: Annotated[str | None, Query(max_length=320, description="user id or email")] = None,
    tool: Tool = None, code: Code = None, result: Result = None, channel: Channel = None,
    since: Annotated[datetime | None, Query(description="RFC 3339 time")] = None,
    limit: Limit = 100, cursor: Cursor = None,
) -> ActivityPage:
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    query = ActivityQuery(key_id=key, owner=owner, tool=tool, code=code, result=result,
                          channel=channel, since=since, limit=limit, cursor=cursor)
    return _page(activity(backend_of(request), caller, query))
