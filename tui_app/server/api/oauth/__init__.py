"""OAuth for agents: discovery, client registration, the authorization code flow with
PKCE (MCP clients), the device flow (CLIs and headless agents) and the token endpoint.

The protocol is Authlib's grants and endpoints (authorization.py), given our storage
through the connections service; routes.py is the HTTP around them, page.py the one
HTML page a person sees.
"""
