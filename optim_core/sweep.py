"""``sweep()``: many runs at once, as rows of the batch, summarized per cell: the data of basin and hyperparameter maps.

A cell is one run: a start point (``starts``, shape (N, 2)) and, with a ``grid``, one value of each of one or two
hyperparameters. Every start runs with every grid cell. All cells run together as the rows of one batch, in the
same update code as :func:`optim_core.run`, with each row's hyperparameter values as NumPy arrays beside its
coordinates (see :mod:`optim_core.sweep_rows`), so a cell equals the single ``run()`` with that start and those
hyperparameters, bit for bit. L-BFGS, whose line search differs from row to row, runs cell by cell, with a lower
cell limit.

Grid names: the optimizer's numeric (``float``) hyperparameters, and one element of a pair written ``name[0]`` or
``name[1]`` (``beta1`` and ``beta2`` for ``betas[0]`` and ``betas[1]``). Integers, booleans and choices change the
shape of the computation, not a number in it, and are given as plain keywords instead.

Noise: a cell is the single run from its start, so every cell draws the single run's noise (row 0 of the
generator): all cells see the same noise sequence, which makes a hyperparameter map a fair comparison.

>>> s = sweep("sgd", "quadratic", 50, starts=[[1.0, 1.0], [3.0, -2.0]], grid={"lr": [0.1, 1.5]})
>>> s.shape, s.converged.tolist(), s.diverged_at.tolist()
((2, 2), [[True, False], [True, False]], [[-1, 21], [-1, 20]])
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .spec import Optimizer
from .status import CONVERGE_DISTANCE, CONVERGE_HOLD
from .sweep_rows import Summary, trace_cells
from .trajectory import _prepare, run

MAX_CELLS = 262_144
"""Cells (runs) in one sweep: starts x grid cells, e.g. a 512 x 512 basin map."""
MAX_AXIS = 1024
"""Values on one grid axis."""
MAX_POINT_STEPS = 120_000_000
"""Cells x steps in one sweep (the work: a 200 x 200 map of 300 steps is 12 M)."""
MAX_LBFGS_CELLS = 256
"""Cells in one L-BFGS sweep, which runs cell by cell."""

PAIR_ALIASES = {"beta1": ("betas", 0), "beta2": ("betas", 1)}


@dataclass
class Sweep:
    """One sweep's cells, each summarized. Arrays are shaped like the cells: ``shape`` is (N,) for starts, (n1,) or
    (n1, n2) for a grid (axes in the order of the grid's names), and (N, n1[, n2]) for both.

    - ``final_xy`` (..., 2), ``final_loss``: the last finite point of the run and its loss;
    - ``minimum``: the index into the surface's ``minima`` of the known minimum nearest that point, or -1 (a
      diverged run, a surface that lists none, or ``maximize``);
    - ``converged``: the run ended within ``tolerance`` (``status.CONVERGE_DISTANCE`` times the domain's
      diagonal) of that minimum, and stayed there for its last ``status.CONVERGE_HOLD`` points (or all of them):
      :func:`optim_core.status.timeline`'s criterion for known minima (it also finds unlisted local minima from
      the Hessian, which a sweep does not compute);
    - ``steps_to_converge``: the first step of that final stay, or -1 (timeline's convergence step);
    - ``diverged_at``: the run's ``diverged_at``, or -1.

    ``engine`` says which path computed it: "numba" (:mod:`optim_core.compiled`) or "numpy"; the numbers are the
    same either way.
    """

    optimizer: str
    surface: str
    steps: int
    hyperparameters: dict[str, Any]
    starts: np.ndarray
    axes: dict[str, np.ndarray]
    shape: tuple[int, ...]
    final_xy: np.ndarray
    final_loss: np.ndarray
    minimum: np.ndarray
    converged: np.ndarray
    steps_to_converge: np.ndarray
    diverged_at: np.ndarray
    tolerance: float
    noise: float = 0.0
    seed: int | None = None
    engine: str = field(default="numpy", repr=False)

    def cell(self, index) -> dict[str, Any]:
        """The start point and hyperparameters of one cell, as ``run()`` takes them."""
        index = np.unravel_index(np.ravel_multi_index(tuple(np.atleast_1d(index)), self.shape), self.shape)
        lead = len(self.shape) - len(self.axes)
        start = self.starts[index[0]] if lead else self.starts[0]
        hp = dict(self.hyperparameters)
        for (name, values), i in zip(self.axes.items(), index[lead:], strict=True):
            _set_value(hp, name, float(values[i]))
        return {"start": start.copy(), **hp}


def grid_name(spec, name: str) -> tuple[str, int | None]:
    """(field, element) for a grid name, or a ValueError naming the allowed ones."""
    field_, element = PAIR_ALIASES.get(name, (name, None))
    if element is None and name.endswith(("[0]", "[1]")):
        field_, element = name[:-3], int(name[-2])
    kinds = {p.name: p.kind for p in spec.params}
    if "betas" not in kinds and name in PAIR_ALIASES:
        field_ = ""
    ok = kinds.get(field_) == ("pair" if element is not None else "float")
    if not ok:
        allowed = [p.name for p in spec.params if p.kind == "float"]
        for p in spec.params:
            if p.kind == "pair":
                allowed += ["beta1", "beta2"] if p.name == "betas" else [f"{p.name}[0]", f"{p.name}[1]"]
        raise ValueError(f"Invalid grid name {name!r} for {spec.name} (a grid takes numeric hyperparameters: "
                         f"{', '.join(allowed)})")
    return field_, element


def _set_value(hp: dict[str, Any], name: str, value: float) -> None:
    field_, element = PAIR_ALIASES.get(name, (name, None))
    if element is None and name.endswith(("[0]", "[1]")):
        field_, element = name[:-3], int(name[-2])
    if element is None:
        hp[field_] = value
    else:
        pair = list(hp[field_])
        pair[element] = value
        hp[field_] = tuple(pair)


def _axes(opt: Optimizer, grid) -> dict[str, np.ndarray]:
    if grid is None:
        return {}
    if not isinstance(grid, dict) or not 1 <= len(grid) <= 2:
        raise ValueError("Invalid grid: it maps one or two hyperparameter names to 1-D arrays of values")
    axes: dict[str, np.ndarray] = {}
    fields_seen = set()
    for name, values in grid.items():
        key = grid_name(opt.SPEC, name)
        if key in fields_seen:
            raise ValueError(f"Invalid grid: {name!r} names the same hyperparameter twice")
        fields_seen.add(key)
        try:
            arr = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"Invalid grid values for {name!r} (they must be numbers)") from None
        if arr.ndim != 1 or not 1 <= arr.size <= MAX_AXIS:
            raise ValueError(f"Invalid grid values for {name!r} (a 1-D array of 1 to {MAX_AXIS} values)")
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"Invalid grid values for {name!r} (every value must be finite)")
        axes[name] = arr
    return axes


def _starts(surf, starts) -> tuple[np.ndarray, bool]:
    """(starts as (N, 2), whether they form an axis of the cells)."""
    if starts is None:
        return np.asarray([surf.start], dtype=np.float64), False
    arr = np.asarray(starts, dtype=np.float64)
    if arr.ndim not in (1, 2) or arr.shape[-1] != 2 or (arr.ndim == 2 and arr.shape[0] == 0):
        raise ValueError(f"Invalid starts shape {arr.shape} (starts must have shape (N, 2), N >= 1, or (2,))")
    if not np.all(np.isfinite(arr)):
        raise ValueError("Invalid starts: every coordinate must be finite")
    return (arr, True) if arr.ndim == 2 else (arr[None], False)


def sweep(optimizer, surface, steps: int, *, starts=None, grid=None, noise: float = 0.0, seed: int | None = None,
          compiled: bool | None = None, **hyperparameters) -> Sweep:
    """Run ``optimizer`` on ``surface`` from every start (``starts``, (N, 2); the surface's default start if None)
    with every cell of ``grid`` (one or two hyperparameter names mapped to 1-D arrays; see the module doc for the
    names), and summarize each run (see :class:`Sweep`). Other hyperparameters go as keywords, as for ``run()``.

    ``compiled`` picks the engine: None uses the compiled kernels (:mod:`optim_core.compiled`) where they are
    ready and apply, False always the NumPy batch, True insists on the compiled kernels (an error if they cannot
    serve). Either way the numbers are the same, bit for bit.
    """
    opt, surf, steps, noise, seed, bound = _prepare(optimizer, surface, steps, noise, seed, hyperparameters)
    axes = _axes(opt, grid)
    start_arr, start_axis = _starts(surf, starts)
    grid_shape = tuple(a.size for a in axes.values())
    shape = ((start_arr.shape[0],) if start_axis else ()) + grid_shape
    if not shape:
        raise ValueError("Invalid sweep: give starts of shape (N, 2), a grid, or both")
    cells = math.prod(shape)
    limit = MAX_CELLS if opt.elementwise else MAX_LBFGS_CELLS
    if cells > limit:
        raise ValueError(f"Invalid sweep size: {cells} cells (at most {limit} for {opt.SPEC.name})")
    if cells * max(1, steps) > MAX_POINT_STEPS:
        raise ValueError(f"Invalid sweep size: {cells} cells x {steps} steps (at most {MAX_POINT_STEPS} in all)")
    base = opt.hyperparameters()
    _validate(opt, base, axes)

    def combos() -> np.ndarray:  # every grid cell's optimizer, built only where a cell must run on its own
        return _combos(opt, base, axes, grid_shape)

    diag = math.hypot(surf.domain[0][1] - surf.domain[0][0], surf.domain[1][1] - surf.domain[1][0])
    tol = CONVERGE_DISTANCE * diag
    minima = np.asarray(surf.minima, dtype=np.float64).reshape(-1, 2)
    if base.get("maximize", False):
        minima = minima[:0]  # as status.timeline: known minima are minima of f, not of -f
    summary = Summary(cells, minima, tol, bound)
    n_starts = start_arr.shape[0]
    # Row r of the batch is cell r in C order: the start index varies slowest.
    start_index = np.repeat(np.arange(n_starts), cells // n_starts)
    axis_index = np.unravel_index(np.arange(cells) % math.prod(grid_shape), grid_shape) if grid_shape else ()
    engine = "numpy"
    if opt.elementwise:
        engine = trace_cells(opt, surf, start_arr[start_index], steps, noise, seed, axes, axis_index, combos,
                             summary, compiled)
    else:
        _trace_lbfgs(combos(), surf, start_arr, start_index, axis_index, grid_shape, steps, noise, seed, summary)
    out = summary.result(CONVERGE_HOLD)
    return Sweep(opt.SPEC.name, surf.name, steps, base, start_arr, axes, shape,
                 out["final_xy"].reshape(shape + (2,)), out["final_loss"].reshape(shape),
                 out["minimum"].reshape(shape), out["converged"].reshape(shape),
                 out["steps_to_converge"].reshape(shape), out["diverged_at"].reshape(shape), tol, noise, seed, engine)


def _validate(opt: Optimizer, base: dict[str, Any], axes: dict[str, np.ndarray]) -> None:
    """torch's rules for every grid value, each with the other hyperparameters as given, as run() would check
    them. Checking each axis's values alone covers every cell because each of torch's rules on a numeric
    hyperparameter bounds that one value, given the settings that are not numeric (SGD's nesterov needs
    momentum > 0 and dampening == 0: two bounds, one per value); tests/core/test_sweep.py holds that for all 13."""
    for name, values in axes.items():
        for v in np.unique(values):
            hp = dict(base)
            _set_value(hp, name, float(v))
            try:
                type(opt)(**hp)
            except ValueError as e:
                raise ValueError(f"{e} [grid {name}={float(v)!r}]") from None


def _combos(opt: Optimizer, base: dict[str, Any], axes: dict[str, np.ndarray], grid_shape) -> np.ndarray:
    """Each grid cell's optimizer, an object array shaped like the grid."""
    out = np.empty(grid_shape, dtype=object)
    names = list(axes)
    for index in np.ndindex(*grid_shape):
        hp = dict(base)
        for name, i in zip(names, index, strict=True):
            _set_value(hp, name, float(axes[name][i]))
        out[index] = type(opt)(**hp)
    return out


def _trace_lbfgs(combos, surf, start_arr, start_index, axis_index, grid_shape, steps, noise, seed, summary):
    """L-BFGS cell by cell through run(): its inner iterations and line search differ from cell to cell."""
    cells = start_index.size
    xy = np.empty((cells, steps + 1, 2))
    loss = np.empty((cells, steps + 1))
    for r in range(cells):
        opt = combos[tuple(a[r] for a in axis_index)] if grid_shape else combos[()]
        tr = run(opt, surf, start_arr[start_index[r]], steps, noise=noise, seed=seed)
        xy[r], loss[r] = tr.xy, tr.loss
    rows = slice(0, cells)
    for t in range(steps + 1):  # NaN from diverged_at on: observe() marks the row there, as run() did
        summary.observe(rows, t, xy[:, t, 0], xy[:, t, 1], loss[:, t])
