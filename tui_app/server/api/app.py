"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from tui_app import __version__
from tui_app.server import host_names
from tui_app.server.api import agent_mcp, errors, hosts, middleware
from tui_app.server.api.oauth.authorization import AgentAuthorizationServer
from tui_app.server.api.routes import keys, meta
from tui_app.server.services.backend import Backend
from tui_app.server.settings import Settings
from tui_app.server.store import db, migrations


def create_app(settings: Settings) -> FastAPI:
    engine = db.create_engine(settings.database_url)
    if settings.migrate_on_start:
        migrations.migrate(engine)
    backend = Backend(engine, settings)
    app = FastAPI(
        lifespan=_lifespan,
        title="agentkeys",
        version=__version__,
        description="Key management for AI agents' API keys.",
        # Starlette would answer `/v1/keys/` with a redirect to an address built from
        # the Host header, a name the client chose: a path we do not serve is a 404.
        redirect_slashes=False,
    )
    app.state.backend = backend
    # The embedded server and the tests reach these two directly.
    app.state.settings = settings
    app.state.engine = engine
    app.state.verifier_cache = {}  # api/routes/verify.py: the gateways' own sign-in, 1 s
    errors.install(app)
    app.add_middleware(middleware.BodySizeLimit, limit=settings.max_body_bytes)
    app.add_middleware(middleware.RejectNul)
    app.add_middleware(middleware.LastResort)
    allowed = settings.allowed_hosts
    if allowed is not None and host_names.ANY_HOST not in allowed:
        # Added last, so outermost of ours: a request for another name goes no further.
        app.add_middleware(hosts.AllowedHosts, allowed_hosts=allowed)
    hot, *others = _route_modules()
    # The router tries routes in order, and an included router is matched route by
    # route behind its own checks: verify's routes go first, as plain routes (about a
    # tenth of a verify's time in the app). MCP's goes before them (agent_mcp.install).
    app.router.routes[0:0] = hot.router.routes
    for module in others:
        app.include_router(module.router)
    app.state.mcp_sessions = agent_mcp.install(app, backend)
    app.state.oauth = AgentAuthorizationServer(backend)
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    async with app.state.mcp_sessions.run():
        try:
            yield
        finally:  # the activity still waiting for its batch is written before we go
            await app.state.backend.activity.close()


def freeze_heap() -> None:
    """For a server process, once its app is built: everything alive now (modules, the
    app, its routes and models: ~100,000 objects) leaves the garbage collector's care. A
    full collection walks every tracked object (~40 ms here) and lands on whichever
    request triggers it; after this, it walks only what requests leave behind (the
    gc.freeze recipe of CPython's documentation). No collection first: it would cost
    the same 40 ms just as the first requests arrive, to free the little garbage the
    start-up made. The collector is (re-)enabled: processes that paused it for their
    imports (server/local.py) resume here. Not for a process that builds and drops apps
    as it goes (tests): their garbage cycles would never be freed."""
    import gc

    gc.freeze()
    gc.enable()


def _route_modules() -> list:  # type: ignore[type-arg]
    from tui_app.server.api.oauth import routes as oauth
    from tui_app.server.api.routes import (
        activity,
        admin,
        audit,
        connections,
        teams,
        users,
        verify,
    )

    # verify first: it is the hot path (create_app puts its routes at the front).
    return [verify, meta, keys, admin, audit, users, teams, activity, connections, oauth]


def app_from_env() -> FastAPI:
    """For `uvicorn --factory tui_app.server.api.app:app_from_env` (agentkeys serve --workers N)."""
    return create_app(Settings.from_env())
