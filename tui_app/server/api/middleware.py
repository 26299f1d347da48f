"""The server's own ASGI middleware: what must hold for every request before any route
runs, and the last resort after.

A last-resort handler logs an unexpected exception's type and place — no request data,
so no secret — and answers 500 INTERNAL with the error envelope; NUL characters in the
address and oversized bodies are refused before they reach a route or a query.
"""

from __future__ import annotations

import logging

from fastapi import HTTPException as FastAPIHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tui_app.server.api.errors import envelope

log = logging.getLogger("agentkeys.server")


class LastResort:
    """Turn an unexpected exception into a 500 envelope, logging only its type and the
    route. (Starlette's own last-resort handler re-raises, and the server would then log
    the traceback and the exception's text, which could echo request data.)"""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            where = getattr(exc, "__traceback__", None)
            while where is not None and where.tb_next is not None:
                where = where.tb_next
            place = (f"{where.tb_frame.f_code.co_filename}:{where.tb_lineno}"
                     if where is not None else "?")
            log.error("unexpected %s at %s in %s %s", type(exc).__name__, place,
                      scope.get("method"), scope.get("path"))
            if not started:
                response = envelope(500, "INTERNAL", "The server hit an unexpected problem.")
                await response(scope, receive, send)


class RejectNul:
    """Refuse NUL characters in the path and query string with 422: PostgreSQL text
    cannot hold them, so they would otherwise fail deep in a query as a 500."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            field = None
            if "\x00" in scope.get("path", ""):
                field = "path"
            elif b"%00" in scope.get("query_string", b"") or b"\x00" in scope.get(
                "query_string", b""
            ):
                field = "query"
            if field is not None:
                message = "The address contains a NUL character, which is never valid."
                response = envelope(422, "VALIDATION_FAILED", message,
                                    [{"field": field, "message": message}])
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class BodySizeLimit:
    """Refuse request bodies over `limit` bytes with 413 and the envelope (pure ASGI, so
    it also stops chunked uploads that carry no Content-Length)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    too_big = int(value) > self.limit
                except ValueError:
                    too_big = False
                if too_big:
                    await self._reject(send)
                    return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    # An HTTPException, so FastAPI's body parsing re-raises it as is
                    # (anything else would become a 400 there).
                    raise _TooLarge(413, self._message())
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._reject(send)

    async def _reject(self, send: Send) -> None:
        response = envelope(
            413, "PAYLOAD_TOO_LARGE", self._message())
        await send({"type": "http.response.start", "status": 413,
                    "headers": response.raw_headers})
        await send({"type": "http.response.body", "body": response.body})


    def _message(self) -> str:
        return f"The request body is larger than {max(1, self.limit // 1024)} KiB."


class _TooLarge(FastAPIHTTPException):
    pass
