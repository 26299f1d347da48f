"""The use cases without HTTP: records in and out, domain errors for what they refuse.

The API tests cover the same rules through the routes; these show what any other front
door (the CLI's server commands, a future MCP tool) gets when it calls a service.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from backend_people import Org, Person

from tui_app.domain.checks import FieldErrors, NewKeyInput
from tui_app.domain.errors import Conflict, IdempotencyMismatch, NotFound, Unauthorized
from tui_app.domain.models import AgentKey, CreatedKey
from tui_app.domain.status import KeyStatus
from tui_app.server.services import (
    audit_log,
    bulk,
    key_actions,
    key_listing,
    user_changes,
    users,
)
from tui_app.server.services.auth import authenticate
from tui_app.server.services.backend import Backend
from tui_app.server.services.create_key import create_key
from tui_app.server.store.users import Caller


@pytest.fixture
def backend(server_app: Any) -> Backend:
    found: Backend = server_app.state.backend
    return found


def caller(backend: Backend, person: Person) -> Caller:
    return authenticate(backend, person.token)


def new_key(backend: Backend, who: Caller, name: str = "svc key", **fields: Any) -> CreatedKey:
    return create_key(backend, who, NewKeyInput(name=name, **fields), idempotency_key=None,
                      fingerprint="", source="api")


def test_create_returns_a_record_and_its_secret_once(backend: Backend, org: Org) -> None:
    owner = caller(backend, org.owner)
    created = new_key(backend, owner, allowed_tools=("read_file",))
    assert isinstance(created.key, AgentKey)
    assert created.key.owner.id == org.owner.id
    assert created.key.status is KeyStatus.ACTIVE
    assert created.key.allowed_tools == ("read_file",)
    assert created.secret.startswith("ak_")
    assert created.secret not in repr(created)


def test_create_reports_every_wrong_field_at_once(backend: Backend, org: Org) -> None:
    with pytest.raises(FieldErrors) as caught:
        new_key(backend, caller(backend, org.owner), name=" ", rate_limit_rpm=0,
                allowed_tools=("no spaces allowed",))
    assert {"name", "rate_limit_rpm", "allowed_tools"} <= set(caught.value.by_field())


def test_a_retried_create_with_another_request_is_refused(backend: Backend, org: Org) -> None:
    owner = caller(backend, org.owner)
    first = create_key(backend, owner, NewKeyInput(name="once"), idempotency_key="k-1",
                       fingerprint="a", source=None)
    again = create_key(backend, owner, NewKeyInput(name="once"), idempotency_key="k-1",
                       fingerprint="a", source=None)
    assert again.key.id == first.key.id and again.secret != first.secret
    with pytest.raises(IdempotencyMismatch) as caught:
        create_key(backend, owner, NewKeyInput(name="other"), idempotency_key="k-1",
                   fingerprint="b", source=None)
    assert caught.value.code == "IDEMPOTENCY_MISMATCH"


def test_keys_of_others_are_not_found(backend: Backend, org: Org) -> None:
    key = new_key(backend, caller(backend, org.owner)).key
    stranger = caller(backend, org.member2)
    with pytest.raises(NotFound):
        key_actions.get_key(backend, stranger, key.id)
    with pytest.raises(NotFound):
        key_actions.act_on_key(backend, stranger, key.id, "revoke")
    # Their manager may act on it, and the audit names the manager.
    manager = caller(backend, org.manager)
    assert key_actions.act_on_key(backend, manager, key.id, "disable").status is \
        KeyStatus.INACTIVE


def test_state_rules_are_conflicts_with_their_codes(backend: Backend, org: Org) -> None:
    owner = caller(backend, org.owner)
    key = new_key(backend, owner).key
    with pytest.raises(Conflict) as active:
        key_actions.delete_key(backend, owner, key.id)
    assert active.value.code == "KEY_ACTIVE"
    with pytest.raises(Conflict) as stale:
        key_actions.edit_key(backend, owner, key.id, name="renamed", expected_version=99)
    assert stale.value.code == "CONFLICT"
    assert stale.value.details == {"current_version": key.version}
    key_actions.act_on_key(backend, owner, key.id, "revoke")
    with pytest.raises(Conflict):
        key_actions.act_on_key(backend, owner, key.id, "enable")
    deleted = key_actions.delete_key(backend, owner, key.id)
    assert deleted.id == key.id and deleted.used_in_last_24h is False


def test_edit_changes_only_what_it_names(backend: Backend, org: Org) -> None:
    owner = caller(backend, org.owner)
    key = new_key(backend, owner, description="kept").key
    edited = key_actions.edit_key(backend, owner, key.id, name="renamed")
    assert (edited.name, edited.description) == ("renamed", "kept")
    assert edited.version == key.version + 1
    unchanged = key_actions.edit_key(backend, owner, key.id, name="renamed")
    assert unchanged.version == edited.version  # the same value is no change


def test_extend_without_days_and_too_far(backend: Backend, org: Org) -> None:
    owner = caller(backend, org.owner)
    key = new_key(backend, owner).key
    with pytest.raises(FieldErrors) as missing:
        key_actions.act_on_key(backend, owner, key.id, "extend")
    assert set(missing.value.by_field()) == {"days"}
    extended = key_actions.act_on_key(backend, owner, key.id, "extend", days=7)
    assert key.expires_at is not None and extended.expires_at is not None
    assert extended.expires_at - key.expires_at == timedelta(days=7)


def test_bulk_reports_each_key(backend: Backend, org: Org) -> None:
    owner = caller(backend, org.owner)
    mine = new_key(backend, owner).key
    results = bulk.bulk_action(backend, caller(backend, org.manager), "disable",
                               [mine.id, "key_missing", mine.id])
    assert [(r.id, r.ok, r.code) for r in results] == [
        (mine.id, True, None), ("key_missing", False, "NOT_FOUND")]


def test_listings_and_cursors(backend: Backend, org: Org) -> None:
    owner = caller(backend, org.owner)
    for n in range(3):
        new_key(backend, owner, name=f"page key {n}")
    query = key_listing.KeyQuery(sort="name", order="asc", limit=2)
    first = key_listing.own_keys(backend, owner, query)
    assert [k.name for k in first.items] == ["page key 0", "page key 1"]
    assert first.next_cursor is not None
    rest = key_listing.own_keys(
        backend, owner, key_listing.KeyQuery(sort="name", order="asc", limit=2,
                                             cursor=first.next_cursor))
    assert [k.name for k in rest.items] == ["page key 2"] and rest.next_cursor is None
    with pytest.raises(FieldErrors):  # a cursor of another sort
        key_listing.own_keys(backend, owner, key_listing.KeyQuery(cursor=first.next_cursor))
    team = key_listing.admin_keys(backend, caller(backend, org.manager),
                                  key_listing.KeyQuery(include_totals=True))
    assert team.totals is not None and team.totals["all"] == 3
    events = audit_log.audit_events(backend, owner, audit_log.AuditQuery())
    assert {e.action for e in events.items} == {"key.created"}


def test_people(backend: Backend, org: Org) -> None:
    admin = caller(backend, org.admin)
    created = users.create_user(backend, admin, email="New@Example.com", name="New Person",
                                role="member", teams=["red"])
    assert created.user.email == "new@example.com" and created.user.teams == ("red",)
    assert created.token not in repr(created)
    with pytest.raises(Conflict):
        users.create_user(backend, admin, email="new@example.com", name="Again",
                          role="member", teams=[])
    with pytest.raises(FieldErrors) as bad:
        users.create_user(backend, admin, email="not an email", name="", role="member",
                          teams=[])
    assert {"email", "name"} <= set(bad.value.by_field())
    gone = user_changes.deactivate_user(backend, admin, created.user.id)
    assert gone.user.active is False
    with pytest.raises(Unauthorized) as refused:
        authenticate(backend, created.token)
    assert refused.value.code == "TOKEN_INACTIVE"
    with pytest.raises(Conflict):
        user_changes.deactivate_user(backend, admin, admin.id)
    with pytest.raises(NotFound):
        user_changes.deactivate_user(backend, admin, "usr_nobody")
