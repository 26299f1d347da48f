"""One error layer: everything leaves the server as the error envelope.

`{"error": {"code", "message", "details"}}`; VALIDATION_FAILED carries per-field
`{"field", "message"}` details written for people. The services raise domain errors
(domain/errors.py) and `FieldErrors`; their HTTP status is decided here, once.

Bad input is never a 500: FastAPI's validation errors, malformed JSON, unknown fields,
404/405 and oversized bodies (api/middleware.py) all answer with the envelope.
"""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from tui_app.domain.checks import FieldErrors
from tui_app.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    IdempotencyMismatch,
    NotFound,
    Unauthorized,
)
from tui_app.domain.field_error import FieldError


class ApiProblem(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers


def validation_failed(
    errors: FieldErrors | list[FieldError] | tuple[FieldError, ...] | FieldError,
) -> ApiProblem:
    if isinstance(errors, FieldErrors):
        items: list[FieldError] | tuple[FieldError, ...] = errors.errors
    else:
        items = errors if isinstance(errors, list | tuple) else [errors]
    details = [{"field": e.field, "message": e.message} for e in items]
    summary = details[0]["message"] if len(details) == 1 else "Some fields need fixing."
    return ApiProblem(422, "VALIDATION_FAILED", summary, details)


# Most specific first: an IdempotencyMismatch is a Conflict answered with 422, as a
# request that cannot be taken as sent.
_STATUSES: tuple[tuple[type[DomainError], int], ...] = (
    (NotFound, 404),
    (IdempotencyMismatch, 422),
    (Conflict, 409),
    (Forbidden, 403),
    (Unauthorized, 401),
)


def problem(error: DomainError) -> ApiProblem:
    """The HTTP answer to what a service refused."""
    status = next((s for kind, s in _STATUSES if isinstance(error, kind)), 400)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return ApiProblem(status, error.code, error.message, error.details, headers=headers)


class _AsciiJSONResponse(JSONResponse):
    """Errors may quote what the client sent (a field name, a value); ASCII escapes keep
    a lone surrogate or a control character from breaking the response or a terminal."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def envelope(status: int, code: str, message: str, details: Any = None,
             headers: dict[str, str] | None = None) -> JSONResponse:
    return _AsciiJSONResponse(
        {"error": {"code": code, "message": message, "details": details}},
        status_code=status,
        headers=headers,
    )


# -- pydantic errors → messages a person understands ----------------------------------

_TYPE_WORDS = {
    "string_type": "must be text",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "list_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "datetime_type": "must be a date and time such as 2026-01-31T23:59:59Z",
    "datetime_parsing": "must be a date and time such as 2026-01-31T23:59:59Z",
    "datetime_from_date_parsing": "must be a date and time such as 2026-01-31T23:59:59Z",
    "datetime_object_invalid": "must be a date and time such as 2026-01-31T23:59:59Z",
    "timezone_aware": "must include a time zone, such as Z",
    "string_unicode": "must be valid text",
    "text_not_storable": "holds a NUL character or an unpaired surrogate, which is never "
                         "valid text",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
}


# A long run of letters and digits in a field name is no field of ours and could be a
# token sent as a JSON key by mistake: error details never echo it back.
_TOKENISH = re.compile(r"[A-Za-z0-9]{16,}")
FIELD_NAME_MAX = 64


def shown_field(name: str) -> str:
    """A client-supplied field name as it may appear in an error: short, no token."""
    name = _TOKENISH.sub("…", name)
    return name if len(name) <= FIELD_NAME_MAX else name[: FIELD_NAME_MAX - 1] + "…"


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return shown_field(".".join(parts)) or "body"


def _message(err: dict[str, Any], field: str) -> str:
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    label = field.replace("_", " ").capitalize() if field != "body" else "The request body"
    if kind == "missing":
        return f"{label} is required."
    if kind == "extra_forbidden":
        return f"Unknown field '{field}'; remove it."
    if kind in _TYPE_WORDS:
        return f"{label} {_TYPE_WORDS[kind]}."
    if kind in ("less_than_equal", "less_than"):
        return f"{label} must be at most {ctx.get('le', ctx.get('lt'))}."
    if kind in ("greater_than_equal", "greater_than"):
        return f"{label} must be at least {ctx.get('ge', ctx.get('gt'))}."
    if kind in ("string_too_long", "too_long"):
        return f"{label} is too long (at most {ctx.get('max_length')})."
    if kind in ("string_too_short", "too_short"):
        return f"{label} is too short (at least {ctx.get('min_length')})."
    if kind in ("literal_error", "enum"):
        return f"{label} must be one of: {ctx.get('expected', '')}."
    if kind == "json_invalid":
        return "The request body is not valid JSON."
    if kind == "value_error":
        return str(ctx.get("error", "")) or f"{label} is not valid."
    return f"{label} is not valid."


def pydantic_details(errors: list[Any]) -> list[dict[str, str]]:
    details: list[dict[str, str]] = []
    for err in errors:
        loc = tuple(err.get("loc", ()))
        # A list item's error belongs to the list's field: "allowed_tools", not ".3".
        named = tuple(p for p in loc if not isinstance(p, int))
        field = _field_name(named)
        details.append({"field": field, "message": _message(err, field)})
    return details


# -- handlers ---------------------------------------------------------------------------

_STATUS_CODES = {
    400: "BAD_REQUEST",
    401: "TOKEN_MISSING",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    406: "NOT_ACCEPTABLE",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "RATE_LIMITED",
}


_BODY_PARSE_ERROR = "There was an error parsing the body"  # FastAPI's own words


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiProblem)
    async def _problem(_request: Request, exc: ApiProblem) -> JSONResponse:
        return envelope(exc.status, exc.code, exc.message, exc.details, exc.headers)

    @app.exception_handler(DomainError)
    async def _refused(_request: Request, exc: DomainError) -> JSONResponse:
        answer = problem(exc)
        return envelope(answer.status, answer.code, answer.message, answer.details,
                        answer.headers)

    @app.exception_handler(FieldErrors)
    async def _fields(_request: Request, exc: FieldErrors) -> JSONResponse:
        answer = validation_failed(exc)
        return envelope(answer.status, answer.code, answer.message, answer.details)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        content_type = request.headers.get("content-type", "")
        body_error = any(tuple(e.get("loc", ())) == ("body",) for e in errors)
        if body_error and content_type and "json" not in content_type.lower():
            # `curl -d` sends a form content type: FastAPI then never parses the JSON and
            # "the body must be an object" would mislead.
            message = "Send the body as JSON, with Content-Type: application/json."
            return envelope(422, "VALIDATION_FAILED", message,
                            [{"field": "body", "message": message}])
        if any(e.get("type") == "json_invalid" for e in errors):
            return envelope(
                422, "VALIDATION_FAILED", "The request body is not valid JSON.",
                [{"field": "body", "message": "The request body is not valid JSON."}],
            )
        details = pydantic_details(errors)
        summary = details[0]["message"] if len(details) == 1 else "Some fields need fixing."
        return envelope(422, "VALIDATION_FAILED", summary, details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and exc.detail == _BODY_PARSE_ERROR:
            # FastAPI's "error parsing the body" (e.g. bytes that no JSON decoder takes):
            # bad input like any other, so the same code as malformed JSON.
            message = "The request body is not valid JSON."
            return envelope(422, "VALIDATION_FAILED", message,
                            [{"field": "body", "message": message}])
        code = _STATUS_CODES.get(exc.status_code, "HTTP_ERROR")
        if exc.status_code == 404:
            message = "There is nothing at this address."
        elif exc.status_code == 405:
            message = "This address does not accept that method."
        else:
            message = str(exc.detail) if isinstance(exc.detail, str) else code
        return envelope(exc.status_code, code, message, None, getattr(exc, "headers", None))
