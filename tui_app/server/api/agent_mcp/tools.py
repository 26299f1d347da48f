"""The MCP tools: each a thin adapter over a service, acting as the key's owner on the
owner's own keys, limited by the key (tool lists, scope, rate limit: calls.admit_call).

No tool creates a key: a secret is only ever shown to a person. Tool names are what a
key's allowed and blocked tool lists refer to.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, MCPServer
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import Field

from tui_app.domain.expiry import MAX_EXTEND_DAYS
from tui_app.domain.status import KeyStatus
from tui_app.server.api.agent_mcp.calls import Access, admit_call, run_service
from tui_app.server.api.schemas import ActivityEntryOut, AgentKeyOut, AuditEventOut
from tui_app.server.services import activity as activity_service
from tui_app.server.services import audit_log, key_actions, key_listing
from tui_app.server.services.backend import Backend

# Each tool and what it needs of the key's scope.
TOOLS: dict[str, Access] = {
    "whoami": "read", "list_keys": "read", "get_key": "read", "key_activity": "read",
    "audit_log": "read", "extend_key": "write", "disable_key": "write",
    "enable_key": "write", "revoke_key": "write",
}

_READ = ToolAnnotations(read_only_hint=True, open_world_hint=False)
_WRITE = ToolAnnotations(read_only_hint=False, destructive_hint=False, open_world_hint=False)
_DESTROY = ToolAnnotations(read_only_hint=False, destructive_hint=True,
                           idempotent_hint=True, open_world_hint=False)

KeyId = Annotated[str, Field(min_length=1, max_length=64, description="a key id, key_…")]
Limit = Annotated[int, Field(ge=1, le=100, description="how many to return")]
Cursor = Annotated[str | None, Field(max_length=200,
                                     description="next_cursor of the previous page")]


def result(data: dict[str, Any]) -> CallToolResult:
    """A tool's answer: structured, and the same JSON as text for clients that read text."""
    return CallToolResult(content=[TextContent(type="text", text=json.dumps(data))],
                          structured_content=data)


def _key(key: Any) -> dict[str, Any]:
    return AgentKeyOut.of(key).model_dump(mode="json")


def register(server: MCPServer, backend: Backend) -> None:
    @server.tool(name="whoami", annotations=_READ,
                 description="This key: name, scope, owner, expiry, rate limit, tool lists.")
    async def whoami(ctx: Context) -> CallToolResult:
        call = await admit_call(backend, ctx, "whoami", "read")
        if isinstance(call, CallToolResult):
            return call
        return result({"key": _key(call.key)})

    @server.tool(name="list_keys", annotations=_READ,
                 description="The owner's keys, newest first; filter by status and text.")
    async def list_keys(
        ctx: Context,
        status: Literal["active", "inactive", "expired", "revoked", "all"] = "all",
        q: Annotated[str | None, Field(max_length=200, description="text in name")] = None,
        limit: Limit = 50, cursor: Cursor = None,
    ) -> CallToolResult:
        call = await admit_call(backend, ctx, "list_keys", "read")
        if isinstance(call, CallToolResult):
            return call
        statuses = () if status == "all" else (KeyStatus(status),)
        query = key_listing.KeyQuery(statuses=statuses, q=q, limit=limit, cursor=cursor)
        page = await run_service(key_listing.own_keys, backend, call.caller, query)
        if isinstance(page, CallToolResult):
            return page
        return result({"items": [_key(k) for k in page.items],
                       "next_cursor": page.next_cursor})

    @server.tool(name="get_key", annotations=_READ, description="One of the owner's keys.")
    async def get_key(ctx: Context, key_id: KeyId) -> CallToolResult:
        call = await admit_call(backend, ctx, "get_key", "read")
        if isinstance(call, CallToolResult):
            return call
        key = await run_service(key_actions.get_key, backend, call.caller, key_id)
        return key if isinstance(key, CallToolResult) else result({"key": _key(key)})

    @server.tool(name="key_activity", annotations=_READ,
                 description="A key's recent activity (this key unless key_id names "
                             "another of the owner's keys), newest first.")
    async def key_activity(
        ctx: Context, key_id: Annotated[str | None, Field(max_length=64)] = None,
        result_filter: Annotated[Literal["ok", "refused"] | None, Field(alias="result")] = None,
        limit: Limit = 20, cursor: Cursor = None,
    ) -> CallToolResult:
        call = await admit_call(backend, ctx, "key_activity", "read")
        if isinstance(call, CallToolResult):
            return call
        query = activity_service.ActivityQuery(result=result_filter, limit=limit,
                                               cursor=cursor)
        page = await run_service(activity_service.key_activity, backend, call.caller,
                                 key_id or call.key.id, query)
        if isinstance(page, CallToolResult):
            return page
        return result({"items": [ActivityEntryOut.of(e).model_dump(mode="json")
                                 for e in page.items], "next_cursor": page.next_cursor})

    @server.tool(name="audit_log", annotations=_READ,
                 description="Audit entries of the owner's keys, newest first.")
    async def audit(
        ctx: Context, key_id: Annotated[str | None, Field(max_length=64)] = None,
        limit: Limit = 50, cursor: Cursor = None,
    ) -> CallToolResult:
        call = await admit_call(backend, ctx, "audit_log", "read")
        if isinstance(call, CallToolResult):
            return call
        query = audit_log.AuditQuery(key_id=key_id, limit=limit, cursor=cursor)
        page = await run_service(audit_log.audit_events, backend, call.caller, query)
        if isinstance(page, CallToolResult):
            return page
        return result({"items": [AuditEventOut.of(e).model_dump(mode="json")
                                 for e in page.items], "next_cursor": page.next_cursor})

    async def act(ctx: Context, tool: str, key_id: str, action: str,
                  days: int | None = None) -> CallToolResult:
        call = await admit_call(backend, ctx, tool, TOOLS[tool])
        if isinstance(call, CallToolResult):
            return call
        key = await run_service(key_actions.act_on_key, backend, call.caller, key_id,
                                action, days=days, source="mcp")
        return key if isinstance(key, CallToolResult) else result({"key": _key(key)})

    @server.tool(name="extend_key", annotations=_WRITE,
                 description="Extend one of the owner's keys by N days, within the "
                             "server's expiry policy (an expired key becomes active).")
    async def extend_key(
        ctx: Context, key_id: KeyId,
        days: Annotated[int, Field(ge=1, le=MAX_EXTEND_DAYS)],
    ) -> CallToolResult:
        return await act(ctx, "extend_key", key_id, "extend", days)

    @server.tool(name="disable_key", annotations=_WRITE,
                 description="Disable one of the owner's keys; enable_key undoes it.")
    async def disable_key(ctx: Context, key_id: KeyId) -> CallToolResult:
        return await act(ctx, "disable_key", key_id, "disable")

    @server.tool(name="enable_key", annotations=_WRITE,
                 description="Enable a disabled key again (not one a manager or admin "
                             "disabled: that stays disabled until they enable it).")
    async def enable_key(ctx: Context, key_id: KeyId) -> CallToolResult:
        return await act(ctx, "enable_key", key_id, "enable")

    @server.tool(name="revoke_key", annotations=_DESTROY,
                 description="Revoke one of the owner's keys: every request with it is "
                             "refused from now on. This cannot be undone.")
    async def revoke_key(ctx: Context, key_id: KeyId) -> CallToolResult:
        return await act(ctx, "revoke_key", key_id, "revoke")
