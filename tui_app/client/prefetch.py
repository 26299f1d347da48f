"""The first screenful — who I am and my keys — fetched while Textual is still importing.

`make bench` times `agentkeys` from process start to its rows on screen. The TUI's
client, httpx, costs ~150 ms of imports before its first request (its CLI module alone
pulls in click and pygments), and those imports run after the first paint, holding the
GIL. So when the local server is already running, the command line forks a small child
before Textual is imported: it asks the local server for /v1/me and /v1/keys with the
standard library's http.client and writes the answers to a pipe. It runs on the other
core, so the TUI's own start-up does not slow down; the app reads the pipe as soon as
its first frame is painted and My keys shows the keys in the next one. Everything after
that (refresh, actions, the details' events) goes through ApiClient as usual.

Best effort by design: any failure makes `result()` None and the app asks again through
ApiClient, which reports errors properly. Only for the local server (plain HTTP on
loopback, token already in hand); a configured server goes the usual way.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui_app.domain.models import AgentKey, Me

TIMEOUT = 10.0


class Prefetch:
    """Forks the fetching child at once; `result()` reads its answer (once)."""

    def __init__(self, url: str, token: str) -> None:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: fetch, write, and leave without any of the parent's cleanup
            os.close(read_end)
            try:
                payload = _fetch(url, token)
            except BaseException:  # an empty answer means "ask again"
                payload = b""
            _write_all(write_end, payload)
            os._exit(0)
        os.close(write_end)
        self._pid = pid
        self._fd: int | None = read_end

    def ready(self) -> bool:
        """True once the answer is there (or the child gave up): result() won't wait."""
        return self._fd is None or bool(select.select([self._fd], [], [], 0)[0])

    def result(self, timeout: float = TIMEOUT) -> tuple[Me, list[AgentKey]] | None:
        if self._fd is None:
            return None
        fd, self._fd = self._fd, None
        chunks: list[bytes] = []
        finished = False
        try:
            while select.select([fd], [], [], timeout)[0]:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    finished = True
                    break
                chunks.append(chunk)
        finally:
            os.close(fd)
            if not finished:  # it hangs: it has no business outliving this call
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
        if not finished:
            return None
        return _parse(b"".join(chunks))


def _parse(payload: bytes) -> tuple[Me, list[AgentKey]] | None:
    if not payload:
        return None
    from tui_app.domain.models import AgentKey, Me

    try:
        data = json.loads(payload)
        return Me.from_json(data["me"]), [AgentKey.from_json(item) for item in data["keys"]]
    except (ValueError, KeyError, TypeError):
        return None


def _fetch(url: str, token: str) -> bytes:
    """In the child: {"me": …, "keys": [every key, all pages]} as JSON bytes."""
    import http.client
    from urllib.parse import urlencode, urlsplit

    from tui_app.client.wire import OWN_KEYS_PAGE, request_headers

    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        return b""  # TLS and proxies are httpx's business
    connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=TIMEOUT)
    headers = request_headers(token, "tui")

    def get(path: str) -> Any:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"GET {path.split('?')[0]} answered {response.status}")
        return json.loads(body)

    try:
        me = get("/v1/me")
        keys: list[Any] = []
        params: dict[str, Any] = {"status": "all", "limit": OWN_KEYS_PAGE}
        while True:
            page = get(f"/v1/keys?{urlencode(params)}")
            keys.extend(page["items"])
            if not page.get("next_cursor"):
                return json.dumps({"me": me, "keys": keys}).encode()
            params["cursor"] = page["next_cursor"]
    finally:
        connection.close()


def _write_all(fd: int, payload: bytes) -> None:
    view = memoryview(payload)
    while view:
        view = view[os.write(fd, view):]
    os.close(fd)
