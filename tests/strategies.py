"""Hypothesis strategies shared by the property tests (imported as `strategies`)."""

from __future__ import annotations

from hypothesis import strategies as st

from tui_app.domain import keyformat
from tui_app.domain.keyformat import BASE62, BODY_LENGTH, ENVIRONMENTS, TokenKind


@st.composite
def tokens(draw: st.DrawFn) -> str:
    """A real token of any kind and environment: the minting scheme, with the random body
    drawn by hypothesis so that a failure can be replayed."""
    kind = draw(st.sampled_from(TokenKind))
    env = draw(st.sampled_from(ENVIRONMENTS))
    body = draw(st.text(BASE62, min_size=BODY_LENGTH, max_size=BODY_LENGTH))
    stem = f"{kind.value}_{env}_{body}"
    token = stem + keyformat.checksum(stem)
    assert keyformat.is_well_formed(token)
    return token


def token_body(token: str) -> str:
    return token.split("_", 2)[2]


# The characters hostile input is made of, so that each example is likely to hold some:
# NUL, ESC, DEL, C1, the soft hyphen, bidi marks and controls, zero-width characters,
# invisible operators, the Hangul filler, the BOM, interlinear annotations, lone
# surrogates (JSON escapes can spell them), tag characters, private use, and digits
# that str.isdigit() accepts but int() does not.
HOSTILE_CHARS = (
    "\x00\x1b\x7f\x85\u00ad\u061c\u180e\u200b\u200d\u200e\u2028\u202e\u2062\u2066"
    "\u206a\u3164\ufeff\ufff9\ud800\udfff\U000e0001\U000e007f\ue000\U0010ffff²³¹٣"
)
# Any code point at all, surrogates included, with the hostile ones often.
any_char = st.one_of(
    st.characters(codec=None, exclude_categories=()), st.sampled_from(HOSTILE_CHARS),
)
# Short strings of hostile characters; and those or any text at all.
hostile_text = st.text(st.sampled_from(HOSTILE_CHARS), min_size=1, max_size=4)
any_text = st.one_of(
    hostile_text,
    st.text(st.sampled_from(HOSTILE_CHARS + "ab1_ "), min_size=1, max_size=8),
    st.text(any_char, max_size=40),
)
# What turns a name that guards access into another one: a final newline, a carriage
# return, a space, a NUL, an invisible character, another case.
LOOK_ALIKE_SUFFIXES = ("\n", "\r\n", "\r", " ", "\t", "\x00", "\u200b", "\u00ad", "\U000e0041")
