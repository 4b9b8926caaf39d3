"""What the page builds its controls and contours from: the optimizers, the surfaces and their grids.

All of it is a pure function of the URL, so answers are encoded once, kept, and marked cacheable.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from optim_core import OPTIMIZERS, SURFACES, Surface
from optim_core.expression import DEFAULT_DOMAIN, MAX_DEPTH, MAX_LENGTH, parse_expression

from ..schemas import (
    GRID_CACHE_BYTES,
    GRID_DEFAULT,
    GRID_MAX,
    GRID_MIN,
    LBFGS_MAX_LS,
    MAX_COORD,
    MAX_LABEL,
    MAX_NOISE,
    MAX_RUNS,
    MAX_SEED,
    MAX_STEPS,
    MAX_WORK,
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


OPTIMIZERS_JSON = Encoded(dumps([spec.to_dict() for spec in OPTIMIZERS.values()]))
SURFACES_JSON = Encoded(dumps([surface_info(s) for s in SURFACES.values()]))


def grid_json(surface: Surface, n: int) -> Encoded:
    x, y, z = surface.grid(n)
    return Encoded(dumps({"x": x.tolist(), "y": y.tolist(), "z": finite_or_none(z)}))


class GridCache:
    """Least recently used grids, bounded by bytes rather than count: a 400 x 400 grid is 3 MB of JSON (plus
    its gzip), a 150 x 150 one 0.4 MB. Thread-safe; two threads may build the same grid once each."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.size = 0
        self._items: OrderedDict[tuple, Encoded] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple, make: Callable[[], Encoded]) -> Encoded:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = make()
        with self._lock:
            if key not in self._items:
                self._items[key] = value
                self.size += _weight(value)
            while self.size > self.max_bytes and len(self._items) > 1:
                self.size -= _weight(self._items.popitem(last=False)[1])
        return value


def _weight(e: Encoded) -> int:
    return len(e.body) * 3 // 2  # the body and, once asked for, its gzip (about half the size)


NAMED_GRIDS = GridCache(GRID_CACHE_BYTES)
CUSTOM_GRIDS = GridCache(GRID_CACHE_BYTES)


def _named_grid(name: str, n: int) -> Encoded:
    return NAMED_GRIDS.get((name, n), lambda: grid_json(SURFACES[name], n))


def _custom_grid(text: str, domain: tuple, n: int) -> Encoded:
    # parsed (and cached by optim_core) already by the route, so this parse is a cache hit
    return CUSTOM_GRIDS.get((text, domain, n), lambda: grid_json(parse_expression(text, domain=domain), n))


@router.get("/api/optimizers", response_model=list[OptimizerInfo])
async def read_optimizers(request: Request):
    """Every optimizer with its hyperparameters: kind, default, accepted range, slider range, help (en, zh)."""
    return await OPTIMIZERS_JSON.response(request, CATALOG_CACHE)


def _temp_limits() -> dict:
    """TEMP (page work): the shape the app helper's GET /api/limits will serve, from today's constants."""
    def cost(spec) -> dict:
        if spec.make().elementwise:
            return {"per_step": 1, "per_eval": 0}
        # schemas.run_cost: ceil(1.5 x max_eval + iterations x history / 3)
        return {"per_step": 0, "per_eval": 1.5, "line_search_extra": LBFGS_MAX_LS, "per_iteration_pair": 1 / 3}

    (x0, x1), (y0, y1) = DEFAULT_DOMAIN
    return {
        "steps": {"min": 0, "max": MAX_STEPS}, "runs": {"min": 1, "max": MAX_RUNS},
        "coord": {"min": -MAX_COORD, "max": MAX_COORD}, "noise": {"min": 0, "max": MAX_NOISE},
        "seed": {"min": 0, "max": MAX_SEED}, "label": {"max_length": MAX_LABEL},
        "expression": {"max_length": MAX_LENGTH, "max_depth": MAX_DEPTH},
        "grid": {"min": GRID_MIN, "max": GRID_MAX, "default": GRID_DEFAULT},
        "typed_surface": {"domain": {"x": [x0, x1], "y": [y0, y1]},
                          "start_rule": {"x": [0.7, 0.3], "y": [0.3, 0.7]}},
        "work": {"budget": MAX_WORK, "cost": {name: cost(spec) for name, spec in OPTIMIZERS.items()}},
    }


@router.get("/api/limits")
async def read_limits():
    """TEMP route for page work: every limit the page needs (replaced by the app helper's)."""
    return _temp_limits()


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

