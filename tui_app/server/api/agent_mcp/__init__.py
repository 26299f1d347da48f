"""The MCP endpoint, `POST /v1/mcp`: agents use their key through the official MCP SDK.

Three parts: the gate (gate.py) signs each HTTP request in with its agent key, in our own
middleware and with our own 401s; the tools (tools.py) are thin adapters over the
services, acting as the key's owner and limited by the key; calls.py is what every tool
call goes through (the judgement and rate limit of verify, activity, errors as results).
"""

from tui_app.server.api.agent_mcp.server import install

__all__ = ["install"]
