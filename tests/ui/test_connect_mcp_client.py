"""The whole authorization code flow as a person lives it: an MCP client (the MCP SDK's
own OAuth client) asks for access, its page shows a code, the person approves it in the
TUI's Connections screen under Pilot, the page sends the client on with its code, and
the client lists tools with its key session."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import httpx2
from connections_support import open_connections, type_code
from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import (
    AuthorizationCodeResult,
    OAuthClientMetadata,
)
from oauth_storage import MemoryStorage
from shell_helpers import create_key, make_app, settle

REDIRECT = "http://127.0.0.1:33419/callback"


async def test_an_mcp_client_approved_in_the_tui_lists_tools(ui_server: Any,
                                                              ui_clock: Any) -> None:
    key = create_key(ui_server, "claude-laptop", clock=ui_clock)
    app = make_app(ui_server, ui_clock)
    redirected: list[str] = []
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_connections(pilot)

        async def person_opens(authorization_url: str) -> None:
            async with httpx.AsyncClient() as browser:
                page = await browser.get(authorization_url)
                code = re.search(r'id="user-code">([A-Z-]+)<', page.text).group(1)
                follow = re.search(r'href="([^"]+)"', page.text).group(1)
                await type_code(pilot, screen, code)
                await pilot.press("ctrl+s")
                await settle(pilot)
                assert str(screen.result.render()).startswith(
                    "Approved: Claude Code can now read as claude-laptop")
                done = await browser.get(follow.replace("&amp;", "&"))
                assert done.status_code == 302, done.text
                redirected.append(done.headers["location"])

        async def callback() -> AuthorizationCodeResult:
            query = parse_qs(urlsplit(redirected[0]).query)
            return AuthorizationCodeResult(code=query["code"][0], state=query["state"][0])

        provider = OAuthClientProvider(
            server_url=f"{ui_server.url}/v1/mcp",
            client_metadata=OAuthClientMetadata(client_name="Claude Code",
                                                redirect_uris=[REDIRECT]),
            storage=MemoryStorage(), redirect_handler=person_opens, callback_handler=callback)
        async with httpx2.AsyncClient(auth=provider, timeout=30) as http, Client(
                streamable_http_client(f"{ui_server.url}/v1/mcp", http_client=http)) as client:
            tools = {tool.name for tool in (await client.list_tools()).tools}
            who = await client.call_tool("whoami", {})
    assert "whoami" in tools and "revoke_key" not in tools  # a read key, a read session
    assert who.structured_content["key"]["id"] == key["key"]["id"]
