"""Where a login token lives: environment, OS keyring, or a private file.

Order on read: `AGENTKEYS_TOKEN`, then the keyring, then `<config_dir>/credentials.toml`.
On write: the keyring if one really works, else (after a warning the caller shows before
anything is written) the file. What "really works" means, learnt from gh, twine and the
keyring issue tracker:

- a backend of priority ≤ 0 is no keyring: `fail.Keyring` raises on every call and
  `null.Keyring` (priority -1) silently drops writes, so every write is read back;
- over SSH the Secret Service backend can fail or hang on D-Bus, so every keyring call
  runs in a daemon thread with a timeout (a daemon thread never blocks exit), and after
  one timeout the keyring is skipped for the rest of the process;
- the file is created exclusively with mode 0600 (temp file + rename) and refused, not
  read, when group or world can read it or when it is not ours.

No message produced here ever contains the token.
"""

from __future__ import annotations

import contextlib
import os
import threading
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from tui_app import paths
from tui_app.client.local_server import CREDENTIAL_LABEL as EMBEDDED_LOCATION
from tui_app.client.local_server import ENV_CREDENTIAL_LABEL as ENV_LOCATION
from tui_app.client.local_server import ENV_TOKEN
from tui_app.private_files import atomic_write, privacy_problem

SERVICE = "agentkeys"
CREDENTIALS_FILE = "credentials.toml"
KEYRING_TIMEOUT = 3.0

_FILE_HEADER = (
    b"# agentkeys login tokens, one per server, in plain text because no system keyring\n"
    b"# was available. Keep this file private (mode 0600); `agentkeys logout` removes it.\n"
)

# Set after a keyring call timed out: waiting again would only freeze the app again.
_keyring_down: str | None = None


class CredentialError(Exception):
    """A credential cannot be read or stored; the message says why (never the token)."""


class InsecureCredentialFile(CredentialError):
    """credentials.toml can be read by others or is not ours: refused, not read."""


class StorageDeclined(CredentialError):
    """The user did not accept plain-text storage."""


