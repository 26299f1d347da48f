"""Tokens never survive into a log line, however the address that carried them was
percent-encoded; and no value put into a log line can split it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from urllib.parse import unquote_plus

from hypothesis import given
from hypothesis import strategies as st
from strategies import tokens
from uvicorn.logging import AccessFormatter

from tui_app.cli.server import RedactTokens, uvicorn_log_config
from tui_app.domain import keyformat
from tui_app.domain.keyformat import BASE62, TokenKind
from tui_app.domain.redact import MAX_LEVELS, REDACTED, escape_controls, redact
from tui_app.server.security import new_token

# What may surround a token in a request line: address characters, `%` and `+` included,
# so broken and stray escapes next to the token are tried too.
URL_CHARS = BASE62 + "%+&=/?-._~:"
ADDRESSES = ["/v1/keys?q=", "/v1/keys/", "/v1/admin/keys?status=all&q=", "/", "/v1/keys?"]
# Deep enough for any slip (`%5F`, `%255F`, `%25255F`), within what redact() decodes.
DEPTH = 3


def _encode(char: str, depth: int, plan: Iterator[bool]) -> str:
    """The character as written, or `%` and its two hex digits (either case), each of
    those three again as written or encoded, down to `depth` levels; `plan` decides."""
    if depth == 0 or not next(plan):
        return char
    digits = [d.upper() if next(plan) else d for d in f"{ord(char):02x}"]
    return "".join(_encode(c, depth - 1, plan) for c in ["%", *digits])


@st.composite
def encoded(draw: st.DrawFn, text: str) -> str:
    """`text` with every character encoded its own way. One integer per character holds
    its plan as bits (a draw per decision would make each example slow to generate);
    hypothesis shrinks it towards 0, the character as written."""
    out = []
    for char in text:
        bits = draw(st.integers(0, 2**63 - 1))
        out.append(_encode(char, DEPTH, (bool(bits >> i & 1) for i in range(63))))
    return "".join(out)


def decoded_levels(text: str) -> list[str]:
    """The text and each level of decoding it, as far as any decoder could take it."""
    levels = [text]
    for _ in range(3 * DEPTH + 2):
        levels.append(unquote_plus(levels[-1]))
    return levels


def assert_no_trace(output: str, token: str) -> None:
    body = token.split("_", 2)[2]
    for level in decoded_levels(output):
        assert body not in level, (output, token)
        assert token[-20:] not in level, (output, token)


@given(token=tokens(), data=st.data())
def test_no_encoding_of_a_token_survives(token: str, data: st.DataObject) -> None:
    before = data.draw(st.sampled_from(ADDRESSES)) + data.draw(st.text(URL_CHARS, max_size=8))
    after = data.draw(st.text(URL_CHARS, max_size=8))
    line = f"GET {before}{data.draw(encoded(token))}{after} HTTP/1.1"
    assert_no_trace(redact(line), token)


@given(token=tokens(), data=st.data())
def test_the_access_log_line_keeps_no_token_and_stays_one_line(
    token: str, data: st.DataObject,
) -> None:
    query = "q=" + data.draw(encoded(token)) + data.draw(st.text(URL_CHARS + "\n\r\x1b"))
    message = _access_line(f"/v1/keys?{query}")
    assert_no_trace(message, token)
    assert "\n" not in message and "\r" not in message and "\x1b" not in message


def test_a_minted_token_in_every_usual_disguise() -> None:
    for kind in TokenKind:
        token, _digest, _hint = new_token(b"pepper" * 8, kind, "live")
        for disguised in (token, token.replace("_", "%5F"), token.replace("_", "%5f"),
                          token.replace("_", "%255F"), token.replace("_", "%25255f"),
                          "".join(f"%{ord(c):02X}" for c in token)):
            line = f"GET /v1/keys?q={disguised}&status=all HTTP/1.1"
            assert redact(line) == f"GET /v1/keys?q={REDACTED}&status=all HTTP/1.1"


def test_the_rest_of_the_line_stays_as_written() -> None:
    token = keyformat.generate(TokenKind.PERSONAL)
    assert redact(f"/v1/keys/{token}/x?q=a%20b+c%0A") == f"/v1/keys/{REDACTED}/x?q=a%20b+c%0A"
    assert redact("/v1/keys?q=live_and_test_values%5F") == "/v1/keys?q=live_and_test_values%5F"
    assert redact(token + "/" + token) == f"{REDACTED}/{REDACTED}"


def test_a_token_cut_short_is_still_redacted() -> None:
    token = keyformat.generate(TokenKind.AGENT)
    assert redact(f"/v1/keys?q={token[:16]}") == f"/v1/keys?q={REDACTED}"
    assert redact("/v1/keys?q=ak%5Flive%5Fshort") == "/v1/keys?q=ak%5Flive%5Fshort"


def test_nesting_deeper_than_any_slip_costs_no_more_than_the_limit() -> None:
    # A line built to nest escapes thousands deep is decoded MAX_LEVELS levels, then left.
    deep = "%" + "25" * 5000 + "5F"
    assert redact(deep) == deep
    assert MAX_LEVELS >= DEPTH


@given(st.text())
def test_escaped_text_has_no_control_characters(text: str) -> None:
    escaped = escape_controls(text)
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or c in "\u2028\u2029"
                   for c in escaped)


def test_a_decoded_line_break_cannot_forge_a_log_line() -> None:
    # The server's own error log quotes the decoded path (api/middleware.py: LastResort).
    record = logging.LogRecord("agentkeys.server", logging.ERROR, __file__, 1,
                               "unexpected %s at %s in %s %s",
                               ("KeyError", "x.py:1", "GET", "/v1/x\nINFO: forged"), None)
    assert RedactTokens().filter(record)
    assert record.getMessage() == "unexpected KeyError at x.py:1 in GET /v1/x\\x0aINFO: forged"


def test_every_log_handler_and_the_servers_own_logger_are_filtered() -> None:
    config = uvicorn_log_config()
    assert all(h["filters"] == ["redact_tokens"] for h in config["handlers"].values())
    ours = config["loggers"]["agentkeys"]
    assert ours["handlers"] and not ours["propagate"]


def _access_line(path_with_query: str) -> str:
    """The access log line uvicorn writes for this request, through our filter."""
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:1", "GET", path_with_query, "1.1", 200), None,
    )
    assert RedactTokens().filter(record)
    return AccessFormatter(fmt='%(client_addr)s - "%(request_line)s" %(status_code)s',
                           use_colors=False).format(record)


def test_a_broken_escape_in_front_cannot_hide_a_token() -> None:
    # `%6` then an encoded `a` decodes to `j`: the prefix is gone at the level where the
    # body is complete (its first character was encoded three times).
    token = keyformat.generate(TokenKind.AGENT)
    body = token.split("_", 2)[2]
    hidden = "%6%61k_live_" + "%2525" + f"{ord(body[0]):02X}" + body[1:]
    assert_no_trace(redact(f"GET /v1/keys?q={hidden} HTTP/1.1"), token)
