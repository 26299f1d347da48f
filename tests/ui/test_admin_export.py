"""The streaming export (tui_app/client/export.py) against the real backend.

It is shared by the TUI and the CLI; these tests check it writes exactly the filtered
set, page by page with progress, in CSV and JSON, and neutralises spreadsheet formulas
and control characters in untrusted text.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from test_admin_support import Backend, all_ids, make_backend

from tui_app.client.export import (
    CSV_COLUMNS,
    count_from_totals,
    csv_safe,
    export_keys,
)
from tui_app.server.store import db


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Backend:
    return make_backend(tmp_path_factory.mktemp("export"), keys=1200, users=60)


@pytest.mark.parametrize(
    ("raw", "cell"),
    [
        ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
        ("+1+1", "'+1+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'cmd"),
        ("\r=1", "'=1"),
        ("plain name", "plain name"),
        ("a\x1b]52;c;ZXZpbA==\x07b", "a]52;c;ZXZpbA==b"),
        ("\u202eevil", "evil"),
        ("line\nbreak", "linebreak"),
        (None, ""),
    ],
)
def test_csv_cells_are_neutralised(raw: str | None, cell: str) -> None:
    assert csv_safe(raw) == cell


def test_count_from_totals() -> None:
    totals = {"active": 5, "inactive": 2, "expired": 3, "revoked": 1, "all": 11}
    assert count_from_totals(totals) == 11
    assert count_from_totals(totals, "all") == 11
    assert count_from_totals(totals, "active,expired") == 8
    assert count_from_totals(None) is None


@pytest.mark.parametrize("fmt", ["csv", "json"])
async def test_export_writes_the_filtered_set_with_progress(
    backend: Backend, tmp_path: Path, fmt: str
) -> None:
    api = backend.client()
    filters = {"status": "active,inactive", "stale_days": 30, "sort": "name", "order": "asc"}
    expected = await all_ids(api, **filters)
    assert len(expected) > 500  # more than one page
    calls: list[tuple[int, int | None]] = []
    path = tmp_path / f"out.{fmt}"
    written = await export_keys(api, filters, path, fmt,  # type: ignore[arg-type]
                                lambda done, total: calls.append((done, total)))
    assert written == len(expected)
    if fmt == "csv":
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            assert tuple(next(reader)) == CSV_COLUMNS
            ids = [row[0] for row in reader]
    else:
        ids = [item["id"] for item in json.loads(path.read_text())]
    assert ids == expected
    assert len(calls) >= 2 and calls[-1] == (len(expected), len(expected))
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    assert not list(tmp_path.glob(".*.part"))  # the temporary file was renamed away


async def test_export_of_an_empty_filter(backend: Backend, tmp_path: Path) -> None:
    path = tmp_path / "none.json"
    written = await export_keys(backend.client(), {"q": "no-such-key-anywhere"}, path, "json")
    assert written == 0
    assert json.loads(path.read_text()) == []


async def test_hostile_names_are_neutralised_in_csv(tmp_path: Path) -> None:
    backend = make_backend(tmp_path, keys=10, users=5)
    api = backend.client()
    created = await api.create_key(name="=cmd|' /C calc'!A0", expires_at=_in_days(30))
    # The API refuses control characters; older data may still hold them.
    with backend.app.state.engine.begin() as conn:
        conn.execute(db.keys.update().where(db.keys.c.id == created.key.id)
                     .values(description="\x1b]52;c;ZXZpbA==\x07"))
    path = tmp_path / "hostile.csv"
    await export_keys(api, {"q": "cmd"}, path, "csv")
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 1
    assert rows[0]["name"] == "'=cmd|' /C calc'!A0"
    assert "\x1b" not in rows[0]["description"] and "\x07" not in rows[0]["description"]


def _in_days(days: int):  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from test_admin_support import NOW

    return NOW + timedelta(days=days)