class KeyringUnavailable(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def reset_keyring_state() -> None:
    """Forget an earlier keyring timeout (tests, or a long-lived app after a retry)."""
    global _keyring_down
    _keyring_down = None


def display_path(path: Path) -> str:
    try:
        return "~/" + str(path.relative_to(Path.home()))
    except ValueError:
        return str(path)


def credentials_path() -> Path:
    return paths.config_dir() / CREDENTIALS_FILE


# -- keyring --------------------------------------------------------------------


def _scrub(text: str, secret: str | None) -> str:
    if secret:
        text = text.replace(secret, "…")
    return text[:200]


def _in_thread(fn: Callable[[], Any], timeout: float, secret: str | None = None) -> Any:
    """Run a keyring call in a daemon thread; a hang or an error becomes KeyringUnavailable."""
    global _keyring_down
    if _keyring_down is not None:
        raise KeyringUnavailable(_keyring_down)
    outcome: dict[str, Any] = {}
    done = threading.Event()

    def run() -> None:
        try:
            outcome["value"] = fn()
        except BaseException as exc:
            outcome["error"] = exc
        finally:
            done.set()

    threading.Thread(target=run, name="agentkeys-keyring", daemon=True).start()
    if not done.wait(timeout):
        _keyring_down = f"the system keyring did not answer within {timeout:g} s"
        raise KeyringUnavailable(_keyring_down)
    if "error" in outcome:
        exc = outcome["error"]
        if isinstance(exc, KeyringUnavailable):
            raise exc
        detail = _scrub(str(exc), secret)
        raise KeyringUnavailable(
            f"the system keyring failed ({type(exc).__name__}{': ' + detail if detail else ''})"
        )
    return outcome.get("value")


def _backend_label(backend: Any) -> str:
    chained = getattr(backend, "backends", None)
    if isinstance(chained, list | tuple) and chained:
        backend = chained[0]
    name = str(getattr(type(backend), "name", type(backend).__name__))
    return name.removesuffix(" Keyring").strip() or type(backend).__name__


def _usable_backend() -> tuple[Any, str]:
    """The current keyring backend and its label, or KeyringUnavailable."""
    import keyring

    backend = keyring.get_keyring()
    try:
        priority = float(backend.priority)
    except Exception:
        priority = 0.0
    if priority <= 0:
        raise KeyringUnavailable(
            f"no usable system keyring ({_backend_label(backend)} backend)"
        )
    return backend, _backend_label(backend)


class CredentialStore:
    """The login token for one server. `.location` says where it was found or stored."""

    def __init__(
        self,
        server_url: str | None,
        *,
        env: Mapping[str, str] | None = None,
        file_path: Path | None = None,
        timeout: float = KEYRING_TIMEOUT,
        entry: str | None = None,
    ) -> None:
        self.server_url = server_url
        # The name the secret is kept under (keyring account, file section): the server's
        # URL for a login token; another name for another secret of the same server (an
        # agent's session), so one never overwrites the other.
        self.entry = entry or server_url
        self._env = os.environ if env is None else env
        self._file_path = file_path
        self.timeout = timeout
        self.location: str | None = EMBEDDED_LOCATION if server_url is None else None
        self.keyring_problem: str | None = None  # why the keyring was not used, if it was not

    @property
    def file_path(self) -> Path:
        return self._file_path or credentials_path()

    @property
    def file_location(self) -> str:
        return f"file {display_path(self.file_path)} (0600)"

    # -- read -------------------------------------------------------------------

    def load(self, *, use_env: bool = True) -> str | None:
        """The token, or None when there is none. Raises InsecureCredentialFile."""
        if self.server_url is None:
            self.location = EMBEDDED_LOCATION
            return None
        token = self._env.get(ENV_TOKEN, "").strip() if use_env else ""
        if token:
            self.location = ENV_LOCATION
            return token
        try:
            found, label = self._keyring_get()
        except KeyringUnavailable as exc:
            self.keyring_problem = exc.reason
        else:
            if found:
                self.location = f"keyring ({label})"
                return found
        from_file = self._read_file().get(self.entry) if self.entry else None
        if from_file:
            self.location = self.file_location
            return from_file
        self.location = None
        return None

    def _keyring_get(self) -> tuple[str | None, str]:
        server = self.entry
        assert server is not None

        def call() -> tuple[str | None, str]:
            backend, label = _usable_backend()
            return backend.get_password(SERVICE, server), label

        result: tuple[str | None, str] = _in_thread(call, self.timeout)
        return result

    # -- write ------------------------------------------------------------------

    def keyring_available(self) -> bool:
        """Probe the keyring without writing (used to warn before a plain-text write)."""
        try:
            _in_thread(_usable_backend, self.timeout)
        except KeyringUnavailable as exc:
            self.keyring_problem = exc.reason
            return False
        return True

    def plaintext_warning(self) -> str:
        reason = self.keyring_problem or "no usable system keyring"
        return (
            f"Warning: {reason}. The token will be stored in plain text in "
            f"{display_path(self.file_path)} (mode 0600), readable by anyone who can act "
            "as your user on this machine. Use AGENTKEYS_TOKEN instead to keep it off disk."
        )

    def save(self, token: str, *, confirm_plaintext: Callable[[str], bool]) -> str:
        """Store the token; returns its location.

        `confirm_plaintext(warning)` is called BEFORE anything is written to the file;
        it shows the warning and returns whether to go ahead (StorageDeclined if not).
        """
        if self.server_url is None:
            raise CredentialError("The embedded server keeps its own token; nothing to store.")
        try:
            label = self._keyring_set(token)
        except KeyringUnavailable as exc:
            self.keyring_problem = exc.reason
        else:
            self.location = f"keyring ({label})"
            self._remove_from_file()  # no stale plain-text copy next to the keyring one
            return self.location
        if not confirm_plaintext(self.plaintext_warning()):
            raise StorageDeclined("Not logged in: the token was not stored.")
        entries = self._read_file()
        assert self.entry is not None
        entries[self.entry] = token
        self._write_file(entries)
        self.location = self.file_location
        return self.location

    def _keyring_set(self, token: str) -> str:
        server = self.entry
        assert server is not None

        def call() -> str:
            backend, label = _usable_backend()
            backend.set_password(SERVICE, server, token)
            if backend.get_password(SERVICE, server) != token:
                # null.Keyring and friends: accepted, not kept.
                with contextlib.suppress(Exception):
                    backend.delete_password(SERVICE, server)
                raise KeyringUnavailable(
                    f"the {label} keyring did not keep the token (read-back mismatch)"
                )
            return label

        result: str = _in_thread(call, self.timeout, secret=token)
        return result

    # -- delete -----------------------------------------------------------------

    def delete(self) -> list[str]:
        """Remove the stored token from the keyring and the file; returns where it was."""
        if self.server_url is None:
            return []
        removed: list[str] = []
        server = self.entry

        def call() -> str | None:
            backend, label = _usable_backend()
            if backend.get_password(SERVICE, server) is None:
                return None
            backend.delete_password(SERVICE, server)
            return label

        try:
            label = _in_thread(call, self.timeout)
        except KeyringUnavailable as exc:
            self.keyring_problem = exc.reason
        else:
            if label:
                removed.append(f"keyring ({label})")
        if self._remove_from_file():
            removed.append(self.file_location)
        return removed

    # -- the file ---------------------------------------------------------------

    def _read_file(self) -> dict[str, str]:
        path = self.file_path
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
        try:
            fd = os.open(path, flags)
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise InsecureCredentialFile(
                f"{display_path(path)} cannot be opened safely ({exc.strerror}); "
                "agentkeys will not use it. Delete it and log in again."
            ) from None
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            self._check_private(path, info)
            try:
                data = tomllib.load(handle)
            except (tomllib.TOMLDecodeError, UnicodeDecodeError):
                raise CredentialError(
                    f"{display_path(path)} is damaged; delete it and log in again."
                ) from None
        servers = data.get("servers", {})
        if not isinstance(servers, dict):
            return {}
        return {
            url: entry["token"]
            for url, entry in servers.items()
            if isinstance(entry, dict) and isinstance(entry.get("token"), str)
        }

    @staticmethod
    def _check_private(path: Path, info: os.stat_result) -> None:
        problem = privacy_problem(info)
        if problem is None:
            return
        advice = "Delete it and log in again."
        if problem.startswith("can be read"):
            advice = (f"If it is yours, run: chmod 600 {display_path(path)} — or delete it and "
                      "log in again (the token in it may have been seen: revoke it if in doubt).")
        raise InsecureCredentialFile(
            f"{display_path(path)} {problem}; agentkeys will not use it. {advice}"
        )

    def _write_file(self, entries: dict[str, str]) -> None:
        import tomli_w

        if not entries:
            with contextlib.suppress(FileNotFoundError):
                self.file_path.unlink()
            return
        body = tomli_w.dumps({"servers": {url: {"token": t} for url, t in entries.items()}})
        atomic_write(self.file_path, _FILE_HEADER + body.encode(), mode=0o600)

    def _remove_from_file(self) -> bool:
        try:
            entries = self._read_file()
        except CredentialError:
            return False
        if self.entry not in entries:
            return False
        del entries[self.entry]
        self._write_file(entries)
        return True
