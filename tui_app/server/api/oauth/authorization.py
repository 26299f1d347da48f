"""Authlib's authorization server, on our storage.

Authlib checks the protocol (clients, redirect URIs, PKCE, grant types, the device
flow's answers, error codes); every state change is a use case in
services/oauth_requests.py and services/key_sessions.py. Its grants are synchronous, so
the routes run them in a worker thread.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from authlib.oauth2 import rfc8628
from authlib.oauth2.rfc6749 import (
    AuthorizationServer,
    ClientMixin,
    OAuth2Payload,
    OAuth2Request,
    grants,
)
from authlib.oauth2.rfc6749.errors import InvalidGrantError
from authlib.oauth2.rfc7636 import CodeChallenge
from starlette.responses import JSONResponse, Response

from tui_app.domain import connections as rules
from tui_app.server.services import key_sessions, oauth_requests
from tui_app.server.services.backend import Backend
from tui_app.server.services.oauth_requests import OAuthClient

PUBLIC_CLIENT = ["none"]  # every client is public: no secret, PKCE instead


class _Payload(OAuth2Payload):
    def __init__(self, items: Iterable[tuple[str, str]]) -> None:
        self._lists: defaultdict[str, list[str]] = defaultdict(list)
        for name, value in items:
            self._lists[name].append(value)
        self._values = {name: values[0] for name, values in self._lists.items()}

    @property
    def data(self) -> dict[str, str]:
        return self._values

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._lists


class HttpRequest(OAuth2Request):
    """An HTTP request as Authlib reads it: query and form already parsed (Starlette's
    form parsing is asynchronous; Authlib's grants are not)."""

    def __init__(self, method: str, uri: str, headers: dict[str, str],
                 query: list[tuple[str, str]], form: list[tuple[str, str]]) -> None:
        super().__init__(method, uri, headers=headers)
        self._args = dict(query)
        self._form = dict(form)
        self.payload = _Payload([*query, *form])

    @property
    def args(self) -> dict[str, str]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        return self._form


class Client(ClientMixin):  # type: ignore[misc]
    def __init__(self, client: OAuthClient) -> None:
        self.client = client

    def get_client_id(self) -> str:
        return self.client.id

    def get_default_redirect_uri(self) -> str | None:
        uris = self.client.redirect_uris
        return uris[0] if len(uris) == 1 else None

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(s for s in (scope or "").split() if s in rules.SCOPES)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.client.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return False

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == "none"

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.client.grant_types


@dataclass(frozen=True, slots=True)
class _Renewal:
    """A refresh token as presented: checked and rotated when the token is made (one
    transaction, so two racing refreshes cannot both succeed)."""

    token: str
    client_id: str

    def check_client(self, client: Client) -> bool:
        return client.get_client_id() == self.client_id

    def get_scope(self) -> str | None:
        return None

    def is_expired(self) -> bool:
        return False

    def is_revoked(self) -> bool:
        return False


class _S256Only(CodeChallenge):  # type: ignore[misc]
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"

    def get_authorization_code_challenge(self, authorization_code: Any) -> str:
        return str(authorization_code.code_challenge)

    def get_authorization_code_challenge_method(self, authorization_code: Any) -> str:
        return "S256"


@dataclass(frozen=True, slots=True)
class _Code:
    """A stored authorization code as Authlib's grant reads it."""

    record: oauth_requests.CodeRecord

    @property
    def code_challenge(self) -> str:
        return self.record.code_challenge

    def get_redirect_uri(self) -> str:
        return self.record.redirect_uri

    def get_scope(self) -> str:
        return self.record.scope

    def is_expired(self) -> bool:
        return self.record.expired


class AgentAuthorizationServer(AuthorizationServer):  # type: ignore[misc]
    def __init__(self, backend: Backend) -> None:
        super().__init__(scopes_supported=list(rules.SCOPES))
        self.backend = backend
        self.register_token_generator("default", self._issue)
        self.register_grant(_code_grant(backend), [_S256Only(required=True)])
        self.register_grant(_device_grant(backend))
        self.register_grant(_refresh_grant(backend))
        self._device_endpoint = _device_endpoint(backend)

    def device_endpoint_for(self, verification_uri: str) -> rfc8628.DeviceAuthorizationEndpoint:
        """The device authorization endpoint, naming where a person goes (this server's
        URL as the request named it)."""
        endpoint = self._device_endpoint(self)
        endpoint.verification_uri = verification_uri
        return endpoint

    def query_client(self, client_id: str) -> Client | None:
        found = oauth_requests.find_client(self.backend, client_id)
        return Client(found) if found is not None else None

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        """Nothing left to save: `_issue` stored the session as it made the tokens."""

    def create_oauth2_request(self, request: HttpRequest) -> HttpRequest:
        return request

    def create_json_request(self, request: HttpRequest) -> HttpRequest:
        return request

    def handle_response(self, status: int, body: Any, headers: Any) -> Response:
        headers = dict(headers or [])
        if isinstance(body, dict):
            return JSONResponse(body, status_code=status, headers=headers)
        return Response(body or b"", status_code=status, headers=headers)

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """No listeners: what a grant does is audited by the service it calls."""

    def _issue(self, grant_type: str, client: Client, user: Any = None,
               scope: str | None = None, expires_in: int | None = None,
               include_refresh_token: bool = True) -> dict[str, Any]:
        try:
            if isinstance(user, _Renewal):
                issued = key_sessions.renew_session(self.backend, user.token, user.client_id)
            else:
                issued = key_sessions.open_session(self.backend, user.request_id)
        except oauth_requests.InvalidGrant as exc:
            raise InvalidGrantError(description=exc.message) from None
        return {"token_type": "Bearer", "access_token": issued.access_token,
                "refresh_token": issued.refresh_token, "expires_in": issued.expires_in,
                "scope": issued.scope}


def _code_grant(backend: Backend) -> type[grants.AuthorizationCodeGrant]:
    class CodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]
        TOKEN_ENDPOINT_AUTH_METHODS = PUBLIC_CLIENT

        def save_authorization_code(self, code: str, request: HttpRequest) -> None:
            oauth_requests.issue_code(backend, request.payload.data["request_id"], code)

        def query_authorization_code(self, code: str, client: Client) -> _Code | None:
            record = oauth_requests.find_code(backend, code)
            if record is None or record.client_id != client.get_client_id():
                return None
            return None if record.expired else _Code(record)

        def delete_authorization_code(self, authorization_code: _Code) -> None:
            """Used up when its session opens (key_sessions.open_session)."""

        def authenticate_user(self, authorization_code: _Code) -> oauth_requests.Grant | None:
            answer = oauth_requests.answer_of(backend, authorization_code.record.request_id)
            return answer[0] if answer is not None and answer[1] else None

    return CodeGrant


