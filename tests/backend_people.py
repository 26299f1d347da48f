"""People of every role with login tokens, for the API tests.

Kept out of conftest.py so test modules can import it by a name no other directory
uses: several test directories have a conftest.py, and `from conftest import …` picks
whichever was imported last (tests/server then fails to collect beside tests/client).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Person:
    id: str
    email: str
    token: str = field(repr=False)

    @property
    def headers(self) -> dict[str, str]:
        return auth(self.token)


@dataclass
class Org:
    """People of every role. Team "red": manager, owner, member. Team "blue": manager2,
    member2. `deactivated` and `revoked_login` cannot sign in."""

    admin: Person
    manager: Person
    owner: Person
    member: Person
    manager2: Person
    member2: Person
    service: Person
    deactivated: Person
    revoked_login: Person
    app: Any = field(repr=False)


def make_org(app: Any) -> Org:
    from tui_app.server.store import users as users_store

    settings = app.state.settings
    engine = app.state.engine
    now = settings.clock()
    specs = {
        "admin": ("admin", ["ops"]),
        "manager": ("manager", ["red"]),
        "owner": ("member", ["red"]),
        "member": ("member", ["red"]),
        "manager2": ("manager", ["blue"]),
        "member2": ("member", ["blue"]),
        "service": ("service", []),
        "deactivated": ("member", ["red"]),
        "revoked_login": ("member", ["red"]),
    }
    people: dict[str, Person] = {}
    with engine.begin() as conn:
        for name, (role, teams) in specs.items():
            email = f"{name}@example.com"
            uid = users_store.create_user(conn, email=email, name=name.title(), role=role,
                                          teams=teams, now=now)
            token = users_store.issue_login_token(conn, settings.pepper_bytes, uid, now)
            people[name] = Person(uid, email, token)
        users_store.deactivate_user(conn, people["deactivated"].id, now)
        users_store.revoke_login_token(conn, settings.pepper_bytes,
                                       people["revoked_login"].token, now)
    return Org(app=app, **people)
