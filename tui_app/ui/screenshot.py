"""The command palette's "Screenshot": an SVG of the screen, saved where it can be.

Textual saves to the Downloads directory and fails when there is none (a server, a
container, a fresh account). Here: Downloads if it exists, else the working directory
if we may write there, else agentkeys' own state directory. Nothing is created that the
person did not have, except, as a last resort, agentkeys' own directory. The
notification says where the file went, as plain text (a path may hold brackets).
"""

from __future__ import annotations

import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from textual.app import App

from tui_app.ui.safe import safe_message


def screenshot_directory() -> Path:
    import platformdirs

    downloads = Path(platformdirs.user_downloads_dir())
    if downloads.is_dir():
        return downloads
    here = Path.cwd()
    if os.access(here, os.W_OK):
        return here
    from tui_app import paths

    return paths.state_dir()


def save_screenshot(app: App[Any], filename: str | None = None,
                    directory: str | None = None) -> Path | None:
    """Write the screen as SVG and say where; None (and an error toast) if it failed."""
    name = filename or _file_name(app.title)
    try:
        target = (Path(directory).expanduser() if directory else screenshot_directory())
        target = target / name
        svg = export_svg(app)
        target.write_text(svg, encoding="utf-8")
    except OSError as error:
        app.notify(f"Could not save the screenshot: {safe_message(error.strerror or error)}",
                   title="Screenshot", severity="error", markup=False)
        return None
    app.notify(f"Saved the screenshot to {safe_message(str(target))}", title="Screenshot",
               markup=False, timeout=8)
    return target


def export_svg(app: App[Any]) -> str:
    """The screen as SVG that keeps its spaces in every viewer: Textual writes runs of
    text that start with spaces (the gap after a bold word, " — " in the title), and
    renderers such as librsvg drop them unless told to preserve space: pictures then
    show "key.createdAda Admin", or the title's dash pulled onto "My keys", on a screen
    that has neither."""
    return app.export_screenshot().replace("<svg ", '<svg xml:space="preserve" ', 1)


def _file_name(title: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", title).strip("-") or "agentkeys"
    return f"{stem}-{datetime.now().strftime('%Y-%m-%dT%H-%M-%S')}.svg"
