"""Settings and the pepper: a 0600 file outside the database, or the environment."""

from __future__ import annotations

import os

import pytest

from tui_app.server.settings import (
    PepperFileError,
    Settings,
    load_or_create_pepper,
    pepper_from_env,
)


def test_pepper_file_is_created_private_and_stable(tmp_path) -> None:
    path = tmp_path / "config" / "pepper"
    first = load_or_create_pepper(path)
    assert len(first) == 32 and path.stat().st_mode & 0o777 == 0o600
    assert load_or_create_pepper(path) == first
    os.chmod(path, 0o644)
    with pytest.raises(PepperFileError):
        load_or_create_pepper(path)


def test_pepper_from_env(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("AGENTKEYS_PEPPER", "ab" * 32)
    assert pepper_from_env() == bytes.fromhex("ab" * 32)
    monkeypatch.setenv("AGENTKEYS_PEPPER", "short")
    with pytest.raises(PepperFileError):
        pepper_from_env()
    monkeypatch.delenv("AGENTKEYS_PEPPER")
    monkeypatch.setenv("AGENTKEYS_PEPPER_FILE", str(tmp_path / "p"))
    assert pepper_from_env() == load_or_create_pepper(tmp_path / "p")


def test_settings_repr_hides_secrets() -> None:
    settings = Settings(database_url="postgresql://u:hunter2@db/x", pepper=b"p" * 32)
    text = repr(settings)
    assert "hunter2" not in text and "pppp" not in text
