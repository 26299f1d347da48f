"""How long uvicorn keeps an idle HTTP connection open, wherever we run it.

Longer than the client's keep-alive (`client.api.KEEPALIVE_EXPIRY`): the client then
drops an idle connection first, instead of reusing one the server is closing at that very
moment (which surfaced as "Server unreachable" on a healthy server). uvicorn's own
default is 5 s, the same as httpx's: the two raced.
"""

SERVER_KEEP_ALIVE = 15  # seconds
