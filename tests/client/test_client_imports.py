"""Dependencies point one way (STYLE.md): client/ never imports textual or the server, and
`agentkeys --help` pays for none of the heavy libraries."""

from __future__ import annotations

import subprocess
import sys

CHECK = """
import sys
{imports}
heavy = sorted(m for m in ("textual", "fastapi", "uvicorn", "sqlalchemy", "tui_app.server",
                           {extra}) if m in sys.modules)
print(",".join(heavy))
"""


def loaded(imports: str, extra: str = "") -> str:
    code = CHECK.format(imports=imports, extra=extra)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_client_modules_stay_light() -> None:
    assert loaded("import tui_app.client.api, tui_app.client.config, "
                  "tui_app.client.credentials, tui_app.client.connection") == ""


def test_cli_parser_stays_light() -> None:
    assert loaded("import tui_app.cli.entry; tui_app.cli.entry.build_parser()",
                  '"httpx", "keyring",') == ""
