"""Snapshots of Connect an agent: the card in the secret dialog, and the modal that `C`
opens for an existing key. Fixed fake secret and URL; no real key appears here."""

from __future__ import annotations

from typing import Any

from test_modals import FAKE_SECRET, ModalHost, fake_key, settle
from textual.pilot import Pilot

from tui_app.domain.models import CreatedKey
from tui_app.ui.connect.screen import ConnectAgentScreen
from tui_app.ui.my_keys.secret import SecretDialog

MCP_URL = "http://127.0.0.1:8765/v1/mcp"


def focus(selector: str) -> Any:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        pilot.app.screen.query_one(selector).focus()
        await settle(pilot)
        await pilot.pause()

    return run_before


class TestSecretDialogCard:
    def test_codex_section_80x24(self, snap_compare: Any) -> None:
        """80x24, the Codex copy button focused: the body scrolled so "Codex" and
        "Copy  2" sit at its top, then the export line with the fake key and the codex
        line, the note about AGENTKEYS_AGENT_KEY, then VS Code's line below; the title,
        both dialog buttons and the footer (c, enter, 1-6) stay put."""
        dialog = SecretDialog(CreatedKey(fake_key(), FAKE_SECRET), "http://127.0.0.1:8765",
                              env={})
        assert snap_compare(ModalHost(dialog), terminal_size=(80, 24),
                            run_before=focus("#copy-codex"))


class TestConnectAgentModal:
    def test_120x40(self, snap_compare: Any) -> None:
        """'Connect an agent to nightly-report', the line saying the settings read the key
        from AGENTKEYS_AGENT_KEY with the MCP URL, then Claude Code (its two lines with
        $AGENTKEYS_AGENT_KEY and "Set AGENTKEYS_AGENT_KEY… first"), Codex (no export
        line), VS Code's mcp.json with the password input; no ak_ key anywhere; Close."""
        modal = ConnectAgentScreen("nightly-report", MCP_URL, env={})
        assert snap_compare(ModalHost(modal), terminal_size=(120, 40), run_before=settle)

    def test_80x24(self, snap_compare: Any) -> None:
        """The same modal at 80x24: title, the introduction and Claude Code's section
        at least, a scrollbar, Close and the footer (1-6 Copy for a client, esc Close)."""
        modal = ConnectAgentScreen("nightly-report", MCP_URL, env={})
        assert snap_compare(ModalHost(modal), terminal_size=(80, 24), run_before=settle)

    def test_cursor_section_80x24(self, snap_compare: Any) -> None:
        """80x24, the Cursor copy button focused: the Cursor section at the top of the
        body, its link with name=agentkeys and the base64 config, then the mcp.json entry
        with ${env:AGENTKEYS_AGENT_KEY}."""
        modal = ConnectAgentScreen("nightly-report", MCP_URL, env={})
        assert snap_compare(ModalHost(modal), terminal_size=(80, 24),
                            run_before=focus("#copy-cursor"))