def _device_grant(backend: Backend) -> type[rfc8628.DeviceCodeGrant]:
    class DeviceGrant(rfc8628.DeviceCodeGrant):  # type: ignore[misc]
        TOKEN_ENDPOINT_AUTH_METHODS = PUBLIC_CLIENT

        def query_device_credential(self, device_code: str) -> Any:
            found = oauth_requests.device_request(backend, device_code)
            return None if found is None else _DeviceCredential(found)

        def validate_device_credential(self, credential: _DeviceCredential) -> Any:
            if credential.request.used:
                raise InvalidGrantError(description="This device code was used already.")
            return super().validate_device_credential(credential)

        def query_user_grant(self, user_code: str) -> tuple[Any, bool] | None:
            request_id = oauth_requests.request_id_of(backend, user_code)
            return None if request_id is None else oauth_requests.answer_of(backend, request_id)

        def should_slow_down(self, credential: _DeviceCredential) -> bool:
            return oauth_requests.polled_too_soon(backend, credential.request.id)

    return DeviceGrant


@dataclass(frozen=True, slots=True)
class _DeviceCredential(rfc8628.DeviceCredentialMixin):  # type: ignore[misc]
    request: oauth_requests.DeviceRequest

    def get_client_id(self) -> str:
        return self.request.client_id

    def get_scope(self) -> str:
        return self.request.scope

    def get_user_code(self) -> str:
        return self.request.user_code

    def is_expired(self) -> bool:
        return self.request.expired


def _refresh_grant(backend: Backend) -> type[grants.RefreshTokenGrant]:
    class RefreshGrant(grants.RefreshTokenGrant):  # type: ignore[misc]
        TOKEN_ENDPOINT_AUTH_METHODS = PUBLIC_CLIENT
        INCLUDE_NEW_REFRESH_TOKEN = True

        def authenticate_refresh_token(self, refresh_token: str) -> _Renewal:
            return _Renewal(refresh_token, self.request.payload.client_id or "")

        def authenticate_user(self, credential: _Renewal) -> _Renewal:
            return credential

        def revoke_old_credential(self, credential: _Renewal) -> None:
            """Rotated as the new tokens are made (key_sessions.renew_session)."""

    return RefreshGrant


def _device_endpoint(backend: Backend) -> type[rfc8628.DeviceAuthorizationEndpoint]:
    class DeviceEndpoint(rfc8628.DeviceAuthorizationEndpoint):  # type: ignore[misc]
        CLIENT_AUTH_METHODS = PUBLIC_CLIENT
        EXPIRES_IN = int(rules.REQUEST_LIFETIME.total_seconds())
        INTERVAL = rules.POLL_INTERVAL_S
        verification_uri = ""

        def generate_user_code(self) -> str:
            return rules.new_user_code()

        def get_verification_uri(self) -> str:
            return self.verification_uri

        def save_device_credential(self, client_id: str, scope: str | None,
                                   data: dict[str, Any]) -> None:
            client = oauth_requests.find_client(backend, client_id)
            assert client is not None  # authenticated by the endpoint just before
            oauth_requests.start_device_request(
                backend, client, scope, device_code=data["device_code"],
                user_code=data["user_code"], lifetime_s=self.EXPIRES_IN)

    return DeviceEndpoint
