"""`agentkeys demo --keys` refuses bad counts as a usage error (exit 2), before any work."""

from __future__ import annotations

import pytest

from tui_app.cli import main


@pytest.mark.parametrize("value", ["-1", "x", "2000000"])
def test_bad_key_count_is_a_usage_error(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--keys", value])
    assert exit_info.value.code == 2
    assert "--keys" in capsys.readouterr().err
