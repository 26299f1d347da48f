"""Profiles in config.toml and which server a command talks to."""

from __future__ import annotations

from pathlib import Path

import pytest
from keyring.backends import fail

from tui_app.client.config import (
    Config,
    ConfigError,
    Profile,
    config_path,
    load_config,
    normalize_server_url,
    remember_server,
    save_config,
)
from tui_app.client.connection import resolve_connection, resolve_server
from tui_app.client.credentials import CredentialStore
from tui_app.domain.keyformat import TokenKind, generate


def test_profiles_round_trip(home: Path) -> None:
    config = Config(default_profile="work", profiles={
        "work": Profile("work", "https://keys.example.com"),
        "lab": Profile("lab", "http://127.0.0.1:8765"),
    })
    path = save_config(config)
    assert path == config_path() and path.parent == home / "config"
    text = path.read_text()
    assert 'default_profile = "work"' in text and "[profiles.work]" in text
    assert load_config() == config


@pytest.mark.parametrize(("given", "expected"), [
    ("https://keys.example.com/", "https://keys.example.com"),
    ("keys.example.com", "https://keys.example.com"),
    ("localhost:8765", "http://localhost:8765"),
    ("http://127.0.0.1:8765", "http://127.0.0.1:8765"),
])
def test_server_urls_are_normalised(given: str, expected: str) -> None:
    assert normalize_server_url(given) == expected


@pytest.mark.parametrize("bad", ["", "ftp://x", "https://"])
def test_bad_server_urls_say_what_to_use(bad: str) -> None:
    with pytest.raises(ConfigError):
        normalize_server_url(bad)


def test_broken_config_is_a_clear_error(home: Path) -> None:
    config_path().write_text("default_profile = [")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config()
    config_path().write_text("[profiles.work]\nurl = 'x'\n")
    with pytest.raises(ConfigError, match=r"profiles\.work"):
        load_config()


def test_server_precedence(home: Path) -> None:
    assert resolve_server(None, None, env={}) == (None, None)  # the embedded default
    remember_server("https://a.example.com")
    remember_server("https://b.example.com", "bee")
    assert load_config().default_profile == "a.example.com"  # the first login's profile
    assert resolve_server(None, None, env={}) == ("https://a.example.com", "a.example.com")
    env = {"AGENTKEYS_SERVER": "https://b.example.com"}
    assert resolve_server(None, None, env=env) == ("https://b.example.com", "bee")
    assert resolve_server(None, "a.example.com", env=env) == (
        "https://a.example.com", "a.example.com")
    assert resolve_server("c.example.com", "bee", env=env) == ("https://c.example.com", "bee")


def test_unknown_profile_lists_the_known_ones(home: Path) -> None:
    remember_server("https://a.example.com", "work")
    with pytest.raises(ConfigError, match=r"No profile named 'home' \(profiles: work\)"):
        resolve_server(None, "home", env={})


def test_connection_carries_token_and_location(home: Path, use_keyring) -> None:
    use_keyring(fail.Keyring())
    token = generate(TokenKind.PERSONAL)
    remember_server("https://a.example.com", "work")
    CredentialStore("https://a.example.com").save(token, confirm_plaintext=lambda w: True)
    conn = resolve_connection(env={})
    assert conn.server_url == "https://a.example.com" and conn.profile == "work"
    assert conn.token == token
    assert conn.credential_location == f"file {home / 'config' / 'credentials.toml'} (0600)"
    assert "no usable system keyring" in (conn.keyring_problem or "")
    assert token not in repr(conn)


def test_embedded_default_needs_no_token(home: Path) -> None:
    conn = resolve_connection(env={})
    assert conn.embedded and conn.token is None
    assert conn.credential_location == "embedded server, token in its data dir"


@pytest.mark.parametrize(("url", "clear"), [
    ("http://keys.internal:8765", True), ("http://10.0.0.5", True),
    ("https://keys.example.com", False), ("http://127.0.0.1:8765", False),
    ("http://localhost:8765", False), ("http://[::1]:8765", False),
])
def test_plain_http_to_another_machine_is_flagged(url: str, clear: bool) -> None:
    """`agentkeys login` warns before sending a token unencrypted across a network."""
    from tui_app.client.config import sends_tokens_in_clear

    assert sends_tokens_in_clear(url) is clear


def test_the_server_table_sets_the_local_servers_environment(home: Path) -> None:
    from tui_app.client.config import local_server_environment

    path = config_path()
    path.write_text('[server]\nmax_lifetime_days = 0\nrequire_terms = true\nkey_env = "test"\n')
    assert local_server_environment({"AGENTKEYS_KEY_ENV": "live"}) == {
        "AGENTKEYS_MAX_LIFETIME_DAYS": "0", "AGENTKEYS_REQUIRE_TERMS": "1",
        "AGENTKEYS_KEY_ENV": "live",  # the variable wins
    }
    remember_server("https://keys.example.com")
    assert load_config().server == {"max_lifetime_days": 0, "require_terms": True,
                                    "key_env": "test"}, "a login keeps the table"


@pytest.mark.parametrize("table", ["max_lifetime_days = -1", 'max_lifetime_days = "0"',
                                   'require_terms = "yes"', 'key_env = "prod"',
                                   "max_lifetime = 30"])
def test_a_bad_server_setting_is_a_config_error(home: Path, table: str) -> None:
    config_path().write_text(f"[server]\n{table}\n")
    with pytest.raises(ConfigError, match=r"\[server\]"):
        load_config()
