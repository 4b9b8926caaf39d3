"""The page: ``GET /`` renders templates/index.html; static/ is served at /static, and Plotly from its wheel.

templates/ and static/ sit beside the checkout; a wheel install puts them under ``<prefix>/share/optim-playground``
(pyproject's data-files), and ``OPTIM_PLAYGROUND_ASSETS_DIR`` can point elsewhere.
"""

from __future__ import annotations

import sys
from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from ..config import Settings
from . import Encoded

PLOTLY_CACHE = "public, max-age=604800"  # a week: the file changes only when the plotly wheel does
PLOTLY_JS = Path(str(files("plotly") / "package_data" / "plotly.min.js"))


def assets_dir(settings: Settings) -> Path:
    """Where templates/ and static/ are: the configured folder, the checkout, or the wheel's data files."""
    if settings.assets_dir is not None:
        return settings.assets_dir
    checkout = Path(__file__).resolve().parent.parent.parent
    if (checkout / "templates").is_dir():
        return checkout
    return Path(sys.prefix) / "share" / "optim-playground"


def mount_pages(app: FastAPI, settings: Settings) -> None:
    root = assets_dir(settings)
    templates = Jinja2Templates(directory=root / "templates")
    router = APIRouter(tags=["page"])

    @router.get("/", response_class=HTMLResponse, include_in_schema=False)
    def read_page(request: Request):
        """The playground page."""
        if not (root / "templates" / "index.html").is_file():
            raise HTTPException(404, f"The page is not installed: no templates/index.html under {root}")
        return templates.TemplateResponse(request, "index.html", {"static": "/static"})

    plotly = Encoded(PLOTLY_JS.read_bytes(), "text/javascript; charset=utf-8")  # 4.8 MB, gzipped once

    @router.get("/static/vendor/plotly.min.js", include_in_schema=False)
    async def read_plotly(request: Request):
        return await plotly.response(request, PLOTLY_CACHE)

    app.include_router(router)  # before the mount, so /static/vendor/plotly.min.js is not looked up in static/
    if (root / "static").is_dir():
        app.mount("/static", StaticFiles(directory=root / "static"), name="static")
