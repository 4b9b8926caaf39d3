"""The ASGI app: ``create_app()`` wires middleware, error shape, routers and the page; ``app`` is one instance.

Order of the layers, outermost first: security headers (so errors carry them too), gzip for large JSON (never
the event stream: starlette excludes text/event-stream), then the body-size limit, which counts the bytes as
they arrive rather than trusting Content-Length, and answers 413.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .api import catalog, export, expressions, pages, trajectories
from .config import Settings
from .schemas import Health

VERSION = "0.1.0"

SECURITY_HEADERS = [
    (b"content-security-policy",
     b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
     b"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
     b"frame-ancestors *"),  # embedding in slides and course sites is wanted, so no X-Frame-Options either
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class SecurityHeadersMiddleware:
    """Adds SECURITY_HEADERS to every HTTP response, including errors and streams."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + SECURITY_HEADERS
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimitMiddleware:
    """Refuses request bodies over ``max_bytes`` with 413, by Content-Length when given and by counting the
    bytes as they arrive otherwise (a chunked upload declares no length).

    The overflow is raised from ``receive`` as an HTTPException, which FastAPI lets through its body parsing
    to its handler, so the answer is ``{"detail": ...}`` like every other error here.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = HTTPException(413, f"Request body too large: the limit is {self.max_bytes} bytes")
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await JSONResponse({"detail": too_large.detail}, status_code=413)(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise too_large
            return message

        await self.app(scope, limited_receive, send)


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


def describe(error: dict[str, Any]) -> dict[str, Any]:
    """One error in FastAPI's shape whose message names the field: our predicates ("must be a number in
    [0, 100]") follow the path, pydantic's sentences follow "path: ". The input is not echoed back."""
    loc, kind, msg = list(error["loc"]), error["type"], error["msg"]
    ctx = error.get("ctx") or {}
    if kind == "json_invalid":
        return {"loc": loc, "msg": f"request body is not valid JSON: {ctx.get('error', msg)} (at character "
                                   f"{loc[-1]})", "type": kind}
    msg = {"missing": "is required", "extra_forbidden": "is not an accepted field"}.get(kind, msg)
    if kind == "model_attributes_type" and loc == ["body"]:
        msg = "must be a JSON object, sent with Content-Type: application/json"
    path = field_path(loc)
    predicate = msg.split(" ", 1)[0] in PREDICATES
    out = {"loc": loc, "msg": f"{path} {msg}" if predicate else f"{path}: {msg}", "type": kind}
    out.update({k: v for k, v in ctx.items() if k in ("position", "work", "limit")})
    return out


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse({"detail": [describe(e) for e in exc.errors()]}, status_code=422)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(
        title="Optimizer Playground",
        version=VERSION,
        description="torch.optim's optimizers, re-done in NumPy, traced on 2-D surfaces. See docs/api.md.",
        docs_url=None,  # Swagger UI loads scripts from a CDN, which the CSP (rightly) blocks; /openapi.json stays
        redoc_url=None,
    )
    app.state.settings = settings
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    # Level 1: trajectories and grids are mostly digits, which level 1 packs within 10% of level 9, 5x faster.
    app.add_middleware(GZipMiddleware, minimum_size=1000, compresslevel=1)
    app.add_middleware(SecurityHeadersMiddleware)

    @app.get("/healthz", response_model=Health, tags=["health"])
    async def read_health():
        """Cheap liveness check for container HEALTHCHECKs and load balancers."""
        return {"status": "ok"}

    app.include_router(catalog.router)
    app.include_router(trajectories.router)
    app.include_router(expressions.router)
    app.include_router(export.router)
    pages.mount_pages(app, settings)
    return app


app = create_app()
