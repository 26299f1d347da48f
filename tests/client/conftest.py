"""Fixtures for the client: a private AGENTKEYS_HOME and an OS keyring we control.

The keyring is the one thing here that cannot run for real (no D-Bus Secret Service in
CI), so tests install small backends with keyring.set_keyring and restore the original.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from fake_keyrings import HangingKeyring
from keyring.backend import KeyringBackend

from tui_app.client import credentials


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AGENTKEYS_HOME", str(tmp_path / "home"))
    for name in ("AGENTKEYS_TOKEN", "AGENTKEYS_SERVER"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "home"


@pytest.fixture
def use_keyring() -> Iterator[object]:
    """Install a backend for one test: `use_keyring(backend)`; restores the original."""
    original = keyring.get_keyring()
    installed: list[KeyringBackend] = []

    def install(backend: KeyringBackend) -> KeyringBackend:
        keyring.set_keyring(backend)
        installed.append(backend)
        return backend

    credentials.reset_keyring_state()
    yield install
    for backend in installed:
        if isinstance(backend, HangingKeyring):
            backend.release.set()
    keyring.set_keyring(original)
    credentials.reset_keyring_state()
