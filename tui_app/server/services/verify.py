"""Verifying an agent key: the one use case behind POST /v1/verify and whoami.

Reads the key (and, when asked, the gateway's login token) in one round trip, asks the
domain's judge, then does the writes the judgement calls for: count the call in its
minute, only for a key with a limit; record the use, at most once a minute per key.
Each statement is its own transaction (see store/verify_store.py for why that holds).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from tui_app.domain import verify as rules
from tui_app.domain.errors import Forbidden
from tui_app.domain.models import AgentKey
from tui_app.domain.roles import Role
from tui_app.domain.verify import Code, RateWindow
from tui_app.server import security
from tui_app.server.services.activity_recorder import AgentCall
from tui_app.server.services.auth import check_login_row
from tui_app.server.services.backend import Backend
from tui_app.server.store.verify_access import verify_store
from tui_app.server.store.verify_store import CallerRow, KeyRow, SessionRow, key_record

LAST_USED_TOOL_MAX = 64  # the column's width


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of one verify: the code, the key as read when one was found (refused
    keys too: a gateway may show why), and the rate-limit window when the call counted."""

    code: Code
    message: str | None
    at: datetime
    key: AgentKey | None = None
    ratelimit: RateWindow | None = None
    gateway: CallerRow | None = None  # the gateway this call signed in, when asked

    @property
    def valid(self) -> bool:
        return self.code == "VALID"

    @property
    def retry_after(self) -> int | None:
        """Seconds until a rate-limited key may call again."""
        if self.code != "RATE_LIMITED" or self.ratelimit is None:
            return None
        return self.ratelimit.retry_after(self.at)


@dataclass(frozen=True, slots=True)
class Admission:
    """Whether a key may be used at all now, and the key as read (None when unknown)."""

    code: Code
    message: str | None
    key: KeyRow | None
    session: SessionRow | None = None  # when a key session was presented

    @property
    def admitted(self) -> bool:
        return self.code == "VALID"


async def admit_key(backend: Backend, key: str | None) -> Admission:
    """Whether `key` is a usable agent key now (well-formed, known, not revoked, expired
    or disabled, its owner active), without counting a use: what the MCP endpoint asks
    of every message, protocol messages included. A call is judged by verify_key."""
    problem = rules.presented_key_problem(key)
    if problem is not None or key is None:
        code, message = problem or ("TOKEN_MISSING", rules.MESSAGES["TOKEN_MISSING"])
        return Admission(code, message, None)
    _, session, row = await _read(backend, key, None)
    code = _status_code(row, session, backend.now())
    return Admission(code, rules.MESSAGES[code], row, session)


async def _read(backend: Backend, key: str, gateway_digest: str | None
                ) -> tuple[CallerRow | None, SessionRow | None, KeyRow | None]:
    """The gateway's login token (when asked), the key session (when one is presented)
    and the key; a session's key with the session's scope, which may be narrower."""
    store = verify_store(backend.engine)
    digest = security.digest(backend.settings.pepper_bytes, key)
    if not rules.is_session_token(key):
        gateway_row, row = await store.lookup(gateway_digest, digest)
        return gateway_row, None, row
    gateway_row = (await store.lookup(gateway_digest, None))[0] if gateway_digest else None
    session, row = await store.lookup_session(digest)
    if session is not None and row is not None:
        row = row._replace(scope=session.scope)
    return gateway_row, session, row


def _status_code(row: KeyRow | None, session: SessionRow | None, now: datetime) -> Code:
    """Whether the key (and its session, when one is used) may be used at all now."""
    code = rules.judge(row, now, tool=None, access=None)
    if code == "VALID" and session is not None:
        code = rules.judge_session(session, now)
    return code


def admit_gateway(row: CallerRow | None, now: datetime) -> CallerRow:
    """The gateway's sign-in: the login token's checks (Unauthorized with the reason),
    then the role that may verify (Forbidden)."""
    row = check_login_row(row, now)
    if not Role(row.role).may_verify:
        raise Forbidden("Only service accounts and admins may verify keys.")
    return row


