"""Errors with a machine-readable ``code`` and its ``params`` beside the English message, so that the page can word
every refusal in its own catalog (en/zh). docs/api.md lists the codes.

Two shapes, both FastAPI's plus two keys:
- 422: ``{"detail": [{"loc", "msg", "type", "code", "params"}, ...]}``, one item per problem;
- every other status: ``{"detail": "message", "code": "...", "params": {...}}``.
"""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

GENERIC_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "body_too_large",
                 415: "unsupported_media_type", 503: "busy"}


class ApiError(HTTPException):
    """An HTTP error that is not about one field: unknown surface (404), body too large (413), busy (503)."""

    def __init__(self, status: int, code: str, message: str, params: dict[str, Any] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(status, message, headers)
        self.code = code
        self.params = params or {}


def body(status: int, message: str, code: str | None = None, params: dict[str, Any] | None = None) -> dict:
    return {"detail": message, "code": code or GENERIC_CODES.get(status, "http_error"),
            "params": params if params is not None else {"status": status}}


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code, params = getattr(exc, "code", None), getattr(exc, "params", None)
    return JSONResponse(body(exc.status_code, str(exc.detail), code, params), status_code=exc.status_code,
                        headers=exc.headers)


def field_path(loc: list[Any]) -> str:
    """``["body", "runs", 2, "params", "lr"]`` -> ``runs[2].params.lr``.

    >>> field_path(["body", "runs", 2, "params", "lr"]), field_path(["query", "n"]), field_path(["body"])
    ('runs[2].params.lr', 'n', 'request body')
    """
    parts = loc[1:] if loc and loc[0] in ("body", "query", "path", "header", "cookie") else loc
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "request body"


PREDICATES = {"must", "is", "are", "asks"}  # our messages start with one of these and read on from the path
LEGACY_KEYS = ("position", "work", "limit")  # also at the top of an item, as before codes existed


def _plain(value: Any) -> bool:
    if isinstance(value, list | tuple):
        return all(_plain(v) for v in value)
    return value is None or isinstance(value, str | int | float | bool)


def describe(error: dict[str, Any]) -> dict[str, Any]:
    """One error in FastAPI's shape whose message names the field: our predicates ("must be a number in
    [0, 100]") follow the path, pydantic's sentences follow "path: ". The input is not echoed back. ``code`` is
    the error's type; ``params`` its context (the range, the position...) and ``field``, the path as text."""
    loc, kind, msg = list(error["loc"]), error["type"], error["msg"]
    ctx = error.get("ctx") or {}
    path = field_path(loc)
    params = {k: list(v) if isinstance(v, tuple) else v for k, v in ctx.items() if _plain(v)}
    if kind == "json_invalid":
        params = {"field": path, "position": loc[-1], "reason": str(ctx.get("error", msg))}
        return {"loc": loc, "msg": f"request body is not valid JSON: {ctx.get('error', msg)} (at character "
                                   f"{loc[-1]})", "type": kind, "code": kind, "params": params}
    msg = {"missing": "is required", "extra_forbidden": "is not an accepted field"}.get(kind, msg)
    code = kind
    if kind == "model_attributes_type" and loc == ["body"]:
        msg, code = "must be a JSON object, sent with Content-Type: application/json", "body_type"
    predicate = msg.split(" ", 1)[0] in PREDICATES
    out = {"loc": loc, "msg": f"{path} {msg}" if predicate else f"{path}: {msg}", "type": kind, "code": code,
           "params": {"field": path, **params}}
    out.update({k: v for k, v in ctx.items() if k in LEGACY_KEYS})
    return out


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # FastAPI validates the body once for each dependency that declares it (the route and its admission gate), and
    # reports each problem once per declaration: say each one once.
    detail, seen = [], set()
    for error in exc.errors():
        item = describe(error)
        key = (tuple(item["loc"]), item["msg"])
        if key not in seen:
            seen.add(key)
            detail.append(item)
    return JSONResponse({"detail": detail}, status_code=422)


def invalid(loc: tuple, msg: str, kind: str, **params: Any) -> RequestValidationError:
    """A 422 in FastAPI's shape, for checks that need more than a pydantic model (a parsed formula, the budget)."""
    return RequestValidationError([{"loc": loc, "msg": msg, "type": kind, "ctx": params}])
