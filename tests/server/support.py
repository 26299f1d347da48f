"""Helpers for the API tests (imported as `support`)."""

from __future__ import annotations

from typing import Any

from backend_people import Person


async def create_key(api: Any, who: Person, **body: Any) -> tuple[dict[str, Any], str]:
    payload = {"name": "test key", "scope": "read"} | body
    response = await api.post("/v1/keys", json=payload, headers=who.headers)
    assert response.status_code == 201, response.text
    data = response.json()
    return data["key"], data["secret"]


def error(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}, body
    assert {"code", "message", "details"} <= set(body["error"]), body
    return body["error"]  # type: ignore[no-any-return]


def fields(response: Any) -> dict[str, str]:
    err = error(response)
    assert err["code"] == "VALIDATION_FAILED", err
    return {d["field"]: d["message"] for d in err["details"]}
