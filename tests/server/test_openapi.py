"""/openapi.json describes every endpoint with its response models."""

from __future__ import annotations


async def test_openapi_lists_every_endpoint_with_models(api) -> None:
    spec = (await api.get("/openapi.json")).json()
    paths = spec["paths"]
    expected = {
        ("/healthz", "get"), ("/v1/me", "get"), ("/v1/keys", "get"), ("/v1/keys", "post"),
        ("/v1/keys/{key_id}", "get"), ("/v1/keys/{key_id}", "patch"),
        ("/v1/keys/{key_id}", "delete"), ("/v1/keys/{key_id}/revoke", "post"),
        ("/v1/keys/{key_id}/disable", "post"), ("/v1/keys/{key_id}/enable", "post"),
        ("/v1/admin/keys", "get"), ("/v1/admin/keys/bulk", "post"), ("/v1/audit", "get"),
        ("/v1/users", "get"), ("/v1/users", "post"), ("/v1/users/{user_id}/deactivate", "post"),
        ("/v1/users/{user_id}", "patch"), ("/v1/users/{user_id}/reactivate", "post"),
        ("/v1/users/{user_id}/login-tokens", "post"), ("/v1/teams", "get"),
        ("/v1/teams", "post"), ("/v1/teams/{team_id}", "patch"),
        ("/v1/verify", "post"), ("/v1/agent/whoami", "get"),
    }
    found = {(p, m) for p, ops in paths.items() for m in ops}
    assert expected <= found
    for path, method in expected:
        responses = paths[path][method]["responses"]
        ok = [c for c in responses if c.startswith("2")]
        assert ok, (path, method)
        assert "schema" in responses[ok[0]]["content"]["application/json"], (path, method)
        if path != "/healthz":
            assert "422" in responses and "401" in responses, (path, method)
