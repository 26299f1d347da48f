"""Hostile text, class by class, against the rules every front door shares.

- Invisible characters: unsafe is decided by Unicode category, in one place, for every
  validator and every display.
- Names that guard access match exactly: a tool name with a final newline, a look-alike
  or another case is another name, and text shaped like a token is no tool name.
- Numbers are ASCII digits: "²" is a digit to str.isdigit() but not to int().
- A token is never quoted back in an error.
"""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from strategies import LOOK_ALIKE_SUFFIXES, any_text, token_body, tokens

from tui_app.domain import validation as v
from tui_app.domain.sanitize import REPLACEMENT, clean, has_unsafe, is_storable, is_unsafe
from tui_app.domain.validation import FieldError
from tui_app.domain.verify import tool_allowed

UNSAFE_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
HANGUL_FILLERS = "\u115f\u1160\u3164\uffa0"

# Each range a review found accepted in key names.
INVISIBLE = [
    *map(chr, range(0xE0000, 0xE0080)),  # tag characters
    "\u2062", "\u2063", "\u2064",  # invisible times, separator, plus
    *map(chr, range(0x206A, 0x2070)),  # deprecated format characters
    "\u180e",  # Mongolian vowel separator
    "\ufff9", "\ufffa", "\ufffb",  # interlinear annotation
    "\u00ad",  # soft hyphen
]

NAME_VALIDATORS = [v.validate_name, v.validate_person_name,
                   lambda text: v.validate_team_names([text])]
tool_names = st.from_regex(r"[A-Za-z0-9_.-]{1,64}", fullmatch=True)


def oracle_unsafe(char: str) -> bool:
    return unicodedata.category(char) in UNSAFE_CATEGORIES or char in HANGUL_FILLERS


# -- invisible characters --------------------------------------------------------------


@given(any_text)
def test_unsafe_is_decided_by_category(text: str) -> None:
    assert has_unsafe(text) == any(oracle_unsafe(char) for char in text)
    shown = clean(text)
    assert len(shown) == len(text)
    assert not has_unsafe(shown)
    for before, after in zip(text, shown, strict=True):
        assert after == (REPLACEMENT if oracle_unsafe(before) else before)
    assert clean(text, replacement="") == "".join(c for c in text if not oracle_unsafe(c))


@given(any_text, any_text, st.sampled_from(NAME_VALIDATORS))
def test_no_name_holds_an_unsafe_character(before: str, after: str, validate: object) -> None:
    text = f"x{before}y{after}"
    try:
        accepted = validate(text)  # type: ignore[operator]
    except FieldError:
        return
    # Accepted only once trimmed: str.strip() also takes NEL and line separators off
    # the ends, and what is left must be clean.
    names = accepted if isinstance(accepted, list) else [accepted]
    assert not any(has_unsafe(name) for name in names)


@pytest.mark.parametrize("char", INVISIBLE, ids=lambda c: f"U+{ord(c):04X}")
def test_invisible_characters_are_refused_and_shown_as_such(char: str) -> None:
    for validate in NAME_VALIDATORS:
        with pytest.raises(FieldError):
            validate(f"deploy{char}bot")
        with pytest.raises(FieldError):
            validate(char * 5)  # a name made only of them would show blank
    with pytest.raises(FieldError):
        v.validate_description(f"line one\n{char}")
    assert clean(f"a{char}b") == f"a{REPLACEMENT}b"


def test_spaces_of_every_width_and_emoji_are_fine() -> None:
    for name in ["ops\u00a0bot", "ci\u3000bot", "deploy 🚀", "café", "Ünïcödé", "名前"]:
        assert v.validate_name(name) == name
        assert clean(name) == name


@given(any_text)
def test_storable_means_no_nul_and_no_lone_surrogate(text: str) -> None:
    lone = any(0xD800 <= ord(char) <= 0xDFFF for char in text)
    assert is_storable(text) == ("\x00" not in text and not lone)
    if not is_storable(text):
        assert has_unsafe(text)  # no validated name can hold it either
    assert all(is_unsafe(c) for c in text if c == "\x00" or 0xD800 <= ord(c) <= 0xDFFF)


# -- exact names -----------------------------------------------------------------------


@given(tool_names, st.sampled_from(LOOK_ALIKE_SUFFIXES))
def test_a_tool_name_with_anything_after_it_is_another_tool(tool: str, suffix: str) -> None:
    look_alike = tool + suffix
    assert not v.is_tool_name(look_alike)
    assert not tool_allowed(look_alike, [], [])
    assert not tool_allowed(look_alike, [tool], [])
    with pytest.raises(FieldError):
        v.validate_tools("blocked_tools", [look_alike])


@given(tool_names, st.one_of(tool_names, any_text))
def test_lists_compare_names_exactly(tool: str, asked: str) -> None:
    assume(not v.looks_like_token(tool))
    assert tool_allowed(asked, [tool], []) == (asked == tool)
    if asked == tool:
        assert not tool_allowed(asked, [], [tool])
    else:
        assert tool_allowed(asked, [], [tool]) == v.is_tool_name(asked)


@given(tokens(), st.integers(8, 46), st.sampled_from(["", "x", "_1"]))
def test_text_shaped_like_a_token_is_no_tool_name_and_is_never_echoed(
    token: str, keep: int, tail: str,
) -> None:
    prefix = token[: -len(token_body(token))]
    text = prefix + token_body(token)[:keep] + tail
    assert not v.is_tool_name(text)
    for field in ("allowed_tools", "blocked_tools"):
        with pytest.raises(FieldError) as refused:
            v.validate_tools(field, [text])
        assert token_body(token)[:8] not in refused.value.message
    for validate in (*NAME_VALIDATORS, v.validate_description):
        with pytest.raises(FieldError) as refused:
            validate(f"my key {text}")  # type: ignore[operator]
        assert token_body(token)[:8] not in refused.value.message
    assert token_body(token)[:8] not in v.shown_input(f"{text} is not a duration")


@given(any_text)
def test_refused_input_is_quoted_back_safely(text: str) -> None:
    shown = v.shown_input(text)
    assert not has_unsafe(shown)
    assert len(shown) <= 70


# -- numbers ---------------------------------------------------------------------------


@given(any_text)
def test_whole_numbers_are_ascii_digits(text: str) -> None:
    number = v.whole_number(text)
    stripped = text.strip()
    if number is None:
        assert not (stripped.isascii() and stripped.isdigit() and len(stripped) <= 18)
    else:
        assert str(number) == stripped.lstrip("0") or (number == 0 and set(stripped) == {"0"})


@given(st.one_of(any_text, st.integers(), st.floats(), st.booleans(), st.none()))
def test_rate_limit_is_refused_with_a_message_never_an_exception(value: object) -> None:
    try:
        result = v.validate_rate_limit(value)
    except FieldError as refused:
        assert refused.field == "rate_limit_rpm"
    else:
        assert result is None or (type(result) is int and 1 <= result <= 100_000)
    if isinstance(value, bool):
        with pytest.raises(FieldError):
            v.validate_rate_limit(value)


def test_digits_other_than_ascii_are_not_numbers() -> None:
    for text in ["²", "³", "¹", "٣", "1²", "\uff11\uff12"]:
        assert v.whole_number(text) is None
        with pytest.raises(FieldError):
            v.validate_rate_limit(text)
