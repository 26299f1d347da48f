"""The OAuth endpoints: discovery (RFC 8414, RFC 9728), registration (RFC 7591), the
authorization code flow's page, the device flow (RFC 8628) and the token endpoint.

OAuth's own error format (`{"error", "error_description"}`) is used here, as clients
expect it, not the API's envelope.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlencode

from authlib.oauth2.rfc6749.errors import InsecureTransportError, OAuth2Error
from authlib.oauth2.rfc8414 import AuthorizationServerMetadata
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from tui_app.domain import connections as rules
from tui_app.domain.checks import FieldErrors
from tui_app.server.api.deps import backend_of
from tui_app.server.api.oauth import page
from tui_app.server.api.oauth.authorization import AgentAuthorizationServer, HttpRequest
from tui_app.server.api.oauth.urls import mcp_resource, public_base
from tui_app.server.services import oauth_requests

router = APIRouter(tags=["oauth"])
_FORM_MAX = 16 * 1024


def oauth_server(request: Request) -> AgentAuthorizationServer:
    server: AgentAuthorizationServer = request.app.state.oauth
    return server


def _oauth_error(error: str, description: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description},
                        status_code=status, headers={"Cache-Control": "no-store"})


async def _http_request(request: Request) -> HttpRequest | JSONResponse:
    """The request as Authlib reads it (a form body parsed here: urlencoded, as the
    token and device endpoints take it), or the error to answer instead."""
    form: list[tuple[str, str]] = []
    if request.method == "POST":
        body = await request.body()
        try:
            if len(body) > _FORM_MAX:
                raise ValueError
            form = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
        except (UnicodeDecodeError, ValueError):
            return _oauth_error("invalid_request", "Send a small urlencoded form.")
    uri = f"{public_base(request)}{request.url.path}"
    if request.url.query:
        uri += f"?{request.url.query}"
    try:
        return HttpRequest(request.method, uri, dict(request.headers),
                           list(request.query_params.multi_items()), form)
    except InsecureTransportError:
        return _oauth_error("insecure_transport", "OAuth needs https, or plain http on "
                            "this machine only (localhost, 127.0.0.1); set "
                            "AGENTKEYS_PUBLIC_URL to the server's https address.")


def metadata(request: Request) -> dict[str, Any]:
    base = public_base(request)
    data = AuthorizationServerMetadata({
        "issuer": base,
        "authorization_endpoint": f"{base}/v1/oauth/authorize",
        "token_endpoint": f"{base}/v1/oauth/token",
        "registration_endpoint": f"{base}/v1/oauth/register",
        "device_authorization_endpoint": f"{base}/v1/oauth/device/code",
        "response_types_supported": ["code"],
        "grant_types_supported": list(oauth_requests.GRANT_TYPES),
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none"],
        "scopes_supported": list(rules.SCOPES),
    })
    if base.startswith("https://"):
        # Authlib's check of RFC 8414 insists on an https issuer; a server on this machine
        # (the local server, tests) speaks plain http on loopback, which OAuth allows.
        data.validate()
    return dict(data)


@router.get("/.well-known/oauth-authorization-server",
            summary="Authorization server metadata (RFC 8414)")
async def authorization_server_metadata(request: Request) -> JSONResponse:
    return JSONResponse(metadata(request))


def _resource_metadata(request: Request) -> JSONResponse:
    return JSONResponse({
        "resource": mcp_resource(request),
        "authorization_servers": [public_base(request)],
        "bearer_methods_supported": ["header"],
        "scopes_supported": list(rules.SCOPES),
        "resource_name": "agentkeys MCP",
    })


@router.get("/.well-known/oauth-protected-resource/v1/mcp",
            summary="The MCP endpoint's protected resource metadata (RFC 9728)")
async def mcp_resource_metadata(request: Request) -> JSONResponse:
    return _resource_metadata(request)


@router.get("/.well-known/oauth-protected-resource", include_in_schema=False)
async def root_resource_metadata(request: Request) -> JSONResponse:
    """Where clients that do not append the resource's path look."""
    return _resource_metadata(request)


@router.post("/v1/oauth/register", status_code=201,
             summary="Register a public client (RFC 7591)")
async def register(request: Request) -> JSONResponse:
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        return _oauth_error("invalid_client_metadata", "The body is not JSON.")
    if not isinstance(body, dict):
        return _oauth_error("invalid_client_metadata", "The body must be a JSON object.")
    name = body.get("client_name") or "An MCP client"
    uris = body.get("redirect_uris") or []
    kinds = body.get("grant_types") or ["authorization_code", "refresh_token"]
    method = body.get("token_endpoint_auth_method", "none")
    if not (isinstance(name, str) and isinstance(uris, list)
            and all(isinstance(u, str) for u in uris) and isinstance(kinds, list)
            and all(isinstance(k, str) for k in kinds)):
        return _oauth_error("invalid_client_metadata",
                            "client_name is text; redirect_uris and grant_types are lists.")
    if method != "none":
        return _oauth_error("invalid_client_metadata", "Only public clients register here "
                            "(token_endpoint_auth_method none, with PKCE).")
    try:
        client = await run_in_threadpool(oauth_requests.register_client, backend_of(request),
                                         name=name, redirect_uris=uris, grant_types=kinds)
    except FieldErrors as exc:
        error = ("invalid_redirect_uri" if exc.errors[0].field == "redirect_uris"
                 else "invalid_client_metadata")
        return _oauth_error(error, exc.errors[0].message)
    return JSONResponse({
        "client_id": client.id, "client_name": client.name,
        "redirect_uris": list(client.redirect_uris), "grant_types": list(client.grant_types),
        "response_types": ["code"], "token_endpoint_auth_method": "none",
    }, status_code=201)


