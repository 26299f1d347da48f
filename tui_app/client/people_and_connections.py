"""ApiClient's calls about people, teams and connections, apart so that api.py stays
about the transport and keys. Mixed into ApiClient, whose `_request` they use."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from tui_app.domain.connections import Approval, KeySession, PendingConnection
from tui_app.domain.models import Page, Team, User


def segment(value: str) -> str:
    """An id as one path segment: `key_x/../../users` must not reach another endpoint."""
    return quote(value, safe="")


def key_path(key_id: str, action: str | None = None) -> str:
    path = f"/v1/keys/{segment(key_id)}"
    return f"{path}/{action}" if action else path


class _Calls:
    async def _request(self, method: str, path: str, *,
                       params: dict[str, Any] | None = None, json: Any = None,
                       headers: dict[str, str] | None = None) -> Any:
        raise NotImplementedError  # ApiClient's


class PeopleCalls(_Calls):
    async def list_users(
        self,
        *,
        q: str | None = None,
        role: str | None = None,
        team: str | None = None,
        active: bool | None = None,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> Page[User]:
        """People by email with their key counts (a manager: their teams' people)."""
        params = {"q": q or None, "role": role, "team": team or None, "active": active,
                  "cursor": cursor, "limit": limit}
        data = await self._request("GET", "/v1/users", params=params)
        return Page(items=tuple(User.from_json(u) for u in data["items"]),
                    next_cursor=data.get("next_cursor"))

    async def create_user(
        self, *, email: str, name: str, role: str, teams: Iterable[str] = ()
    ) -> tuple[User, str]:
        """Returns the user and their first login token (shown once)."""
        data = await self._request(
            "POST", "/v1/users",
            json={"email": email, "name": name, "role": role, "teams": list(teams)},
        )
        return User.from_json(data["user"]), data["token"]

    async def update_user(
        self, user_id: str, *, name: str | None = None, role: str | None = None,
        teams: Iterable[str] | None = None,
    ) -> User:
        """Changes what is given; `teams` replaces the person's teams."""
        body: dict[str, Any] = {"name": name, "role": role,
                                "teams": None if teams is None else list(teams)}
        path = f"/v1/users/{segment(user_id)}"
        return User.from_json(await self._request(
            "PATCH", path, json={k: v for k, v in body.items() if v is not None}))

    async def deactivate_user(self, user_id: str) -> tuple[User, int]:
        """The person and how many of their keys stopped working."""
        data = await self._request("POST", f"/v1/users/{segment(user_id)}/deactivate")
        return User.from_json(data), int(data.get("keys_affected", 0))

    async def reactivate_user(self, user_id: str) -> tuple[User, int]:
        """The person and how many of their keys work again."""
        data = await self._request("POST", f"/v1/users/{segment(user_id)}/reactivate")
        return User.from_json(data), int(data.get("keys_affected", 0))

    async def new_login_token(self, user_id: str, *, revoke_others: bool = False
                              ) -> tuple[User, str]:
        """A new login token for the person (shown once)."""
        data = await self._request("POST", f"/v1/users/{segment(user_id)}/login-tokens",
                                   json={"revoke_others": revoke_others})
        return User.from_json(data["user"]), data["token"]

    async def list_teams(self) -> tuple[Team, ...]:
        data = await self._request("GET", "/v1/teams")
        return tuple(Team.from_json(t) for t in data["items"])

    async def create_team(self, name: str) -> Team:
        return Team.from_json(await self._request("POST", "/v1/teams", json={"name": name}))

    async def rename_team(self, team: str, name: str) -> Team:
        """`team`: its id or its current name."""
        return Team.from_json(await self._request(
            "PATCH", f"/v1/teams/{segment(team)}", json={"name": name}))


class ConnectionCalls(_Calls):
    """Approving agents' connections, and key sessions."""

    async def pending_connection(self, user_code: str) -> PendingConnection:
        return PendingConnection.from_json(await self._request(
            "GET", f"/v1/connections/pending/{segment(user_code)}"))

    async def approve_connection(self, user_code: str, key_id: str) -> Approval:
        return Approval.from_json(await self._request(
            "POST", "/v1/connections/approve",
            json={"user_code": user_code, "key_id": key_id}))

    async def deny_connection(self, user_code: str) -> None:
        await self._request("POST", "/v1/connections/deny", json={"user_code": user_code})

    async def key_sessions(self, key_id: str) -> tuple[KeySession, ...]:
        data = await self._request("GET", key_path(key_id, "sessions"))
        return tuple(KeySession.from_json(item) for item in data["items"])

    async def revoke_session(self, session_id: str) -> KeySession:
        return KeySession.from_json(await self._request(
            "POST", f"/v1/sessions/{segment(session_id)}/revoke"))
