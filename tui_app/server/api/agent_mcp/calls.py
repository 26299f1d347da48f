"""What every MCP tool call goes through: the key judged for this tool (verify's one
judgement: tool lists, scope, the per-minute limit shared with verify across processes),
the call recorded as activity, and the outcome as a tool result.

A refusal is a tool result with `isError: true`, never a protocol error, so the agent
(and the model behind it) reads why: its text starts with the code, and its structured
content carries `{"error": {"code", "message", …}}`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal, TypeVar

import anyio.to_thread
from mcp.server.mcpserver import Context
from mcp.types import CallToolResult, TextContent
from starlette.requests import Request

from tui_app.domain.checks import FieldErrors
from tui_app.domain.errors import DomainError
from tui_app.domain.models import AgentKey
from tui_app.domain.roles import Role
from tui_app.server.api.agent_mcp.gate import admission_of
from tui_app.server.api.peers import agent_call
from tui_app.server.services.backend import Backend
from tui_app.server.services.verify import verify_admitted
from tui_app.server.store.users import Caller

Access = Literal["read", "write"]
T = TypeVar("T")
_AUDIT_NAME_MAX = 255  # the audit log's actor name column


@dataclass(frozen=True, slots=True)
class KeyCall:
    """An admitted tool call: the key as read, and who acts (its owner, through it)."""

    key: AgentKey
    caller: Caller


def request_of(ctx: Context) -> Request:
    request = ctx.request_context.request
    assert isinstance(request, Request)  # the streamable HTTP transport gives one
    return request


def client_name(ctx: Context) -> str | None:
    """The client's own name and version (MCP clientInfo) when the request carries it;
    else None, and the User-Agent stands in."""
    params = ctx.request_context.session.client_params
    info = params.client_info if params is not None else None
    if info is None:
        return None
    return f"{info.name}/{info.version}" if info.version else str(info.name)


def tool_error(code: str, message: str, **details: Any) -> CallToolResult:
    return CallToolResult(
        content=[TextContent(type="text", text=f"{code}: {message}")],
        structured_content={"error": {"code": code, "message": message, **details}},
        is_error=True,
    )


def acting_caller(key: AgentKey) -> Caller:
    """The key's owner as the services see them when an agent acts: their own keys only
    (a key never reaches further than "the owner's keys", whatever the owner's role), and
    named in the audit log as the key ("key deploy-bot of Ada Lovelace")."""
    owner = key.owner
    return Caller(
        id=owner.id, email=owner.email,
        name=f"key {key.name} of {owner.name}"[:_AUDIT_NAME_MAX],
        role=Role.MEMBER, active=True, team_ids=(), team_names=(), via_key_id=key.id,
    )


async def admit_call(backend: Backend, ctx: Context, tool: str, access: Access
                     ) -> KeyCall | CallToolResult:
    """The call judged as verify judges it, on the key the gate read for this request
    (this counts against the key's limit and is recorded as activity); a refusal as the
    tool error to return."""
    request = request_of(ctx)
    verdict = await verify_admitted(
        backend, admission_of(request), tool=tool, access=access,
        call=agent_call(request, "mcp", client=client_name(ctx)))
    if verdict.code == "RATE_LIMITED":
        wait = verdict.retry_after or 60
        return tool_error("RATE_LIMITED", f"Too many calls this minute; try again in {wait} s.",
                          retry_after=wait)
    if not verdict.valid or verdict.key is None:
        return tool_error(verdict.code, verdict.message or "This call is refused.")
    return KeyCall(key=verdict.key, caller=acting_caller(verdict.key))


async def run_service(work: Callable[..., T], *args: Any, **kwargs: Any) -> T | CallToolResult:
    """A service (synchronous: one database transaction) off the event loop; what it
    refuses becomes the tool error an agent can read."""
    try:
        return await anyio.to_thread.run_sync(partial(work, *args, **kwargs))
    except DomainError as exc:
        extra = {"details": exc.details} if exc.details is not None else {}
        return tool_error(exc.code, exc.message, **extra)
    except FieldErrors as exc:
        return tool_error("VALIDATION_FAILED", str(exc), details=[
            {"field": e.field, "message": e.message} for e in exc.errors])