@router.post("/v1/oauth/device/code", summary="Start the device flow (RFC 8628)")
async def device_code(request: Request) -> Response:
    server = oauth_server(request)
    oauth_request = await _http_request(request)
    if isinstance(oauth_request, Response):
        return oauth_request
    endpoint = server.device_endpoint_for(f"{public_base(request)}/v1/oauth/device")
    try:
        status, body, headers = await run_in_threadpool(endpoint, oauth_request)
    except OAuth2Error as error:
        return server.handle_error_response(oauth_request, error)  # type: ignore[no-any-return]
    return server.handle_response(status, body, headers)


@router.get("/v1/oauth/device", include_in_schema=False)
async def device_page(request: Request) -> Response:
    code = rules.normalise_user_code(request.query_params.get("user_code", ""))
    return page.device(code)


@router.post("/v1/oauth/token", summary="Tokens: authorization code, device code, refresh")
async def token(request: Request) -> Response:
    server = oauth_server(request)
    oauth_request = await _http_request(request)
    if isinstance(oauth_request, Response):
        return oauth_request
    response: Response = await run_in_threadpool(server.create_token_response, oauth_request)
    return response


@router.get("/v1/oauth/authorize", include_in_schema=False)
async def authorize(request: Request) -> Response:
    """Check the client's request (Authlib: client, redirect URI, response type), insist
    on PKCE with S256 and on this server's MCP endpoint as the resource, then show the
    person the code to approve."""
    server = oauth_server(request)
    backend = backend_of(request)
    oauth_request = await _http_request(request)
    if isinstance(oauth_request, Response):
        return page.ended("This server cannot take connections at this address",
                          "OAuth needs https, or plain http on this machine only.")
    try:
        grant = await run_in_threadpool(server.get_consent_grant, oauth_request)
    except OAuth2Error as error:
        return page.ended("This connection request is not valid",
                          error.description or error.error)
    data = oauth_request.payload.data
    if not data.get("code_challenge") or data.get("code_challenge_method") != "S256":
        return page.ended("This connection request is not valid",
                          "The client must use PKCE with code_challenge_method=S256.")
    resource = data.get("resource")
    if resource and resource.rstrip("/") not in (mcp_resource(request), public_base(request)):
        return page.ended("This connection request is not valid",
                          "It asks for access to another server's resource.")
    pending = await run_in_threadpool(
        oauth_requests.start_code_request, backend, grant.client.client,
        scope=data.get("scope"), redirect_uri=oauth_request.payload.redirect_uri,
        state=data.get("state"), code_challenge=data["code_challenge"], resource=resource)
    request_id = oauth_requests.request_id_of(backend, pending.user_code)
    continue_url = f"{public_base(request)}/v1/oauth/authorize/continue?" + urlencode(
        {"request": request_id})
    return page.waiting(pending.client_name, pending.user_code, continue_url, pending.scope)


@router.get("/v1/oauth/authorize/continue", include_in_schema=False)
async def authorize_continue(request: Request) -> Response:
    """Polled by the page: still waiting, or on to the client with a code (approved) or
    `error=access_denied` (denied)."""
    backend = backend_of(request)
    server = oauth_server(request)
    state = await run_in_threadpool(oauth_requests.request_state, backend,
                                    request.query_params.get("request", ""))
    if state is None or state.flow != "code":
        return page.ended("Unknown request", "Start the connection again from your agent.",
                          status=404)
    if state.status == "expired":
        return page.ended("This request expired", "Start the connection again from your "
                          "agent; a code is good for ten minutes.", status=410)
    if state.status == "used" or state.code_issued:
        return page.ended("Already done", "This connection was completed; you can close "
                          "this page.", status=410)
    continue_url = f"{public_base(request)}/v1/oauth/authorize/continue?" + urlencode(
        {"request": state.id})
    if state.status == "pending":
        return page.waiting(state.client_name, state.user_code, continue_url, state.scope)
    params = [("response_type", "code"), ("client_id", state.client_id),
              ("redirect_uri", state.redirect_uri or ""), ("scope", state.scope),
              ("code_challenge", state.code_challenge or ""),
              ("code_challenge_method", "S256"), ("request_id", state.id)]
    if state.state is not None:
        params.append(("state", state.state))
    try:
        replay = HttpRequest("GET", f"{public_base(request)}/v1/oauth/authorize",
                             dict(request.headers), params, [])
    except InsecureTransportError:
        return page.ended("This server cannot take connections at this address",
                          "OAuth needs https, or plain http on this machine only.")
    answer = await run_in_threadpool(oauth_requests.answer_of, backend, state.id)
    approved = answer is not None and answer[1]
    grant = await run_in_threadpool(server.get_consent_grant, replay)
    response: Response = await run_in_threadpool(
        server.create_authorization_response, replay,
        answer[0] if approved and answer is not None else None, grant)
    return response
