"""Small keyring backends for tests: the OS keyring cannot run here (no D-Bus)."""

from __future__ import annotations

import threading

from keyring.backend import KeyringBackend


class MemoryKeyring(KeyringBackend):
    """A working keyring: keeps what it is given."""

    priority = 5  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


class HangingKeyring(KeyringBackend):
    """A keyring whose every call blocks, like a Secret Service stuck on D-Bus."""

    priority = 5  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.calls = 0

    def _hang(self, *args: object) -> None:
        self.calls += 1
        self.release.wait(30)

    get_password = set_password = delete_password = _hang  # type: ignore[assignment]


class LeakyFailingKeyring(KeyringBackend):
    """A keyring that fails with the password in its error message."""

    priority = 5  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        raise RuntimeError(f"could not store {password} for {username}")

    def delete_password(self, service: str, username: str) -> None:
        return None
