"""Where agentkeys keeps its files. AGENTKEYS_HOME puts everything in one directory
(tests use it); otherwise the platform's config, data and state directories.

These directories hold the pepper, the local database, login tokens and credentials, so
no one else may be able to write in them: whoever can could swap a file for their own,
or a symlink to one. A directory we create is 0700. One that exists already is used
only if it is ours and not writable by group or others; if it is ours and empty, it is
simply tightened to 0700, since nothing in it can have been planted yet.
"""

from __future__ import annotations

import os
import shlex
import stat
from pathlib import Path

APP_NAME = "agentkeys"


class UnsafeDirectory(PermissionError):
    """A directory agentkeys would keep secrets in that others could change; the
    message says how to fix it."""


def config_dir(home: Path | None = None) -> Path:
    return _directory("config", home)


def data_dir(home: Path | None = None) -> Path:
    return _directory("data", home)


def state_dir(home: Path | None = None) -> Path:
    return _directory("state", home)


def _directory(kind: str, home: Path | None) -> Path:
    """`home` (else AGENTKEYS_HOME) / kind, or the platform's directory of that kind."""
    if home is None:
        value = os.environ.get("AGENTKEYS_HOME")
        home = Path(value).expanduser() if value else None
    if home is not None:
        # Home itself too: whoever may write there could rename our directory away and
        # put their own in its place.
        return private_dir(private_dir(Path(home)) / kind)
    import platformdirs

    return private_dir(Path(getattr(platformdirs, f"user_{kind}_dir")(APP_NAME)))


def private_dir(path: Path) -> Path:
    """`path`, created with mode 0700 if missing; raises UnsafeDirectory if it exists
    and someone else owns it or may write in it."""
    _make(path)
    if os.name != "posix":
        return path  # no owner and mode bits to check
    info = path.stat()
    if not stat.S_ISDIR(info.st_mode):
        raise UnsafeDirectory(f"{path} is not a directory; agentkeys needs one there.")
    mode = stat.S_IMODE(info.st_mode)
    shown = shlex.quote(str(path))
    if info.st_uid != os.getuid():
        raise UnsafeDirectory(
            f"{path} belongs to another user; agentkeys keeps keys and tokens only in a "
            "directory of your own. Set AGENTKEYS_HOME to one, or remove this one."
        )
    if not mode & 0o077:
        return path
    if not any(path.iterdir()):
        os.chmod(path, 0o700)
        return path
    if mode & 0o022:
        raise UnsafeDirectory(
            f"{path} can be written by other users (mode {mode:04o}); agentkeys keeps "
            f"keys and tokens there and will not use it until only you can. "
            f"Run: chmod 700 {shown}"
        )
    # Readable by others but not writable: they may list names, every file in it is
    # private on its own (0600), and nothing can be swapped.
    return path


def _make(path: Path) -> None:
    """mkdir -p, with 0700 for the parents it creates too (pathlib would give them the
    umask's mode, 0777 under umask 0)."""
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        return
    except FileNotFoundError:
        _make(path.parent)
        path.mkdir(mode=0o700, exist_ok=True)
