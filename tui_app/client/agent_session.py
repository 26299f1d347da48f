"""The agent's side of a connection: an OAuth public client that gets a key session
through the device flow (RFC 8628) and keeps it alive with rotating refresh tokens.

The session is what `agentkeys agent header` hands to Claude Code's headersHelper: a
short-lived access token (`aks_…`, it acts as the key the person picked) and a
single-use refresh token. Nothing here prints; no exception message holds a token.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import httpx

from tui_app.client.errors import ServerUnreachable
from tui_app.domain.clock import parse_rfc3339, system_clock, to_rfc3339

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
CLIENT_NAME = "agentkeys agent"
# An access token this close to its end is renewed first: a request sent with it could
# otherwise be refused on arrival.
REFRESH_MARGIN = timedelta(seconds=60)
# RFC 8628: what a too-early poll adds to the interval, for that poll and all later ones.
SLOW_DOWN_STEP_S = 5
DEFAULT_INTERVAL_S = 5


class OAuthError(Exception):
    """The authorization server refused: `error` is OAuth's code (access_denied,
    expired_token, invalid_grant, …), `description` its words."""

    def __init__(self, error: str, description: str = "") -> None:
        super().__init__(f"{error}: {description}" if description else error)
        self.error = error
        self.description = description


@dataclass(frozen=True, slots=True)
class DeviceStart:
    """What the device endpoint answered: the code to show and how to wait for it."""

    device_code: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str | None
    expires_in: int
    interval: int

    def __repr__(self) -> str:  # the device code is a bearer credential until used
        return f"DeviceStart(user_code={self.user_code!r}, expires_in={self.expires_in})"


@dataclass(frozen=True, slots=True)
class AgentSession:
    """A key session as the agent keeps it: the refresh token is what matters; the access
    token and its end are a cache that saves a refresh on every call."""

    server_url: str
    client_id: str
    refresh_token: str
    access_token: str | None
    access_expires_at: datetime | None
    scope: str

    def __repr__(self) -> str:
        return (f"AgentSession(server_url={self.server_url!r}, client_id={self.client_id!r}, "
                f"scope={self.scope!r}, access_expires_at={self.access_expires_at!r})")

    def needs_refresh(self, now: datetime) -> bool:
        return (self.access_token is None or self.access_expires_at is None
                or self.access_expires_at - REFRESH_MARGIN <= now)

    def without_access_token(self) -> AgentSession:
        return replace(self, access_token=None, access_expires_at=None)

    def to_json(self) -> str:
        return json.dumps({
            "server_url": self.server_url, "client_id": self.client_id,
            "refresh_token": self.refresh_token, "access_token": self.access_token,
            "access_expires_at": to_rfc3339(self.access_expires_at), "scope": self.scope,
        }, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> AgentSession:
        """Raises ValueError when the stored text is not a session."""
        try:
            data = json.loads(text)
            return cls(server_url=str(data["server_url"]), client_id=str(data["client_id"]),
                       refresh_token=str(data["refresh_token"]),
                       access_token=data.get("access_token") or None,
                       access_expires_at=parse_rfc3339(data.get("access_expires_at")),
                       scope=str(data.get("scope") or "read"))
        except (ValueError, KeyError, TypeError, AttributeError):
            raise ValueError("the stored agent session is damaged") from None


class AgentOAuth:
    """The OAuth calls an agent makes to one server (synchronous: a CLI process makes a
    few of them and exits)."""

    def __init__(self, server_url: str, *, timeout: float = 10.0,
                 transport: httpx.BaseTransport | None = None,
                 clock: Callable[[], datetime] = system_clock) -> None:
        self.server_url = server_url.rstrip("/")
        self.clock = clock
        self._http = httpx.Client(base_url=self.server_url, timeout=timeout,
                                  transport=transport,
                                  headers={"User-Agent": "agentkeys-agent"})

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> AgentOAuth:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the wire ---------------------------------------------------------------------

    def _post(self, path: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
        try:
            response = self._http.post(path, **kwargs)
        except httpx.TransportError as exc:
            raise ServerUnreachable(self.server_url, type(exc).__name__) from None
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise OAuthError("server_error", f"HTTP {response.status_code} without an OAuth "
                             "answer: is this an agentkeys server?")
        return response.status_code, data

    @staticmethod
    def _refused(data: dict[str, Any]) -> OAuthError:
        return OAuthError(str(data.get("error") or "server_error"),
                          str(data.get("error_description") or ""))

    # -- registration and the device flow -----------------------------------------------

    def register(self, client_name: str = CLIENT_NAME) -> str:
        """Register a public client for the device flow; its client_id."""
        status, data = self._post("/v1/oauth/register", json={
            "client_name": client_name, "redirect_uris": [],
            "grant_types": [DEVICE_GRANT, "refresh_token"],
            "token_endpoint_auth_method": "none"})
        if status != 201 or not isinstance(data.get("client_id"), str):
            raise self._refused(data)
        return str(data["client_id"])

    def start_device(self, client_id: str, scope: str) -> DeviceStart:
        status, data = self._post("/v1/oauth/device/code",
                                  data={"client_id": client_id, "scope": scope})
        if status != 200:
            raise self._refused(data)
        try:
            return DeviceStart(
                device_code=str(data["device_code"]), user_code=str(data["user_code"]),
                verification_uri=str(data["verification_uri"]),
                verification_uri_complete=data.get("verification_uri_complete"),
                expires_in=int(data.get("expires_in") or 600),
                interval=max(1, int(data.get("interval") or DEFAULT_INTERVAL_S)))
        except (KeyError, TypeError, ValueError):
            raise OAuthError("server_error", "The device code answer is incomplete.") from None

    def wait_for_approval(
        self, client_id: str, start: DeviceStart, *,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> AgentSession:
        """Poll the token endpoint until the person answers: waiting `interval` seconds
        before each poll, five more for every slow_down (for all later polls, as RFC
        8628 says). OAuthError access_denied or expired_token when it ends without a
        session; expired_token too when the code's lifetime passes here first."""
        interval = start.interval
        deadline = monotonic() + start.expires_in
        while True:
            if monotonic() + interval > deadline:
                raise OAuthError("expired_token", "The code expired before it was approved.")
            sleep(interval)
            status, data = self._post("/v1/oauth/token", data={
                "grant_type": DEVICE_GRANT, "device_code": start.device_code,
                "client_id": client_id})
            if status == 200:
                return self._session(client_id, data)
            error = data.get("error")
            if error == "authorization_pending":
                continue
            if error == "slow_down":
                interval += SLOW_DOWN_STEP_S
                continue
            raise self._refused(data)

    def refresh(self, session: AgentSession) -> AgentSession:
        """A new access token and a new refresh token. The old refresh token is spent
        once this returns: the caller stores the new one at once. OAuthError
        invalid_grant when the session has ended (revoked, expired, replayed)."""
        status, data = self._post("/v1/oauth/token", data={
            "grant_type": "refresh_token", "refresh_token": session.refresh_token,
            "client_id": session.client_id})
        if status != 200:
            raise self._refused(data)
        return self._session(session.client_id, data, previous_scope=session.scope)

    def _session(self, client_id: str, data: dict[str, Any],
                 previous_scope: str | None = None) -> AgentSession:
        access, refresh = data.get("access_token"), data.get("refresh_token")
        if not isinstance(access, str) or not isinstance(refresh, str):
            raise OAuthError("server_error", "The token answer has no tokens.")
        expires_in = data.get("expires_in")
        expires_at = (self.clock() + timedelta(seconds=int(expires_in))
                      if isinstance(expires_in, int | float) else None)
        return AgentSession(server_url=self.server_url, client_id=client_id,
                            refresh_token=refresh, access_token=access,
                            access_expires_at=expires_at,
                            scope=str(data.get("scope") or previous_scope or "read"))
