"""Where agentkeys keeps its files. AGENTKEYS_HOME puts everything in one directory
(tests use it); otherwise the platform's config, data and state directories."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "agentkeys"


def _home() -> Path | None:
    value = os.environ.get("AGENTKEYS_HOME")
    return Path(value).expanduser() if value else None


def _ensure(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def config_dir() -> Path:
    home = _home()
    if home is not None:
        return _ensure(home / "config")
    import platformdirs

    return _ensure(Path(platformdirs.user_config_dir(APP_NAME)))


def data_dir() -> Path:
    home = _home()
    if home is not None:
        return _ensure(home / "data")
    import platformdirs

    return _ensure(Path(platformdirs.user_data_dir(APP_NAME)))


def state_dir() -> Path:
    home = _home()
    if home is not None:
        return _ensure(home / "state")
    import platformdirs

    return _ensure(Path(platformdirs.user_state_dir(APP_NAME)))
