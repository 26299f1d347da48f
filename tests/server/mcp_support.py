"""The MCP SDK's own client against a served agentkeys, with an agent key."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client


@asynccontextmanager
async def mcp_client(base_url: str, secret: str, *, user_agent: str = "pytest-agent/1"
                     ) -> AsyncIterator[Client]:
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {secret}",
                                       "User-Agent": user_agent}, timeout=30)
    async with http, Client(streamable_http_client(f"{base_url}/v1/mcp", http_client=http)
                            ) as client:
        yield client


def error_code(result: Any) -> str | None:
    """The code of a refused call (a tool result with isError), else None."""
    if not result.is_error:
        return None
    return str(result.structured_content["error"]["code"])
