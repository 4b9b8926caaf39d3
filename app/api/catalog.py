"""What the page builds its controls and contours from: the optimizers, the surfaces and their grids.

All of it is a pure function of the URL, so answers are encoded once, kept, and marked cacheable.
"""

from __future__ import annotations

import functools
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from optim_core import OPTIMIZERS, SURFACES, Surface
from optim_core.expression import parse_expression
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from ..schemas import (
    GRID_CACHE,
    GRID_DEFAULT,
    GRID_MAX,
    GRID_MIN,
    MAX_COORD,
    Grid,
    Message,
    OptimizerInfo,
    SurfaceInfo,
    explain,
    fmt,
)
from . import CATALOG_CACHE, Encoded, dumps, finite_or_none, invalid
from . import GRID_CACHE as GRID_CACHE_CONTROL
from .expressions import parse

router = APIRouter(tags=["catalog"])

GridN = Annotated[int, Field(ge=GRID_MIN, le=GRID_MAX), explain(f"must be an integer in [{GRID_MIN}, {GRID_MAX}]")]
Bound = Annotated[float | None, Field(ge=-MAX_COORD, le=MAX_COORD, allow_inf_nan=False),
                  explain(f"must be a finite number in [{fmt(-MAX_COORD)}, {fmt(MAX_COORD)}]")]


def surface_info(s: Surface) -> dict:
    (x0, x1), (y0, y1) = s.domain
    return {"name": s.name, "label": s.label, "latex": s.latex, "description": s.description,
            "log_scale": s.log_scale, "domain": {"x": [x0, x1], "y": [y0, y1]},
            "minima": [list(m) for m in s.minima], "start": list(s.start)}


OPTIMIZERS_JSON = Encoded(dumps([spec.to_dict() for spec in OPTIMIZERS.values()]).encode())
SURFACES_JSON = Encoded(dumps([surface_info(s) for s in SURFACES.values()]).encode())


def grid_json(surface: Surface, n: int) -> Encoded:
    x, y, z = surface.grid(n)
    return Encoded(dumps({"x": x.tolist(), "y": y.tolist(), "z": finite_or_none(z)}).encode())


@functools.lru_cache(maxsize=GRID_CACHE)
def _named_grid(name: str, n: int) -> Encoded:
    return grid_json(SURFACES[name], n)


@functools.lru_cache(maxsize=GRID_CACHE)
def _custom_grid(text: str, domain: tuple, n: int) -> Encoded:
    return grid_json(parse_expression(text, domain=domain), n)  # parsed (and cached) already by the route


@router.get("/api/optimizers", response_model=list[OptimizerInfo])
async def read_optimizers(request: Request):
    """Every optimizer with its hyperparameters: kind, default, accepted range, slider range, help (en, zh)."""
    return await OPTIMIZERS_JSON.response(request, CATALOG_CACHE)


@router.get("/api/surfaces", response_model=list[SurfaceInfo])
async def read_surfaces(request: Request):
    """Every built-in surface with its formula, domain, known minima and default start."""
    return await SURFACES_JSON.response(request, CATALOG_CACHE)


@router.get("/api/surfaces/custom/grid", response_model=Grid)
async def read_custom_grid(
    request: Request,
    expression: Annotated[str, Query(description="f(x, y), e.g. x^4 - 2x^2 + y^2")],
    n: Annotated[GridN, Query()] = GRID_DEFAULT,
    xmin: Annotated[Bound, Query()] = None,
    xmax: Annotated[Bound, Query()] = None,
    ymin: Annotated[Bound, Query()] = None,
    ymax: Annotated[Bound, Query()] = None,
):
    """The contour grid of a typed f(x, y); a missing bound takes the default domain's."""
    loc = ("query", "expression")
    surface = await parse(expression, None, loc)
    (dx0, dx1), (dy0, dy1) = surface.domain
    x0, x1 = dx0 if xmin is None else xmin, dx1 if xmax is None else xmax
    y0, y1 = dy0 if ymin is None else ymin, dy1 if ymax is None else ymax
    for axis, lo, hi in (("x", x0, x1), ("y", y0, y1)):
        if not lo < hi:
            raise invalid(("query", f"{axis}max"), f"must be greater than {axis}min ({fmt(lo)})",
                          "range_order")
    domain = ((x0, x1), (y0, y1))
    if domain != surface.domain:
        await parse(expression, domain, loc)
    grid = await run_in_threadpool(_custom_grid, expression, domain, n)
    return await grid.response(request, GRID_CACHE_CONTROL)


@router.get("/api/surfaces/{name}/grid", response_model=Grid, responses={404: {"model": Message}})
async def read_grid(request: Request, name: str, n: Annotated[GridN, Query()] = GRID_DEFAULT):
    """The n x n contour grid over the surface's domain: z[j][i] = f(x[i], y[j]), null where not finite."""
    if name not in SURFACES:
        raise HTTPException(404, f"Unknown surface {name!r}; choose one of: {', '.join(SURFACES)}")
    grid = await run_in_threadpool(_named_grid, name, n)
    return await grid.response(request, GRID_CACHE_CONTROL)

