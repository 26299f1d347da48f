"""Where this server is, as clients should name it: the public URL when the server sets
one (behind a proxy), else the URL the request came to (its Host header, which the
allow-list has checked)."""

from __future__ import annotations

from starlette.requests import Request

from tui_app.server.api.deps import settings_of

MCP_PATH = "/v1/mcp"
RESOURCE_METADATA_PATH = "/.well-known/oauth-protected-resource/v1/mcp"


def public_base(request: Request) -> str:
    configured = settings_of(request).public_url
    return configured or str(request.base_url).rstrip("/")


def mcp_resource(request: Request) -> str:
    return public_base(request) + MCP_PATH


def resource_metadata_url(request: Request) -> str:
    return public_base(request) + RESOURCE_METADATA_PATH
