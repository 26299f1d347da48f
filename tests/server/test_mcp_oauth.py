"""The MCP SDK's own OAuth client against a served agentkeys: it finds the server from
/v1/mcp's 401, registers, sends its person to the page, which shows a code; the person
approves it with one of their keys; the page sends the browser back with a code, the SDK
exchanges it (PKCE) and lists tools with the key session."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import httpx2
from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import (
    AuthorizationCodeResult,
    OAuthClientMetadata,
)
from oauth_storage import MemoryStorage
from support import create_key

REDIRECT = "http://127.0.0.1:33418/callback"


class Person:
    """Who reads the page in the browser and approves the code (here through the API)."""

    def __init__(self, api: Any, headers: dict[str, str], key_id: str) -> None:
        self.api, self.headers, self.key_id = api, headers, key_id
        self.redirected: str | None = None
        self.page = ""

    async def open(self, authorization_url: str) -> None:
        async with httpx.AsyncClient() as browser:
            page = await browser.get(authorization_url)
            assert page.status_code == 200, page.text
            self.page = page.text
            code = re.search(r'id="user-code">([A-Z-]+)<', page.text).group(1)
            follow = re.search(r'href="([^"]+)"', page.text).group(1).replace("&amp;", "&")
            r = await self.api.post("/v1/connections/approve", headers=self.headers,
                                    json={"user_code": code, "key_id": self.key_id})
            assert r.status_code == 200, r.text
            done = await browser.get(follow)
            assert done.status_code == 302, done.text
            self.redirected = done.headers["location"]

    async def callback(self) -> AuthorizationCodeResult:
        assert self.redirected is not None
        query = parse_qs(urlsplit(self.redirected).query)
        return AuthorizationCodeResult(code=query["code"][0], state=query["state"][0])


async def test_the_sdk_connects_with_oauth_and_lists_tools(served_url, api, org):
    key, _ = await create_key(api, org.owner, scope="read", name="claude-laptop")
    person = Person(api, org.owner.headers, key["id"])
    storage = MemoryStorage()
    provider = OAuthClientProvider(
        server_url=f"{served_url}/v1/mcp",
        client_metadata=OAuthClientMetadata(client_name="Claude Code",
                                            redirect_uris=[REDIRECT]),
        storage=storage, redirect_handler=person.open, callback_handler=person.callback)
    async with httpx2.AsyncClient(auth=provider, timeout=30) as http, Client(
            streamable_http_client(f"{served_url}/v1/mcp", http_client=http)) as client:
        tools = {tool.name for tool in (await client.list_tools()).tools}
        who = await client.call_tool("whoami", {})
    assert "Claude Code" in person.page
    assert tools == {"whoami", "list_keys", "get_key", "key_activity", "audit_log"}  # read key
    assert who.structured_content["key"]["id"] == key["id"]
    assert storage.tokens is not None and storage.tokens.access_token.startswith("aks_")
    sessions = (await api.get(f"/v1/keys/{key['id']}/sessions",
                              headers=org.owner.headers)).json()["items"]
    assert [s["client_name"] for s in sessions] == ["Claude Code"]
