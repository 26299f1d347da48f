"""Files that hold a secret (login tokens): written so nobody else can read or plant
them, and refused when they could have been. Shared by the client (credentials.toml) and
the local server (its state file); pure standard library."""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path


def atomic_write(path: Path, content: bytes, *, mode: int) -> None:
    """Write to a fresh temp file created exclusively with `mode`, then rename over `path`.

    O_EXCL means we never write into a file someone else created (or a symlink they
    planted); the rename means readers see the old or the new file, never half of one.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0), mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def privacy_problem(info: os.stat_result) -> str | None:
    """Why a file with this status may not be trusted with a secret, or None if it may."""
    if not stat.S_ISREG(info.st_mode):
        return "is not a regular file"
    if os.name != "posix":
        return None
    if info.st_uid != os.getuid():
        return "belongs to another user"
    if stat.S_IMODE(info.st_mode) & 0o077:
        return f"can be read by other users (mode {stat.S_IMODE(info.st_mode):04o})"
    return None


def read_private(path: Path) -> bytes | None:
    """The file's bytes; None when it does not exist. Raises PermissionError (with the
    reason) when it is a symlink, not a regular file, not ours or readable by others."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise PermissionError(f"{path} cannot be opened safely ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as handle:
        problem = privacy_problem(os.fstat(handle.fileno()))
        if problem is not None:
            raise PermissionError(f"{path} {problem}")
        return handle.read()


def create_private(path: Path, *, mode: int = 0o600) -> bool:
    """Create `path` empty with `mode`, exclusively and without following a symlink;
    False when something is there already (left as it is)."""
    flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0)
    try:
        os.close(os.open(path, flags, mode))
    except FileExistsError:
        return False
    return True
