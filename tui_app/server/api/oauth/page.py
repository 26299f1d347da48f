"""The one page a person sees during a connection: which client asks, the code, and how
to approve it in the terminal. Server-rendered, readable without script, no assets
from anywhere, a strict Content-Security-Policy; it never asks for a password or a
token. While waiting it reloads its continue link every few seconds (a meta refresh:
no script), which sends the browser on to the client once the person has answered.
"""

from __future__ import annotations

import base64
import hashlib
from html import escape

from starlette.responses import HTMLResponse

POLL_SECONDS = 3

_STYLE = """
body { font: 16px/1.5 system-ui, sans-serif; max-width: 36rem; margin: 3rem auto;
       padding: 0 1rem; color: #1b1f24; background: #fff; }
h1 { font-size: 1.35rem; }
.code { font: 700 2rem/1.2 ui-monospace, monospace; letter-spacing: .15em;
        padding: .5rem 1rem; border: 2px solid #1b1f24; display: inline-block; }
code { font-family: ui-monospace, monospace; background: #f3f4f6; padding: 0 .25em; }
.muted { color: #57606a; }
"""
_STYLE_HASH = base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()
# Nothing but this page's own style: no script, no images, no frames, no forms.
CSP = (f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; base-uri 'none'; "
       "form-action 'none'; frame-ancestors 'none'")
_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}


def _page(title: str, body: str, *, status: int = 200, refresh: str | None = None
          ) -> HTMLResponse:
    meta = (f'<meta http-equiv="refresh" content="{POLL_SECONDS};url={escape(refresh)}">'
            if refresh else "")
    html = (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"{meta}<title>{escape(title)}</title><style>{_STYLE}</style></head>"
            f"<body>{body}</body></html>")
    return HTMLResponse(html, status_code=status, headers=_HEADERS)


def waiting(client_name: str, user_code: str, continue_url: str, scope: str) -> HTMLResponse:
    """The request is pending: the code and how to approve it."""
    asks = "read" if scope == "read" else "read and write"
    body = (
        f"<h1>{escape(client_name)} asks to use one of your agent keys</h1>"
        f"<p>It asks to <strong>{asks}</strong>. Approve it in your terminal with this "
        f"code:</p><p class=\"code\" id=\"user-code\">{escape(user_code)}</p>"
        "<p>In agentkeys, open <strong>Connections</strong> (press <code>6</code>), "
        "paste the code and pick a key. Or run:</p>"
        f"<p><code>agentkeys approve {escape(user_code)} --key KEY</code></p>"
        "<p class=\"muted\">This page never asks for a password or a token. It moves on "
        f'by itself once you answer; if it does not, <a id="continue" '
        f'href="{escape(continue_url)}">continue</a>.</p>'
    )
    return _page(f"Approve {client_name}", body, refresh=continue_url)


def device(user_code: str | None) -> HTMLResponse:
    """Where a device-flow client sends its person: how to enter the code."""
    shown = (f'<p class="code" id="user-code">{escape(user_code)}</p>' if user_code
             else "<p>Use the code your agent showed you.</p>")
    body = (
        "<h1>Connect an agent to agentkeys</h1>"
        f"{shown}<p>Approve it in your terminal: in agentkeys open <strong>Connections"
        "</strong> (press <code>6</code>) and paste the code, or run "
        "<code>agentkeys approve CODE --key KEY</code>.</p>"
        '<p class="muted">This page never asks for a password or a token.</p>'
    )
    return _page("Connect an agent", body)


def ended(title: str, message: str, *, status: int = 400) -> HTMLResponse:
    """A request that cannot go on (expired, unknown, refused, malformed)."""
    body = f"<h1>{escape(title)}</h1><p>{escape(message)}</p>"
    return _page(title, body, status=status)
