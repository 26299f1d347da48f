"""The MCP server (the official SDK's MCPServer) and its place in our FastAPI app.

Stateless with JSON responses: any server process answers any request, so several
`agentkeys serve` hosts behind a load balancer need no session affinity. The SDK's app
is reached through one route, `/v1/mcp`, behind our gate (gate.py); the Host header is
checked once for the whole app by our own allow-list (api/hosts.py), so the SDK's copy
of that check is off rather than configured twice.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.mcpserver import MCPServer
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp, StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from mcp.types import ListToolsResult
from starlette.requests import Request
from starlette.routing import Route

from tui_app import __version__
from tui_app.domain import verify as rules
from tui_app.server.api.agent_mcp import tools
from tui_app.server.api.agent_mcp.calls import tool_error
from tui_app.server.api.agent_mcp.gate import McpGate, admission_of
from tui_app.server.api.oauth.urls import MCP_PATH
from tui_app.server.api.peers import agent_call
from tui_app.server.services.backend import Backend

INSTRUCTIONS = (
    "agentkeys: manage the agent keys of the person who owns this key. Tools act on "
    "that person's own keys only, within this key's scope and tool lists."
)


class KeyToolsOnly:
    """`tools/list` shows only what this key may call; a call of a tool that does not
    exist is refused like a forbidden one. Each tool enforces its own access too
    (calls.admit_call): this filter is what the agent sees, not the lock."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext
                       ) -> HandlerResult:
        if ctx.method == "tools/call":
            name = (ctx.params or {}).get("name")
            if not isinstance(name, str) or name not in tools.TOOLS:
                return self._unknown_tool(ctx, name)
            return await call_next(ctx)
        if ctx.method != "tools/list":
            return await call_next(ctx)
        listed = await call_next(ctx)
        if not isinstance(listed, ListToolsResult):  # the runner may hand on plain JSON
            listed = ListToolsResult.model_validate(listed)
        key = admission_of(_request(ctx)).key
        now = self.backend.now()
        allowed = [tool for tool in listed.tools
                   if rules.judge(key, now, tool=tool.name,
                                  access=tools.TOOLS.get(tool.name, "write")) == "VALID"]
        return listed.model_copy(update={"tools": allowed})

    def _unknown_tool(self, ctx: ServerRequestContext[Any, Any], name: object) -> HandlerResult:
        request = _request(ctx)
        key = admission_of(request).key
        shown = name[:64] if isinstance(name, str) else None
        if key is not None:
            self.backend.activity.record(
                at=self.backend.now(), key_id=key.id, owner_id=key.owner_id,
                call=agent_call(request, "mcp"), tool=shown, code="TOOL_FORBIDDEN")
        return tool_error("TOOL_FORBIDDEN", "There is no such tool here; tools/list "
                          "shows the tools this key may call.")


def _request(ctx: ServerRequestContext[Any, Any]) -> Request:
    request = ctx.request
    assert isinstance(request, Request)
    return request


def build(backend: Backend) -> MCPServer:
    # MCPServer() calls logging.basicConfig (a Rich handler on the root logger, level
    # INFO) when the root logger has no handler yet: every library's INFO lines would go
    # to stderr. How a server process logs is its own choice (uvicorn's config, tokens
    # redacted), so the root logger is put back as it was.
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    server = MCPServer(name="agentkeys", version=__version__, instructions=INSTRUCTIONS,
                       middleware=[KeyToolsOnly(backend)])
    root.handlers[:] = handlers
    root.setLevel(level)
    tools.register(server, backend)
    return server


def install(app: FastAPI, backend: Backend) -> StreamableHTTPSessionManager:
    """Route `/v1/mcp` to the SDK through our gate; returns the session manager, which
    the app's lifespan must run (a route's app has no lifespan of its own)."""
    server = build(backend)
    # Builds the session manager with these settings (the Starlette app it returns is
    # not used: the route below serves the same handler behind our gate).
    server.streamable_http_app(
        streamable_http_path=MCP_PATH, stateless_http=True, json_response=True,
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False))
    manager = server.session_manager
    # First in the table: the router tries routes in order, and matching a request
    # against every API route before this one took a quarter of an MCP call's time in
    # the app (FastAPI matches included routers one by one).
    app.router.routes.insert(
        0, Route(MCP_PATH, endpoint=McpGate(StreamableHTTPASGIApp(manager), backend),
                 methods=["GET", "POST", "DELETE"]))
    return manager
