"""What the page builds its controls and contours from: the optimizers, the surfaces and their grids.

All of it is a pure function of the URL, so answers are encoded once, kept, and marked cacheable.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from optim_core import OPTIMIZERS, SURFACES, Surface
from optim_core.expression import parse_expression

from ..errors import ApiError, invalid
from ..limits import GRID_CACHE_BYTES, GRID_DEFAULT, GRID_MAX, GRID_MIN, MAX_COORD, MAX_EXPRESSION, limits
from ..schemas import Grid, Message, OptimizerInfo, SurfaceInfo, explain, fmt
from ..serialize import optimizer_info, surface_info
from . import BODY_ERRORS, CATALOG_CACHE, Encoded, dumps, finite_or_none
from . import GRID_CACHE as GRID_CACHE_CONTROL
from .expressions import parse

router = APIRouter(tags=["catalog"])

GridN = Annotated[int, Field(ge=GRID_MIN, le=GRID_MAX),
                  explain(f"must be an integer in [{GRID_MIN}, {GRID_MAX}]", "integer_range", min=GRID_MIN,
                          max=GRID_MAX)]
Bound = Annotated[float | None, Field(ge=-MAX_COORD, le=MAX_COORD, allow_inf_nan=False),
                  explain(f"must be a finite number in [{fmt(-MAX_COORD)}, {fmt(MAX_COORD)}]", "number_range",
                          min=-MAX_COORD, max=MAX_COORD)]
Formula = Annotated[str, Query(min_length=1, max_length=MAX_EXPRESSION,
                               description="f(x, y), e.g. x^4 - 2x^2 + y^2"),
                    explain(f"must be a formula of 1 to {MAX_EXPRESSION} characters", "expression_length", min=1,
                            max=MAX_EXPRESSION)]

OPTIMIZERS_JSON = Encoded(dumps([optimizer_info(spec) for spec in OPTIMIZERS.values()]))
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

    def peek(self, key: tuple) -> Encoded | None:
        with self._lock:
            return self._items.get(key)

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


async def cached_grid(request: Request, cache: GridCache, key: tuple, make: Callable[[], Encoded]) -> Encoded:
    """A cached grid at once; a new one is built in the light lane of admission control, so that a page full of
    distinct grid URLs queues (or gets 503) instead of filling the thread pool."""
    hit = cache.peek(key)
    if hit is not None:
        return hit
    gate = request.app.state.admission.light
    gate.enter()
    try:
        async with gate.running():
            return await run_in_threadpool(cache.get, key, make)
    finally:
        gate.leave()


@router.get("/api/limits")
async def read_limits(request: Request):
    """Every limit and default the page needs, from the constants where they live (see docs/api.md)."""
    cached = getattr(request.app.state, "limits_json", None)
    if cached is None:
        cached = request.app.state.limits_json = Encoded(dumps(limits(request.app.state.settings.max_work)))
    return await cached.response(request, CATALOG_CACHE)


@router.get("/api/optimizers", response_model=list[OptimizerInfo])
async def read_optimizers(request: Request):
    """Every optimizer with its hyperparameters: kind, default, accepted range, slider range, help (en, zh)."""
    return await OPTIMIZERS_JSON.response(request, CATALOG_CACHE)


@router.get("/api/surfaces", response_model=list[SurfaceInfo])
async def read_surfaces(request: Request):
    """Every built-in surface with its formula, domain, known minima and default start."""
    return await SURFACES_JSON.response(request, CATALOG_CACHE)


@router.get("/api/surfaces/custom/grid", response_model=Grid, responses={503: BODY_ERRORS[503]})
async def read_custom_grid(
    request: Request,
    expression: Formula,
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
                          "range_order", axis=axis, min=lo, max=hi)
    domain = ((x0, x1), (y0, y1))
    if domain != surface.domain:
        await parse(expression, domain, loc)
    # parsed (and cached by optim_core) already above, so this parse is a cache hit
    grid = await cached_grid(request, CUSTOM_GRIDS, (expression, domain, n),
                             lambda: grid_json(parse_expression(expression, domain=domain), n))
    return await grid.response(request, GRID_CACHE_CONTROL)


@router.get("/api/surfaces/{name}/grid", response_model=Grid, responses={404: {"model": Message},
                                                                        503: BODY_ERRORS[503]})
async def read_grid(request: Request, name: str, n: Annotated[GridN, Query()] = GRID_DEFAULT):
    """The n x n contour grid over the surface's domain: z[j][i] = f(x[i], y[j]), null where not finite."""
    if name not in SURFACES:
        raise ApiError(404, "unknown_surface", f"Unknown surface {name!r}; choose one of: {', '.join(SURFACES)}",
                       {"name": name[:100], "choices": list(SURFACES)})
    grid = await cached_grid(request, NAMED_GRIDS, (name, n), lambda: grid_json(SURFACES[name], n))
    return await grid.response(request, GRID_CACHE_CONTROL)

