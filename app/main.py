"""The ASGI app: ``create_app()`` wires middleware, error shape, routers and the page; ``app`` is one instance.

Order of the layers, outermost first: security headers (so errors carry them too), the optional trusted-hosts
check, gzip for large JSON (never the event stream: starlette excludes text/event-stream), then the body-size
limit, which counts the bytes as they arrive rather than trusting Content-Length, and answers 413. Every error
carries a ``code`` and ``params`` (:mod:`app.errors`).
"""

from __future__ import annotations

import sys

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from threadpoolctl import threadpool_limits

from .admission import Admission
from .api import catalog, export, expressions, maps, pages, schedulers, trajectories, tune
from .api import inspect as inspect_api
from .api import train as train_api
from .config import Settings
from .errors import ApiError, body, http_error, validation_error
from .schemas import Health

VERSION = "0.1.0"

SECURITY_HEADERS = [
    (b"content-security-policy",
     b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
     b"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
     # Embedding in slides and course sites is wanted, so no X-Frame-Options either. "*" matches network schemes
     # only; Chromium refuses a file:// parent (a deck opened from disk) unless "file:" is listed too.
     b"frame-ancestors * file:"),
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


class TrustedHostsMiddleware:
    """Starlette's Host check (patterns like ``play.example.org`` or ``*.example.org``), answering a refused Host
    in this API's error shape: 400 with code ``host_not_allowed``. Starlette's own middleware only decides; its
    plain-text answer is discarded."""

    def __init__(self, app: ASGIApp, allowed_hosts: list[str]) -> None:
        self.app = app
        self.check = TrustedHostMiddleware(self._passed, allowed_hosts=allowed_hosts, www_redirect=False)

    @staticmethod
    async def _passed(scope: Scope, receive: Receive, send: Send) -> None:
        scope["host_allowed"] = True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def discard(message: Message) -> None:
            pass

        await self.check(scope, receive, discard)
        if scope.pop("host_allowed", False):
            await self.app(scope, receive, send)
            return
        host = Headers(scope=scope).get("host", "")[:200]
        await JSONResponse(body(400, "Invalid host header", "host_not_allowed", {"host": host}),
                           status_code=400)(scope, receive, send)


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
        too_large = ApiError(413, "body_too_large", f"Request body too large: the limit is {self.max_bytes} bytes",
                             {"limit": self.max_bytes})
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await JSONResponse(body(413, too_large.detail, too_large.code, too_large.params),
                               status_code=413)(scope, receive, send)
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
    app.state.admission = Admission(settings)
    # BLAS on one thread for the process's life: the service's matrices are tiny (a small model's layers), its
    # parallelism is across requests, and OpenBLAS 0.3.31 may ignore a per-call limit set from a pooled worker thread
    # once another such thread has set one (seen under the API tests), which brought back a 30x slowdown.
    threadpool_limits(limits=1, user_api="blas")
    # A thread waiting for the GIL asks the holder to drop it after this interval (5 ms by default); while heavy
    # work holds it, a shorter one lets the event loop answer cheap requests sooner (measured: the worst wait of
    # a small request under 48 heavy ones fell from 1.0 s to 0.55 s at 1 ms). Process-wide, so set per worker.
    sys.setswitchinterval(settings.switch_interval)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    # Level 1: trajectories and grids are mostly digits, which level 1 packs within 10% of level 9, 5x faster.
    app.add_middleware(GZipMiddleware, minimum_size=1000, compresslevel=1)
    if settings.trusted_hosts:  # a wrong Host gets 400 (it defends against DNS rebinding onto a local server)
        app.add_middleware(TrustedHostsMiddleware, allowed_hosts=settings.trusted_hosts)
    app.add_middleware(SecurityHeadersMiddleware)

    @app.head("/healthz", include_in_schema=False)
    @app.get("/healthz", response_model=Health, tags=["health"])
    async def read_health():
        """Cheap liveness check for container HEALTHCHECKs and load balancers."""
        return {"status": "ok"}

    app.include_router(catalog.router)
    app.include_router(trajectories.router)
    app.include_router(expressions.router)
    app.include_router(export.router)
    app.include_router(schedulers.router)
    app.include_router(inspect_api.router)
    app.include_router(train_api.router)
    app.include_router(maps.router)
    app.include_router(tune.router)
    pages.mount_pages(app, settings)
    return app


app = create_app()
