"""The page: ``GET /`` renders templates/index.html; static/ is served at /static, and Plotly from its wheel.

templates/ and static/ sit at the top level of the checkout and install as package data inside ``app`` (see
pyproject.toml), so they are found beside the code in either case; ``OPTIM_PLAYGROUND_ASSETS_DIR`` can point
elsewhere.

Caching: the page and its ES modules are revalidated on every load (``no-cache`` with an ETag, so an unchanged
file costs a 304), because modules import each other by plain relative URLs and a browser that kept some old
modules after a deploy could mix old and new. Plotly is large and changes only with its wheel: a week, with an
ETag to revalidate after.
"""

from __future__ import annotations

import hashlib
from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.types import Scope

from ..config import Settings
from ..errors import ApiError
from . import Encoded

PLOTLY_CACHE = "public, max-age=604800"  # a week: the file changes only when the plotly wheel does
REVALIDATE = "no-cache"  # keep, but ask each time (a 304 when unchanged)
PLOTLY_JS = Path(str(files("plotly") / "package_data" / "plotly.min.js"))
PACKAGE = Path(__file__).resolve().parent.parent  # app/


def assets_dir(settings: Settings) -> Path:
    """Where templates/ and static/ are: the configured folder, the installed package's data (a wheel puts them in
    app/), or the checkout around app/ (a source tree or an editable install)."""
    if settings.assets_dir is not None:
        return settings.assets_dir
    if (PACKAGE / "templates").is_dir():
        return PACKAGE
    return PACKAGE.parent


class RevalidatedStaticFiles(StaticFiles):
    """StaticFiles (which sends ETag and Last-Modified, and answers 304) plus ``Cache-Control: no-cache``."""

    def file_response(self, full_path, stat_result, scope: Scope, status_code: int = 200) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Cache-Control"] = REVALIDATE
        return response


def mount_pages(app: FastAPI, settings: Settings) -> None:
    root = assets_dir(settings)
    templates = Jinja2Templates(directory=root / "templates")
    router = APIRouter(tags=["page"])

    @router.api_route("/", methods=["GET", "HEAD"], response_class=HTMLResponse, include_in_schema=False)
    def read_page(request: Request):
        """The playground page."""
        if not (root / "templates" / "index.html").is_file():
            raise ApiError(404, "page_not_installed", f"The page is not installed: no templates/index.html under "
                           f"{root}", {})
        page = templates.TemplateResponse(request, "index.html", {"static": "/static"})
        etag = f'"{hashlib.sha256(page.body).hexdigest()[:32]}"'
        headers = {"Cache-Control": REVALIDATE, "ETag": etag}
        if etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers=headers)
        page.headers.update(headers)
        return page

    plotly = Encoded(PLOTLY_JS.read_bytes(), "text/javascript; charset=utf-8", etag=True, level=9)  # gzipped once

    @router.api_route("/static/vendor/plotly.min.js", methods=["GET", "HEAD"], include_in_schema=False)
    async def read_plotly(request: Request):
        return await plotly.response(request, PLOTLY_CACHE)

    # The page's first bundle (2-D only; static/vendor/plotly-cartesian/README.md): gzipped once at level 9 as the
    # full one is, rather than by the middleware at level 1 on every request.
    cartesian_js = root / "static" / "vendor" / "plotly-cartesian" / "plotly-cartesian.min.js"
    if cartesian_js.is_file():
        cartesian = Encoded(cartesian_js.read_bytes(), "text/javascript; charset=utf-8", etag=True, level=9)

        @router.api_route("/static/vendor/plotly-cartesian.min.js", methods=["GET", "HEAD"], include_in_schema=False)
        async def read_plotly_cartesian(request: Request):
            return await cartesian.response(request, PLOTLY_CACHE)

    app.include_router(router)  # before the mount, so /static/vendor/plotly.min.js is not looked up in static/
    if (root / "static").is_dir():
        app.mount("/static", RevalidatedStaticFiles(directory=root / "static"), name="static")
