"""Every limit of the API, stated once, and ``GET /api/limits``, which serves them with the core's own limits.

The page reads its bounds, defaults and the work rule from ``/api/limits`` and restates none of them. Limits that
belong to the math (a formula's length and depth, the typed surface's default domain and start) are read from
``optim_core``; the ones that belong to the deployment (the work budget) from :class:`app.config.Settings`.
"""

from __future__ import annotations

from typing import Any

from optim_core import OPTIMIZERS
from optim_core import expression as _expression

MAX_STEPS = 10_000  # steps per run
MAX_RUNS = 16  # runs per request
# Work budget per request, in the core's work units (about one elementwise step, ~2-3 us; Optimizer.cost). 16 runs
# x 10,000 steps of an elementwise optimizer is 160,000; all 13 optimizers at 500 steps with defaults (L-BFGS at its
# worst case, 704 units a step) is 358,100.
MAX_WORK = 400_000
MAX_BODY_BYTES = 64 * 1024  # request bodies; the largest sensible request (16 runs) is about 3 KiB
MAX_COORD = 1e6  # start points and typed-surface ranges: |v| <= MAX_COORD
MAX_NOISE = 1e3  # gradient-noise standard deviation
MAX_SEED = 2**53 - 1  # the largest integer a browser's JSON keeps exactly
MAX_LABEL = 100  # characters in a run's label
GRID_MIN, GRID_MAX, GRID_DEFAULT = 2, 400, 150  # contour grid points per axis
GRID_CACHE_BYTES = 48 * 2**20  # per cache (named surfaces; typed surfaces), per process: ~100 grids of 150 x 150
MAX_EXPRESSION = _expression.MAX_LENGTH
MAX_DEPTH = _expression.MAX_DEPTH
# Maps (POST /api/maps) and tuning (POST /api/tune). A sweep call advances all its cells together, so its cost is
# a fixed part per step (NumPy's calls: ~0.3 ms, MAP_STEP units) plus a small part per cell-step (MAP_CELL_STEP
# units; a 200 x 200 x 300 Adam map: ~0.65 s on NumPy, ~0.08 s compiled), against ~2.7 us a unit. L-BFGS runs
# cell by cell, each cell at its run's cost.
MAP_RESOLUTION_MIN, MAP_RESOLUTION_MAX = 2, 256  # cells per axis of the finest map
MAP_COARSE = 32  # the first frame's cells per axis; the second frame has the asked resolution
MAP_STEP = 100  # work units per step of one sweep call (one chunk of cells)
MAP_CELL_STEP = 0.03  # work units per cell-step of an elementwise optimizer in a batch
MAX_MAP_WORK = 600_000  # one map (both its frames) or one tuning (every run): ~1.5 s on NumPy


def surface_cost(surface: Any) -> float:
    """What one evaluation of ``surface`` costs, relative to a built-in one (the expression engine's estimate)."""
    return float(getattr(surface, "cost", 1.0))


def work(optimizer: Any, steps: int, surface: Any) -> float:
    """A run's worst-case work: the optimizer's own estimate scaled by what the surface costs to evaluate."""
    return optimizer.cost(steps) * surface_cost(surface)


def map_work(optimizer: Any, cells: int, steps: int, surface: Any, calls: int = 1) -> float:
    """What ``cells`` runs of ``steps`` steps cost as rows of ``calls`` sweep calls: per step, a fixed part per
    call and a batched cell-step per cell for elementwise optimizers; a whole run per cell for L-BFGS (which a
    sweep runs cell by cell)."""
    if optimizer.elementwise:
        return max(1, steps) * (calls * MAP_STEP + cells * MAP_CELL_STEP) * surface_cost(surface)
    return cells * work(optimizer, steps, surface)


def maps_limits() -> dict[str, Any]:
    """The ``maps`` and ``tune`` keys of ``GET /api/limits``: the core's sweep and tune limits with the API's."""
    from optim_core.sweep import MAX_AXIS, MAX_CELLS, MAX_LBFGS_CELLS, MAX_POINT_STEPS
    from optim_core.tune import DEFAULT_BUDGET, LR_RANGE, MAX_BUDGET, OBJECTIVES

    lbfgs_resolution = int(MAX_LBFGS_CELLS**0.5)
    return {
        "maps": {"resolution": {"min": MAP_RESOLUTION_MIN, "max": MAP_RESOLUTION_MAX, "coarse": MAP_COARSE,
                                "lbfgs_max": lbfgs_resolution},
                 "axes": {"min": 1, "max": 2, "max_values": MAX_AXIS},
                 "cells": {"max": MAX_CELLS, "lbfgs_max": MAX_LBFGS_CELLS},
                 "point_steps": {"max": MAX_POINT_STEPS},
                 "work": {"budget": MAX_MAP_WORK, "step": MAP_STEP, "cell_step": MAP_CELL_STEP}},
        "tune": {"budget": {"min": 2, "max": MAX_BUDGET, "default": DEFAULT_BUDGET},
                 "lr": list(LR_RANGE), "objectives": list(OBJECTIVES),
                 "runs": {"min": 1, "max": MAX_RUNS}, "work": {"budget": MAX_MAP_WORK}},
    }


def start_rule() -> dict[str, Any]:
    """The rule for a typed surface's default start, as data.

    The expression engine states it (``START_RULE``) when it has one; otherwise it is read off the engine itself:
    the start it picks on the unit square is where, as a fraction of each range, a typed surface starts.
    """
    rule = getattr(_expression, "START_RULE", None)
    if rule is not None:
        return dict(rule)
    sx, sy = _expression.parse_expression("x", domain=((0.0, 1.0), (0.0, 1.0))).start
    return {"kind": "fraction_of_domain", "x": sx, "y": sy}


def _cost_rule(name: str) -> dict[str, Any]:
    optimizer = OPTIMIZERS[name].make()
    per_step, per_eval, evals = optimizer.cost_rates()
    rule = {"per_step": per_step, "per_eval": per_eval, "evals_at_defaults": evals}
    if not optimizer.elementwise:
        # L-BFGS's per_step is its history walk at the defaults: min(max_iter, evaluations) x history_size pairs
        h = optimizer.hyperparameters()
        rule["per_iteration_pair"] = per_step / (min(h["max_iter"], evals) * h["history_size"])
        rule["line_search_extra_evals"] = optimizer.__class__(line_search_fn="strong_wolfe").cost_rates()[2] - evals
    return rule


def limits(max_work: int) -> dict[str, Any]:
    """The body of ``GET /api/limits`` (see docs/api.md)."""
    (x0, x1), (y0, y1) = _expression.DEFAULT_DOMAIN
    default_start = list(_expression.parse_expression("x").start)
    return {
        "steps": {"min": 0, "max": MAX_STEPS},
        "runs": {"min": 1, "max": MAX_RUNS},
        "coord": {"min": -MAX_COORD, "max": MAX_COORD},
        "noise": {"min": 0, "max": MAX_NOISE},
        "seed": {"min": 0, "max": MAX_SEED},
        "label": {"max_length": MAX_LABEL},
        "expression": {"max_length": MAX_EXPRESSION, "max_depth": MAX_DEPTH},
        "grid": {"min": GRID_MIN, "max": GRID_MAX, "default": GRID_DEFAULT},
        "typed_surface": {"domain": {"x": [x0, x1], "y": [y0, y1]}, "start_rule": start_rule(),
                          "default_start": default_start},
        "work": {"budget": max_work, "cost": {name: _cost_rule(name) for name in OPTIMIZERS}},
        "body": {"max_bytes": MAX_BODY_BYTES},
        **maps_limits(),
    }
