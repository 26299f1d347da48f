"""The embedded server in a child process: serves, hands over URL and token through a
pipe, and stops when the TUI closes the pipe (or dies)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tui_app.ui.backend import Target, surely_embedded
from tui_app.ui.embedded_child import spawn


def test_child_serves_and_stops(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTKEYS_HOME", str(tmp_path))
    child = spawn(tmp_path)
    connection = Target(home=tmp_path, child=child).open()
    try:
        assert connection.embedded and connection.url.startswith("http://127.0.0.1:")
        reply = httpx.get(f"{connection.url}/v1/me", timeout=10,
                          headers={"Authorization": f"Bearer {connection.token}"})
        assert reply.status_code == 200
        assert reply.json()["user"]["role"] == "admin"
        assert connection.token not in repr(connection)
    finally:
        assert connection.close is not None
        connection.close()
    assert child.proc.returncode is not None, "the child stopped with its pipe closed"
    assert (tmp_path / "data" / "agentkeys.db").exists(), "keys persist in the data dir"
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{connection.url}/healthz", timeout=2)


def test_surely_embedded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTKEYS_HOME", str(tmp_path))
    monkeypatch.delenv("AGENTKEYS_SERVER", raising=False)
    assert surely_embedded(None, None)
    assert not surely_embedded("https://keys.example.com", None)
    assert not surely_embedded(None, "work")
    monkeypatch.setenv("AGENTKEYS_SERVER", "https://keys.example.com")
    assert not surely_embedded(None, None)
    monkeypatch.delenv("AGENTKEYS_SERVER")
    (tmp_path / "config" / "config.toml").write_text('default_profile = "work"\n')
    assert not surely_embedded(None, None)
