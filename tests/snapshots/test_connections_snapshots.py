"""Snapshots of the Connections screen and of a key's sessions: seeded demo data, a fixed
clock, a pending request with a fixed code, workers awaited."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from connections_snapshot_data import connections_app, open_connections, open_sessions


class TestConnectionsScreen:
    def test_pending_request_120x40(self, snap_compare: Any, tmp_path: Path) -> None:
        """'6', code bcdfghjk typed: the field shows it, the note BCDF-GHJK; the Request
        box says 'Claude Code asks to read and write with one of your keys', from a
        command line (device code), expiring in 10 min (2026-11-20 12:10 UTC); the key
        list (focused, heavy border) offers the admin's active keys with 'read' or 'read
        and write' and their expiry, then old-notebook, expired, marked 'will be extended
        by 30 days'; no revoked or disabled key; Approve and Deny; the footer."""
        assert snap_compare(connections_app(tmp_path), terminal_size=(120, 40),
                            run_before=open_connections)

    def test_pending_request_80x24(self, snap_compare: Any, tmp_path: Path) -> None:
        """The same at 80x24: code row, Request box, the key list with its scroll, the
        buttons, status bar and footer (^s Approve, D Deny, esc Back) all visible."""
        assert snap_compare(connections_app(tmp_path), terminal_size=(80, 24),
                            run_before=open_connections)


class TestKeySessions:
    def test_sessions_modal_80x24(self, snap_compare: Any, tmp_path: Path) -> None:
        """'S' on claude-code-laptop: 'Sessions of claude-code-laptop', '1 active of 2';
        Claude Code (read and write, connected 2 h ago, used 10 min ago, ends in 30
        days) and, dimmed, agentkeys CLI (read, ended 1 day ago); the highlighted
        session's absolute times below; the footer: R End session, esc Close."""
        assert snap_compare(connections_app(tmp_path), terminal_size=(80, 24),
                            run_before=open_sessions)
