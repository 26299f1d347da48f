"""Deterministic data for the Connections snapshots (no tests in here): the demo app of
shell_snapshot_data, plus an agent's pending request with a fixed user code and two
sessions on the admin's claude-code-laptop key, written through the store (the server
makes codes at random; a snapshot needs the same one every time)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from shell_snapshot_data import NOW, loaded, settle

from tui_app.server.store import connections as connections_store
from tui_app.server.store import db
from tui_app.ui.app import AgentKeysApp

USER_CODE = "BCDF-GHJK"
KEY_NAME = "claude-code-laptop"


def connections_app(tmp_path: Path) -> AgentKeysApp:
    from shell_snapshot_data import demo_app

    app = demo_app(tmp_path)
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'agentkeys.db'}")
    with engine.begin() as conn:
        _add_request(conn)
        _add_sessions(conn)
    engine.dispose()
    return app


def _add_request(conn: sa.Connection) -> None:
    connections_store.insert_client(
        conn, id="cli_snapshot", name="Claude Code", redirect_uris=[],
        grant_types=["urn:ietf:params:oauth:grant-type:device_code"], created_at=NOW)
    connections_store.insert_request(
        conn, id="req_snapshot", user_code=USER_CODE, flow="device",
        client_id="cli_snapshot", scope="read_write", device_digest="d" * 64,
        created_at=NOW, expires_at=NOW + timedelta(minutes=10), interval_s=5,
        status="pending")


def _add_sessions(conn: sa.Connection) -> None:
    key_id = conn.execute(sa.select(db.keys.c.id).where(db.keys.c.name == KEY_NAME)
                          ).scalar_one()
    for n, (client, scope, created, used, revoked) in enumerate((
            ("Claude Code", "read_write", timedelta(hours=2), timedelta(minutes=10), None),
            ("agentkeys CLI", "read", timedelta(days=3), timedelta(days=2),
             timedelta(days=1)))):
        connections_store.insert_session(
            conn, id=f"kss_snapshot{n}", key_id=key_id, client_id="cli_snapshot",
            client_name=client, scope=scope, access_digest=f"{n}" * 64,
            access_expires_at=NOW - created + timedelta(hours=8),
            refresh_expires_at=NOW - created + timedelta(days=30),
            created_at=NOW - created, last_used_at=NOW - used,
            revoked_at=None if revoked is None else NOW - revoked)


async def open_connections(pilot: Any) -> None:
    """'6', the code typed as a person would (lower case, no dash), enter to the keys."""
    await loaded(pilot)
    await pilot.press("6")
    for _ in range(100):
        if getattr(pilot.app.screen, "keys_loaded", False):
            break
        await pilot.pause(0.05)
    await pilot.press(*USER_CODE.replace("-", "").lower())
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def open_sessions(pilot: Any) -> None:
    """My keys, the cursor on claude-code-laptop (the Active pane's last), then 'S'."""
    await loaded(pilot)
    await pilot.press("end")
    await pilot.pause(0.4)
    await settle(pilot)
    await pilot.press("S")
    for _ in range(100):
        if getattr(pilot.app.screen, "loaded", False) and hasattr(pilot.app.screen, "items"):
            break
        await pilot.pause(0.05)
    await settle(pilot)