async def verify_key(
    backend: Backend, key: str | None, *, tool: str | None = None,
    access: str | None = None, gateway_digest: str | None = None,
    use_tool: str | None = None, call: AgentCall | None = None,
) -> Verdict:
    """Judge `key` for a call of `tool` with `access`, and count it as a use.

    `gateway_digest`: the digest of the caller's login token when its sign-in is not
    remembered; it is read with the key and checked before anything is written or
    answered (Unauthorized, Forbidden), and the verdict carries it. `use_tool`: what the
    last use records when it is not the tool checked (whoami records "whoami"). `call`:
    how the key came; when given, the outcome for a key we know is recorded as activity
    (accepted or refused)."""
    now = backend.now()
    problem = rules.presented_key_problem(key)
    if problem is not None or key is None:
        gateway_row = None
        if gateway_digest is not None:
            gateway_row = (await verify_store(backend.engine).lookup(gateway_digest, None))[0]
        gateway = admit_gateway(gateway_row, now) if gateway_digest is not None else None
        code, message = problem or ("TOKEN_MISSING", rules.MESSAGES["TOKEN_MISSING"])
        return Verdict(code, message, now, gateway=gateway)
    gateway_row, session, row = await _read(backend, key, gateway_digest)
    gateway = admit_gateway(gateway_row, now) if gateway_digest is not None else None
    return await _judge_and_count(backend, row, session, now, tool=tool, access=access,
                                  use_tool=use_tool, call=call, gateway=gateway)


async def verify_admitted(backend: Backend, admission: Admission, *, tool: str,
                          access: str, call: AgentCall) -> Verdict:
    """verify_key for a key `admit_key` read moments ago in the same request (the MCP
    endpoint's tool calls): judged for the tool, counted and recorded the same way,
    without reading the key a second time."""
    return await _judge_and_count(backend, admission.key, admission.session, backend.now(),
                                  tool=tool, access=access, use_tool=None, call=call,
                                  gateway=None)


async def _judge_and_count(
    backend: Backend, row: KeyRow | None, session: SessionRow | None, now: datetime, *,
    tool: str | None,
    access: str | None, use_tool: str | None, call: AgentCall | None,
    gateway: CallerRow | None,
) -> Verdict:
    """The judgement of a key as read, then the writes it calls for: count the call in
    its minute (keys with a limit), record the use (at most once a minute), and the
    activity entry. A key session's use is its key's (same limit, same activity, the
    session named in it)."""
    code = _status_code(row, session, now)
    if code == "VALID":
        code = rules.judge(row, now, tool=tool, access=access)
    if session is not None and call is not None:
        call = replace(call, session_id=session.id)
    if row is None:
        return Verdict(code, rules.MESSAGES[code], now, gateway=gateway)
    found = key_record(row, now)
    if code != "VALID":
        _record(backend, call, row.id, row.owner_id, now, tool, code)
        return Verdict(code, rules.MESSAGES[code], now, found, gateway=gateway)
    store = verify_store(backend.engine)
    window = None
    if row.rate_limit_rpm:
        start = rules.window_start(now)
        count = await store.count_call(row.id, start)
        if count == 1:  # the first call of a new minute: the older ones are done with
            await store.forget_windows_before(row.id, start)
        window = RateWindow(limit=row.rate_limit_rpm, count=count, start=start)
        if window.exceeded:
            _record(backend, call, row.id, row.owner_id, now, tool, "RATE_LIMITED")
            return Verdict("RATE_LIMITED", rules.MESSAGES["RATE_LIMITED"], now, found,
                           window, gateway)
    resolution = timedelta(seconds=backend.settings.last_used_resolution_s)
    if rules.use_is_due(row.last_used_at, now, resolution):
        used = use_tool if use_tool is not None else tool
        await store.record_use(row.id, now, unless_since=now - resolution,
                               tool=used[:LAST_USED_TOOL_MAX] if used else None)
    if session is not None and rules.use_is_due(session.last_used_at, now, resolution):
        await store.record_session_use(session.id, now, unless_since=now - resolution)
    _record(backend, call, row.id, row.owner_id, now, tool, "VALID")
    return Verdict("VALID", None, now, found, window, gateway)


def _record(backend: Backend, call: AgentCall | None, key_id: str, owner_id: str,
            at: datetime, tool: str | None, code: str) -> None:
    if call is not None:
        backend.activity.record(at=at, key_id=key_id, owner_id=owner_id, call=call,
                                tool=tool, code=code)
