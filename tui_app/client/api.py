"""ApiClient: every endpoint of the HTTP API as an async method over httpx.

The TUI calls it from async workers; the CLI through asyncio.run. Errors become ApiError
(the server's envelope) or ServerUnreachable (no answer); the token is only ever in the
Authorization header, never in a message.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import httpx

from tui_app.client.errors import ApiError, ServerUnreachable
from tui_app.client.people_and_connections import ConnectionCalls, PeopleCalls, key_path
from tui_app.client.wire import OWN_KEYS_PAGE, key_page, request_headers
from tui_app.domain.clock import to_rfc3339
from tui_app.domain.models import (
    ActivityEntry,
    AgentKey,
    AuditEvent,
    BulkResult,
    CreatedKey,
    Me,
    Page,
    UsageDay,
)

_UNSET: Any = object()


def _statuses(status: str | Iterable[str] | None) -> str | None:
    if status is None or isinstance(status, str):
        return status
    return ",".join(status)


def _activity_page(data: dict[str, Any]) -> Page[ActivityEntry]:
    return Page(items=tuple(ActivityEntry.from_json(item) for item in data["items"]),
                next_cursor=data.get("next_cursor"))


# An idle connection is dropped by the client before the server closes it (uvicorn's
# timeout_keep_alive: 5 s by default, SERVER_KEEP_ALIVE where we run it), so a request
# is rarely written onto a connection the server is closing.
KEEPALIVE_EXPIRY = 4.0
# "Rarely" is not never: a request that met a connection closed by the server before any
# answer is sent once more, when sending it twice cannot do anything twice: reads, and
# writes carrying an Idempotency-Key (the server answers the first one's result).
_CLOSED_BEFORE_ANSWER = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _may_repeat(method: str, headers: dict[str, str] | None) -> bool:
    return method.upper() in _SAFE_METHODS or "Idempotency-Key" in (headers or {})


class ApiClient(PeopleCalls, ConnectionCalls):
    """The HTTP API as Python calls: one method per endpoint, records in and out,
    errors as ApiError (what the server refused) or ServerUnreachable."""

    def __init__(
        self,
        base_url: str,
        token: str | None,
        *,
        source: str = "tui",
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.AsyncClient(
            base_url=self.base_url, headers=request_headers(token, source), timeout=timeout,
            transport=transport,
            limits=httpx.Limits(keepalive_expiry=KEEPALIVE_EXPIRY),
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> ApiClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- plumbing ---------------------------------------------------------------

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        clean_params = {k: v for k, v in (params or {}).items() if v is not None}
        for name, value in clean_params.items():
            if isinstance(value, bool):
                clean_params[name] = "true" if value else "false"
        try:
            try:
                response = await self._http.request(
                    method, path, params=clean_params, json=json, headers=headers
                )
            except _CLOSED_BEFORE_ANSWER:
                if not _may_repeat(method, headers):
                    raise
                response = await self._http.request(
                    method, path, params=clean_params, json=json, headers=headers
                )
        except httpx.TransportError as exc:
            raise ServerUnreachable(self.base_url, type(exc).__name__) from None
        if response.status_code >= 400:
            raise self._error(response)
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            # A proxy's or another site's HTML page: say so instead of a JSON traceback.
            raise ApiError(
                response.status_code, "BAD_RESPONSE",
                f"The answer from {self.base_url} is not JSON; is it an agentkeys server?",
            ) from None

    @staticmethod
    def _error(response: httpx.Response) -> ApiError:
        retry_after = response.headers.get("Retry-After")
        try:
            envelope = response.json()["error"]
            code, message, details = envelope["code"], envelope["message"], envelope.get("details")
            if not isinstance(code, str) or not isinstance(message, str):
                raise TypeError  # not our envelope: whatever it is, do not show it raw
        except (ValueError, KeyError, TypeError):
            code, details = "HTTP_ERROR", None
            message = f"The server answered {response.status_code}."
        return ApiError(
            response.status_code, code, message, details,
            float(retry_after) if retry_after and retry_after.isdigit() else None,
        )

    # -- identity ---------------------------------------------------------------

    async def health(self) -> bool:
        await self._request("GET", "/healthz")
        return True

    async def me(self) -> Me:
        return Me.from_json(await self._request("GET", "/v1/me"))

    # -- own keys ---------------------------------------------------------------

    async def list_keys(
        self,
        status: str | Iterable[str] | None = "all",
        *,
        q: str | None = None,
        sort: str | None = None,
        order: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Page[AgentKey]:
        params = {"status": _statuses(status), "q": q or None, "sort": sort, "order": order,
                  "limit": limit, "cursor": cursor}
        return key_page(await self._request("GET", "/v1/keys", params=params))

    async def list_all_keys(
        self, status: str | Iterable[str] | None = "all", **filters: Any
    ) -> list[AgentKey]:
        """Every page of the caller's own keys (a person's keys are few)."""
        keys: list[AgentKey] = []
        cursor = None
        while True:
            page = await self.list_keys(status, cursor=cursor, limit=OWN_KEYS_PAGE, **filters)
            keys.extend(page.items)
            cursor = page.next_cursor
            if not cursor:
                return keys

    async def create_key(
        self,
        *,
        name: str,
        description: str = "",
        expires_at: datetime | None,
        scope: str = "read",
        allowed_tools: Iterable[str] = (),
        blocked_tools: Iterable[str] = (),
        rate_limit_rpm: int | None = None,
        accept_terms: bool = False,
        idempotency_key: str | None = None,
    ) -> CreatedKey:
        """Create a key. Pass the same idempotency_key to retry a lost response safely."""
        body = {
            "name": name,
            "description": description,
            "expires_at": to_rfc3339(expires_at),
            "scope": scope,
            "allowed_tools": list(allowed_tools),
            "blocked_tools": list(blocked_tools),
            "rate_limit_rpm": rate_limit_rpm,
            "accept_terms": accept_terms,
        }
        headers = {"Idempotency-Key": idempotency_key or str(uuid.uuid4())}
        data = await self._request("POST", "/v1/keys", json=body, headers=headers)
        return CreatedKey(key=AgentKey.from_json(data["key"]), secret=data["secret"])

    async def get_key(self, key_id: str) -> AgentKey:
        return AgentKey.from_json(await self._request("GET", key_path(key_id)))

    async def update_key(
        self,
        key_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        expires_at: datetime | None = _UNSET,
        if_match: int | None = None,
    ) -> AgentKey:
        """Edit name, description and expiry. expires_at=None means "never" (if allowed)."""
        body: dict[str, Any] = {}
        if name is not None:
            body["name"] = name
        if description is not None:
            body["description"] = description
        if expires_at is not _UNSET:
            body["expires_at"] = to_rfc3339(expires_at)
        headers = {"If-Match": str(if_match)} if if_match is not None else None
        data = await self._request("PATCH", key_path(key_id), json=body, headers=headers)
        return AgentKey.from_json(data)

    async def revoke_key(self, key_id: str) -> AgentKey:
        return AgentKey.from_json(await self._request("POST", key_path(key_id, "revoke")))

    async def disable_key(self, key_id: str) -> AgentKey:
        return AgentKey.from_json(await self._request("POST", key_path(key_id, "disable")))

    async def enable_key(self, key_id: str) -> AgentKey:
        return AgentKey.from_json(await self._request("POST", key_path(key_id, "enable")))

    async def delete_key(self, key_id: str) -> dict[str, Any]:
        """Returns {"id", "deleted": True, "used_in_last_24h": bool, "last_used_at"}."""
        result: dict[str, Any] = await self._request("DELETE", key_path(key_id))
        return result

    # -- admin ------------------------------------------------------------------

    async def admin_list_keys(
        self,
        *,
        status: str | Iterable[str] | None = None,
        owner: str | None = None,
        team: str | None = None,
        q: str | None = None,
        stale_days: int | None = None,
        never_used: bool | None = None,
        expiring_within_days: int | None = None,
        sort: str | None = None,
        order: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
        include_totals: bool = False,
    ) -> Page[AgentKey]:
        params = {
            "status": _statuses(status), "owner": owner, "team": team, "q": q or None,
            "stale_days": stale_days, "never_used": never_used,
            "expiring_within_days": expiring_within_days, "sort": sort, "order": order,
            "limit": limit, "cursor": cursor, "include_totals": include_totals or None,
        }
        return key_page(await self._request("GET", "/v1/admin/keys", params=params))

    async def bulk(
        self, action: str, ids: Iterable[str], *, days: int | None = None
    ) -> list[BulkResult]:
        body: dict[str, Any] = {"action": action, "ids": list(ids)}
        if days is not None:
            body["days"] = days
        data = await self._request("POST", "/v1/admin/keys/bulk", json=body)
        return [BulkResult.from_json(item) for item in data["results"]]

    # -- audit ------------------------------------------------------------------

    async def audit(
        self,
        *,
        key_id: str | None = None,
        actor: str | None = None,
        action: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Page[AuditEvent]:
        params = {"key_id": key_id, "actor": actor, "action": action, "limit": limit,
                  "cursor": cursor}
        data = await self._request("GET", "/v1/audit", params=params)
        return Page(
            items=tuple(AuditEvent.from_json(item) for item in data["items"]),
            next_cursor=data.get("next_cursor"),
        )

    # -- activity ---------------------------------------------------------------

    async def key_activity(
        self,
        key_id: str,
        *,
        result: str | None = None,
        channel: str | None = None,
        tool: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Page[ActivityEntry]:
        """What agents did with one key, newest first; result is "ok" or "refused"."""
        params = {"result": result, "channel": channel, "tool": tool or None,
                  "limit": limit, "cursor": cursor}
        return _activity_page(
            await self._request("GET", key_path(key_id, "activity"), params=params))

    async def key_usage(self, key_id: str, *, days: int = 30) -> tuple[UsageDay, ...]:
        """Calls per UTC day, oldest first, days without calls included."""
        data = await self._request("GET", key_path(key_id, "usage"), params={"days": days})
        return tuple(UsageDay.from_json(day) for day in data["days"])

    async def activity(
        self,
        *,
        key: str | None = None,
        owner: str | None = None,
        tool: str | None = None,
        code: str | None = None,
        result: str | None = None,
        channel: str | None = None,
        since: datetime | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Page[ActivityEntry]:
        """Activity across the keys the caller may see, newest first."""
        params = {"key": key or None, "owner": owner or None, "tool": tool or None,
                  "code": code or None, "result": result, "channel": channel,
                  "since": to_rfc3339(since), "limit": limit, "cursor": cursor}
        return _activity_page(await self._request("GET", "/v1/activity", params=params))

    # -- agents -----------------------------------------------------------------

    async def verify(
        self, key: str, *, tool: str | None = None, access: str | None = None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"key": key}
        if tool is not None:
            body["tool"] = tool
        if access is not None:
            body["access"] = access
        result: dict[str, Any] = await self._request("POST", "/v1/verify", json=body)
        return result
