"""Where the login token lives: keyring first, then a private file after a warning."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from fake_keyrings import HangingKeyring, LeakyFailingKeyring, MemoryKeyring
from keyring.backends import fail, null

from tui_app.client import credentials
from tui_app.client.credentials import (
    CredentialStore,
    InsecureCredentialFile,
    StorageDeclined,
)
from tui_app.domain.keyformat import TokenKind, generate

SERVER = "https://keys.example.com"


def token() -> str:
    return generate(TokenKind.PERSONAL)


def file_mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


class Confirm:
    """Records the warning and checks that nothing was written before it was shown."""

    def __init__(self, path: Path, answer: bool = True) -> None:
        self.path = path
        self.answer = answer
        self.warnings: list[str] = []

    def __call__(self, warning: str) -> bool:
        assert not self.path.exists(), "the file was written before the warning"
        self.warnings.append(warning)
        return self.answer


def test_working_keyring_stores_and_reads_back(home: Path, use_keyring) -> None:
    backend = use_keyring(MemoryKeyring())
    secret = token()
    store = CredentialStore(SERVER)
    location = store.save(secret, confirm_plaintext=Confirm(store.file_path, answer=False))
    assert location.startswith("keyring (")
    assert backend.store[("agentkeys", SERVER)] == secret
    assert not store.file_path.exists()
    again = CredentialStore(SERVER)
    assert again.load() == secret
    assert again.location == location
    assert again.delete() == [location]
    assert CredentialStore(SERVER).load() is None


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring()], ids=["fail", "null"])
def test_no_usable_keyring_falls_back_to_private_file(home: Path, use_keyring, backend) -> None:
    use_keyring(backend)
    secret = token()
    store = CredentialStore(SERVER)
    confirm = Confirm(store.file_path)
    location = store.save(secret, confirm_plaintext=confirm)
    assert len(confirm.warnings) == 1
    assert "plain text" in confirm.warnings[0]
    assert secret not in confirm.warnings[0]
    assert location == f"file {credentials.display_path(store.file_path)} (0600)"
    assert file_mode(store.file_path) == 0o600
    assert secret in store.file_path.read_text()
    loaded = CredentialStore(SERVER)
    assert loaded.load() == secret
    assert loaded.location == location


def test_null_keyring_counts_as_none_even_with_priority_forced(home: Path, use_keyring) -> None:
    """A backend that accepts writes and drops them is caught by the read-back."""

    class DroppingKeyring(MemoryKeyring):
        def set_password(self, service: str, username: str, password: str) -> None:
            return None

    use_keyring(DroppingKeyring())
    store = CredentialStore(SERVER)
    confirm = Confirm(store.file_path)
    store.save(token(), confirm_plaintext=confirm)
    assert "read-back" in confirm.warnings[0]
    assert store.location.startswith("file ")


def test_declining_the_warning_writes_nothing(home: Path, use_keyring) -> None:
    use_keyring(fail.Keyring())
    store = CredentialStore(SERVER)
    with pytest.raises(StorageDeclined):
        store.save(token(), confirm_plaintext=Confirm(store.file_path, answer=False))
    assert not store.file_path.exists()


def test_hanging_keyring_times_out_and_falls_back(home: Path, use_keyring) -> None:
    backend = use_keyring(HangingKeyring())
    secret = token()
    store = CredentialStore(SERVER, timeout=0.2)
    location = store.save(secret, confirm_plaintext=Confirm(store.file_path))
    assert location.startswith("file ")
    assert "did not answer" in (store.keyring_problem or "")
    calls = backend.calls
    # After one timeout the keyring is skipped for the rest of the process: no new wait.
    loaded = CredentialStore(SERVER, timeout=30)
    assert loaded.load() == secret
    assert backend.calls == calls


def test_keyring_error_messages_never_carry_the_token(home: Path, use_keyring) -> None:
    use_keyring(LeakyFailingKeyring())
    secret = token()
    store = CredentialStore(SERVER)
    confirm = Confirm(store.file_path)
    store.save(secret, confirm_plaintext=confirm)
    assert "RuntimeError" in confirm.warnings[0]
    assert secret not in confirm.warnings[0]
    assert secret not in (store.keyring_problem or "")


def test_file_is_created_exclusively_with_0600(home: Path, use_keyring, monkeypatch) -> None:
    use_keyring(fail.Keyring())
    opened: list[tuple[str, int, int]] = []
    real_open = os.open

    def spy(path, flags, mode=0o777, *args, **kwargs):  # type: ignore[no-untyped-def]
        opened.append((str(path), flags, mode))
        return real_open(path, flags, mode, *args, **kwargs)

    monkeypatch.setattr(os, "open", spy)
    old_umask = os.umask(0)  # the mode must come from os.open, not from a kind umask
    try:
        store = CredentialStore(SERVER)
        store.save(token(), confirm_plaintext=Confirm(store.file_path))
    finally:
        os.umask(old_umask)
    writes = [(p, f, m) for p, f, m in opened if f & os.O_WRONLY]
    assert writes, "no file was opened for writing"
    for _path, flags, mode in writes:
        assert flags & os.O_CREAT and flags & os.O_EXCL
        assert mode == 0o600
    assert file_mode(store.file_path) == 0o600
    assert not list(store.file_path.parent.glob(".*.tmp"))


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_loose_file_is_refused_not_read(home: Path, use_keyring, mode: int) -> None:
    use_keyring(fail.Keyring())
    secret = token()
    store = CredentialStore(SERVER)
    store.save(secret, confirm_plaintext=Confirm(store.file_path))
    store.file_path.chmod(mode)
    with pytest.raises(InsecureCredentialFile) as raised:
        CredentialStore(SERVER).load()
    message = str(raised.value)
    assert f"{mode:04o}" in message and "chmod 600" in message
    assert secret not in message
    # Nor is it silently overwritten by a new login.
    with pytest.raises(InsecureCredentialFile):
        CredentialStore(SERVER).save(token(), confirm_plaintext=lambda w: True)


def test_symlinked_file_is_refused(home: Path, use_keyring, tmp_path: Path) -> None:
    use_keyring(fail.Keyring())
    target = tmp_path / "elsewhere.toml"
    target.write_text('[servers."https://keys.example.com"]\ntoken = "x"\n')
    target.chmod(0o600)
    path = CredentialStore(SERVER).file_path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)
    with pytest.raises(InsecureCredentialFile):
        CredentialStore(SERVER).load()


def test_environment_token_wins(home: Path, use_keyring) -> None:
    use_keyring(MemoryKeyring())
    stored, from_env = token(), token()
    CredentialStore(SERVER).save(stored, confirm_plaintext=lambda w: True)
    store = CredentialStore(SERVER, env={"AGENTKEYS_TOKEN": from_env})
    assert store.load() == from_env
    assert store.location == "environment AGENTKEYS_TOKEN"


def test_tokens_are_per_server(home: Path, use_keyring) -> None:
    use_keyring(fail.Keyring())
    first, second = token(), token()
    CredentialStore(SERVER).save(first, confirm_plaintext=lambda w: True)
    CredentialStore("http://127.0.0.1:8765").save(second, confirm_plaintext=lambda w: True)
    assert CredentialStore(SERVER).load() == first
    assert CredentialStore("http://127.0.0.1:8765").load() == second
    CredentialStore(SERVER).delete()
    assert CredentialStore(SERVER).load() is None
    assert CredentialStore("http://127.0.0.1:8765").load() == second
    CredentialStore("http://127.0.0.1:8765").delete()
    assert not CredentialStore(SERVER).file_path.exists()


def test_keyring_login_removes_a_stale_plaintext_copy(home: Path, use_keyring) -> None:
    use_keyring(fail.Keyring())
    CredentialStore(SERVER).save(token(), confirm_plaintext=lambda w: True)
    use_keyring(MemoryKeyring())
    fresh = token()
    store = CredentialStore(SERVER)
    store.save(fresh, confirm_plaintext=lambda w: False)
    assert store.location.startswith("keyring")
    assert not store.file_path.exists()


def test_embedded_location_and_repr_hide_the_token(home: Path) -> None:
    from tui_app.client.connection import Connection

    store = CredentialStore(None)
    assert store.load() is None
    assert store.location == "embedded server, token in its data dir"
    secret = token()
    assert secret not in repr(Connection(SERVER, secret, "keyring (x)", None))
