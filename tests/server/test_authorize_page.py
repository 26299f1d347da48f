"""The authorization page in a real headless browser (Debian's chromium) with scripts
off: from the client's first request to the redirect that carries `code` and `state`.
The page names the client, shows the code and how to approve it, asks for nothing, and
moves on by itself once the person approves."""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from support import create_key

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """One database is enough here: the page's flow is tested on both in test_connections."""
    return sqlite_url


@pytest.fixture
def browser() -> Iterator[Any]:
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        reason = "chromium and chromium-driver are not installed (.ci/run installs them)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage"):
        options.add_argument(argument)
    # Readable without script: the page must work with JavaScript off.
    options.add_experimental_option(
        "prefs", {"profile.managed_default_content_settings.javascript": 2})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def callback() -> Iterator[tuple[str, list[str]]]:
    """The client's redirect URI: a loopback listener that keeps what it was sent."""
    received: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            received.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"You can close this window.")

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/callback", received
    finally:
        server.shutdown()


def _pkce() -> tuple[str, str]:
    verifier = base64.urlsafe_b64encode(os.urandom(40)).decode().rstrip("=")
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode().rstrip("=")


async def test_the_page_from_first_request_to_redirect(served_url, api, org, browser,
                                                       callback):
    from selenium.webdriver.common.by import By

    redirect_uri, received = callback
    key, _ = await create_key(api, org.owner, scope="read_write", name="cursor-laptop")
    async with httpx.AsyncClient(base_url=served_url) as http:
        client_id = (await http.post("/v1/oauth/register", json={
            "client_name": "Cursor", "redirect_uris": [redirect_uri]})).json()["client_id"]
    verifier, challenge = _pkce()
    query = urlencode({"response_type": "code", "client_id": client_id,
                       "redirect_uri": redirect_uri, "state": "s-123", "scope": "read_write",
                       "code_challenge": challenge, "code_challenge_method": "S256",
                       "resource": f"{served_url}/v1/mcp"})
    browser.get(f"{served_url}/v1/oauth/authorize?{query}")
    text = browser.find_element(By.TAG_NAME, "body").text
    assert "Cursor asks to use one of your agent keys" in text
    assert "read and write" in text and "agentkeys approve" in text
    assert "never asks for a password or a token" in text
    assert not browser.find_elements(By.TAG_NAME, "input")  # it asks for nothing
    assert not browser.find_elements(By.TAG_NAME, "script")
    code = browser.find_element(By.ID, "user-code").text
    assert received == []  # nothing goes back before the person answers

    r = await api.post("/v1/connections/approve", headers=org.owner.headers,
                       json={"user_code": code, "key_id": key["id"]})
    assert r.status_code == 200, r.text
    deadline = time.monotonic() + 20  # the page reloads its continue link every 3 s
    while not received and time.monotonic() < deadline:
        time.sleep(0.2)
    assert received, browser.page_source
    back = parse_qs(urlsplit(received[0]).query)
    assert back["state"] == ["s-123"] and back["code"]
    assert browser.current_url.startswith(redirect_uri)
    async with httpx.AsyncClient(base_url=served_url) as http:
        tokens = await http.post("/v1/oauth/token", data={
            "grant_type": "authorization_code", "code": back["code"][0],
            "client_id": client_id, "redirect_uri": redirect_uri, "code_verifier": verifier})
    assert tokens.status_code == 200, tokens.text
    assert tokens.json()["access_token"].startswith("aks_")
