"""Property-based API testing from the app's own OpenAPI schema (schemathesis 4).

Every operation in /openapi.json gets generated requests — valid ones and, by default,
invalid ones (schemathesis' positive and negative modes) — sent to the app on a temporary
SQLite file seeded with the demo organisation, authenticated as its admin. Checks: no 5xx,
and every response matches the schema (status code declared, body shape as documented).
Bounded: a few examples per operation, no deadline, so it runs in seconds.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tui_app.server.api.app import create_app
from tui_app.server.settings import Settings
from tui_app.server.store import db, migrations
from tui_app.server.store import users as users_store
from tui_app.server.store.seed import seed_demo

pytestmark = pytest.mark.slow

PEPPER = b"schemathesis-pepper-0123456789ab"
_token: dict[str, str] = {}


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    path: Path = tmp_path_factory.mktemp("schemathesis") / "api.db"
    url = f"sqlite:///{path}"
    engine = db.create_engine(url)
    migrations.migrate(engine)
    # Real data, so listings, gets and audit pages return full records to check against
    # the schema (keys in every status, users of every role, audit entries).
    demo = seed_demo(engine, keys=60)
    with engine.begin() as conn:
        _token["admin"] = users_store.issue_login_token(
            conn, PEPPER, demo.admin_id, datetime.now(UTC)
        )
    engine.dispose()
    app = create_app(Settings(database_url=url, pepper=PEPPER))
    yield schemathesis.openapi.from_asgi("/openapi.json", app)
    app.state.engine.dispose()


schema = schemathesis.pytest.from_fixture("api_schema")


# Nothing is excluded: every operation, including the state-changing ones (bulk, revoke,
# deactivate), runs as the admin; generated ids almost never match a real one, and when
# they do the change is legitimate data for the next request.
@schema.parametrize()
@settings(
    # AGENTKEYS_SCHEMATHESIS_EXAMPLES=500 for a deeper local hunt.
    max_examples=int(os.environ.get("AGENTKEYS_SCHEMATHESIS_EXAMPLES", "25")),
    deadline=None,
    # The seeded app answers fast; generation of some bodies is slower than hypothesis
    # likes on a loaded 2-core machine, which is not what this test is about.
    suppress_health_check=list(HealthCheck),
    derandomize=True,  # the same examples every run: a failure reproduces
)
def test_api_conforms_to_its_schema(case: Any) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {_token['admin']}", "X-Agentkeys-Source": "api"},
        checks=[not_a_server_error, response_schema_conformance],
    )
