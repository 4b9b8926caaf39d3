"""The Surface record, and a compiled formula's fn and fg for every backend."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..backend import ARRAY, FLOAT
from .autograd import gradient
from .dag import Builder
from .program import Program, array_runner, float_runner
from .tree import Term

Domain = tuple[tuple[float, float], tuple[float, float]]
Point = tuple[float, float]


@dataclass(frozen=True)
class Surface:
    """A 2-D objective: value and exact gradient, plot domain, known minima and a default start.

    ``fn(x, y, b)`` is the value and ``fg(x, y, b)`` the value and both partial derivatives, on a backend ``b``
    (``FLOAT`` for a single path on Python floats, ``ARRAY`` for a batch or a grid). ``minima`` lists the known
    local-or-global minima worth marking on the plot (global ones first); ``log_scale`` says the values span
    decades, so the page draws log-spaced contours. ``expression`` is the text that, typed in, gives this very
    surface; ``weight`` counts the operations of one fg evaluation (see :attr:`cost`).
    """

    name: str
    label: str
    fn: Callable[[Any, Any, Any], Any]
    fg: Callable[[Any, Any, Any], tuple[Any, Any, Any]]
    domain: Domain
    minima: tuple[Point, ...]
    start: Point
    latex: str
    log_scale: bool = False
    description: str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)
    expression: str = ""
    weight: int = 0

    @property
    def cost(self) -> float:
        """One value-and-gradient evaluation relative to rosenbrock's (at least 1): what a work budget multiplies
        by. Operations are weighted as they cost on floats (a transcendental about two arithmetic ones)."""
        return max(1.0, round(self.weight / _reference_weight(), 2))

    def f(self, xy) -> np.ndarray:
        """Values at points shaped (..., 2)."""
        xy = np.asarray(xy, dtype=np.float64)
        return np.asarray(self.fn(xy[..., 0], xy[..., 1], ARRAY), dtype=np.float64)

    def grad(self, xy) -> np.ndarray:
        """Gradients at points shaped (..., 2), shaped (..., 2)."""
        xy = np.asarray(xy, dtype=np.float64)
        _, gx, gy = self.fg(xy[..., 0], xy[..., 1], ARRAY)
        return np.stack(np.broadcast_arrays(gx, gy), axis=-1).astype(np.float64)

    def grid(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The n x n domain grid: x (n,), y (n,), z (n, n) with z[j, i] = f(x[i], y[j]) as Plotly wants."""
        (x0, x1), (y0, y1) = self.domain
        x = np.linspace(x0, x1, n)
        y = np.linspace(y0, y1, n)
        with np.errstate(all="ignore"):
            z = np.asarray(self.fn(x[None, :], y[:, None], ARRAY), dtype=np.float64)
        return x, y, np.broadcast_to(z, (n, n)).copy()


def _reference_weight() -> int:
    from ..surfaces import SURFACES  # the reference is a built-in surface, which is built from this package

    return SURFACES["rosenbrock"].weight


def _full(x, y, values: tuple) -> tuple:
    """On arrays, give a constant (or x-only, y-only) result the points' shape."""
    sx, sy = np.shape(x), np.shape(y)
    shape = sx if sx == sy else np.broadcast_shapes(sx, sy)  # the batch's case first: it runs every step
    return tuple(v if np.shape(v) == shape else np.full(shape, v, dtype=np.float64) for v in values)


@dataclass(frozen=True)
class Compiled:
    fn: Callable
    fg: Callable
    weight: int


def compile_surface(term: Term, deadline: float) -> Compiled:
    """fn(x, y, b) and fg(x, y, b) of a formula in x and y: the float programs inline in the hot path, array
    programs compiled per backend on first use."""
    b = Builder(deadline)
    f, (gx, gy) = gradient(term, b, 2)
    fg_prog = Program([f, gx, gy], 2, FLOAT)
    fn_float = float_runner(Program([f], 2, FLOAT), 2)
    tape, fixed, (F, GX, GY) = fg_prog.tape, fg_prog.fixed, fg_prog.outputs
    arrays: dict[str, tuple[Callable, Callable]] = {}

    def array_programs(be) -> tuple[Callable, Callable]:
        progs = arrays.get(be.name)
        if progs is None:
            progs = arrays[be.name] = (array_runner(Program([f], 2, be)), array_runner(Program([f, gx, gy], 2, be)))
        return progs

    def fg(x, y, be):
        if be is FLOAT:
            s = [x, y, *fixed]
            app = s.append
            for c in tape:
                app(c(s))
            return F(s), GX(s), GY(s)
        return _full(x, y, array_programs(be)[1](x, y))

    def fn(x, y, be):
        if be is FLOAT:
            return fn_float(x, y)[0]
        return _full(x, y, array_programs(be)[0](x, y))[0]

    return Compiled(fn, fg, fg_prog.weight)


# The default start of a typed surface: one rule, stated here and served as data by GET /api/limits.
START_RULE = {
    "candidates": [[0.3, 0.7], [0.7, 0.3], [0.2, 0.2], [0.8, 0.8], [0.6, 0.9], [0.9, 0.6], [0.1, 0.4], [0.4, 0.1],
                   [0.5, 0.5]],
    "grid": 9,
    "min_gradient": 1e-3,
    "rule": "the first candidate (fractions of the x and y ranges, from their minimum) where f and its gradient "
            "are finite and |grad f| > min_gradient * (max f - min f) / (the domain's diagonal), f sampled on a "
            "grid x grid lattice; else the first candidate where f is finite; else the first",
}


def default_start(fn: Callable, fg: Callable, domain: Domain) -> Point:
    """The start :data:`START_RULE` picks: never a stationary point such as the centre of x^4 - 2x^2 + y^2."""
    (x0, x1), (y0, y1) = domain
    n = START_RULE["grid"]
    cand = np.array(START_RULE["candidates"], dtype=np.float64)
    px = x0 + cand[:, 0] * (x1 - x0)
    py = y0 + cand[:, 1] * (y1 - y0)
    with np.errstate(all="ignore"):
        z = np.asarray(fn(np.linspace(x0, x1, n)[None, :], np.linspace(y0, y1, n)[:, None], ARRAY))
        f, gx, gy = (np.asarray(v, dtype=np.float64) for v in fg(px, py, ARRAY))
        norm = np.hypot(gx, gy)
    finite = z[np.isfinite(z)]
    spread = float(finite.max() - finite.min()) if finite.size else 0.0
    scale = spread / math.hypot(x1 - x0, y1 - y0) if math.isfinite(spread) else 0.0
    ok = np.isfinite(f) & np.isfinite(norm) & (norm > START_RULE["min_gradient"] * scale) & (norm > 0)
    for mask in (ok, np.isfinite(f)):
        if mask.any():
            k = int(np.argmax(mask))
            return float(px[k]), float(py[k])
    return float(px[0]), float(py[0])
