"""Which VerifyStore an engine's verifies use: made on first use, closed with the engine.

Apart from the interface (verify_store.py), so that the drivers' modules, which
implement it, are imported only here and only for the database in use.
"""

from __future__ import annotations

import asyncio
import weakref

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tui_app.server.store.verify_store import VerifyStore

_STORES: weakref.WeakKeyDictionary[Engine, dict[object, VerifyStore]] = (
    weakref.WeakKeyDictionary())


def _close_stores(engine: Engine) -> None:
    """engine.dispose() closes verify's connections too."""
    for store in (_STORES.pop(engine, None) or {}).values():
        store.close()


def verify_store(engine: Engine) -> VerifyStore:
    """Verify's database access for `engine`: on SQLite one store for the engine, on
    PostgreSQL one per event loop (an asyncio connection belongs to the loop that made
    it). Made on first use, closed with the engine."""
    stores = _STORES.get(engine)
    if stores is None:
        stores = _STORES[engine] = {}
        if not sa.event.contains(engine, "engine_disposed", _close_stores):
            sa.event.listen(engine, "engine_disposed", _close_stores)
    if engine.dialect.name == "sqlite":
        store = stores.get(None)
        if store is None:
            from tui_app.server.store.verify_sqlite import SqliteVerifyStore

            store = stores[None] = SqliteVerifyStore(engine)
        return store
    loop = asyncio.get_running_loop()
    store = stores.get(loop)
    if store is None:
        from tui_app.server.store.verify_postgres import PostgresVerifyStore

        store = stores[loop] = PostgresVerifyStore(engine, loop)
    return store
