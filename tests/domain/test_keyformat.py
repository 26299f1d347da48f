"""Key format: generation, offline checksum, hints."""

from __future__ import annotations

import pytest

from tui_app.domain import keyformat
from tui_app.domain.keyformat import TokenKind, TokenMalformed


def test_generated_tokens_parse_and_differ() -> None:
    a = keyformat.generate(TokenKind.AGENT, "live")
    b = keyformat.generate(TokenKind.AGENT, "live")
    assert a != b
    assert a.startswith("ak_live_") and len(a) == len("ak_live_") + 46
    parsed = keyformat.parse(a)
    assert parsed.kind is TokenKind.AGENT and parsed.env == "live"
    login = keyformat.generate(TokenKind.PERSONAL, "test")
    assert keyformat.parse(login).kind is TokenKind.PERSONAL


@pytest.mark.parametrize("position", [8, 20, 47, -1])
def test_any_single_change_fails_the_checksum(position: int) -> None:
    token = keyformat.generate()
    chars = list(token)
    chars[position] = "A" if chars[position] != "A" else "B"
    with pytest.raises(TokenMalformed):
        keyformat.parse("".join(chars))


@pytest.mark.parametrize("bad", ["", "   ", "ak_live", "xx_live_" + "a" * 46, "ak_prod_" + "a" * 46,
                                 "ak_live_" + "a" * 45, "ak_live_" + "!" * 46])
def test_malformed_tokens_are_rejected_with_a_message(bad: str) -> None:
    with pytest.raises(TokenMalformed) as info:
        keyformat.parse(bad)
    assert len(bad) < 20 or bad not in str(info.value)  # never echoes a token


def test_expected_kind_is_enforced() -> None:
    login = keyformat.generate(TokenKind.PERSONAL)
    assert not keyformat.is_well_formed(login, TokenKind.AGENT)
    assert keyformat.is_well_formed(login, TokenKind.PERSONAL)


def test_hint_shows_prefix_and_last_four_only() -> None:
    token = keyformat.generate()
    hint = keyformat.hint(token)
    assert hint == f"ak_live_…{token[-4:]}"
    assert token[8:40] not in hint


def test_unknown_env_is_refused() -> None:
    with pytest.raises(ValueError):
        keyformat.generate(TokenKind.AGENT, "prod")
