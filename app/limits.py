"""Every limit of the API, stated once, and ``GET /api/limits``, which serves them with the core's own limits.

The page reads its bounds, defaults and the work rule from ``/api/limits`` and restates none of them. Limits that
belong to the math (a formula's length and depth, the typed surface's default domain and start) are read from
``optim_core``; the ones that belong to the deployment (the work budget) from :class:`app.config.Settings`.
"""

from __future__ import annotations

from typing import Any

from optim_core import OPTIMIZERS
from optim_core import expression as _expression
from optim_core import models as _models

MAX_STEPS = 10_000  # steps per run
MAX_RUNS = 16  # runs per request
# Work budget per request, in the core's work units (about one elementwise step, ~2-3 us; Optimizer.cost). 16 runs
# x 10,000 steps of an elementwise optimizer is 160,000; all 13 optimizers at 500 steps with defaults (L-BFGS at its
# worst case, 704 units a step) is 358,100.
MAX_WORK = 400_000
# A scheduler's step, in work units, on top of the optimizer's: scripts/bench.py's scheduler row measures 0.7-3.6 us
# a scheduled step over a 3.4 us Adam step (the plan computed ahead and the lr record; ReduceLROnPlateau, which
# follows the loss, is stepped live and is the dearest), so one unit.
SCHEDULER_STEP_COST = 1.0
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


# What "inspect": true multiplies a run's work by. Measured with scripts/bench_inspect.py (medians, 2,000 steps on
# rosenbrock, a busy 2-core machine): the whole JSON answer with inspect took 1.5-3.5x the plain one (recording
# 1.5-3.7x the step loop, plus 3-5x as many numbers to encode, plus the status timeline); 4 covers the worst.
INSPECT_FACTOR = 4.0


def work(optimizer: Any, steps: int, surface: Any, *, inspect: bool = False) -> float:
    """A run's worst-case work: the optimizer's own estimate scaled by what the surface costs to evaluate (and by
    :data:`INSPECT_FACTOR` when its internals are recorded and sent)."""
    return optimizer.cost(steps) * surface_cost(surface) * (INSPECT_FACTOR if inspect else 1.0)


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
        "work": {"budget": max_work, "cost": {name: _cost_rule(name) for name in OPTIMIZERS},
                 "scheduler_per_step": SCHEDULER_STEP_COST, "inspect_factor": INSPECT_FACTOR},
        "body": {"max_bytes": MAX_BODY_BYTES},
        "train": train_limits(),
        **maps_limits(),
    }


# ------------------------------------------------------------------------------------------- POST /api/train
MAX_TRAIN_RUNS = 6  # runs per training request
# Training work in the same units as MAX_WORK (~2.5 us). Measured (scripts/bench_models.py's machine): a step costs
# ~40 us of Python plus ~0.7 ns per multiply-add of its minibatch's forward and backward pass and of the full-batch
# loss after it, so a step is TRAIN_STEP_UNITS plus P x (batch + n) / TRAIN_MACS_PER_UNIT units (rounded up: the
# estimate errs towards refusing). The budget is about five seconds of one core.
MAX_TRAIN_WORK = 2_000_000
TRAIN_STEP_UNITS = 16
TRAIN_MACS_PER_UNIT = 3000
LANDSCAPE_GRID_MIN, LANDSCAPE_GRID_MAX, LANDSCAPE_GRID_DEFAULT = 5, 41, 21  # odd: the centre is a grid point
HEATMAP_GRID = 41  # decision-map points per axis over the input plane
HEATMAP_FRAMES = 9  # decision maps per run: evenly spaced over the kept steps, the first and the last included
LINE_GRID = 61  # points per axis of line's (w, b) loss surface
PAGE_PARAM_VALUES = 10_000  # params values sent per run (rows x P); more rows are thinned to every k-th, plus the last


def train_work(steps: int, n_params: int, batch: int, n: int, grid: int, *, scheduled: bool = False) -> float:
    """One training run's work units: its steps (plus the lr scheduler's, as for trajectories), and its share of
    the landscape slice's grid (forward passes over the full batch at grid x grid points)."""
    macs = steps * n_params * (batch + n) + grid * grid * n * n_params
    return steps * (TRAIN_STEP_UNITS + (SCHEDULER_STEP_COST if scheduled else 0.0)) + macs / TRAIN_MACS_PER_UNIT


def train_limits() -> dict[str, Any]:
    """The "train" key of ``GET /api/limits``: what POST /api/train takes, from the core's ranges and the above."""
    return {
        "runs": {"min": 1, "max": MAX_TRAIN_RUNS},
        "epochs": {"min": _models.EPOCHS_RANGE[0], "max": _models.EPOCHS_RANGE[1]},
        "batch_size": {"min": 1, "max": _models.N_RANGE[1]},
        "seed": {"min": _models.SEED_RANGE[0], "max": _models.SEED_RANGE[1]},
        "max_steps": _models.MAX_STEPS,
        "max_step_samples": _models.MAX_STEP_SAMPLES,
        "work": {"budget": MAX_TRAIN_WORK, "step_units": TRAIN_STEP_UNITS, "macs_per_unit": TRAIN_MACS_PER_UNIT,
                 "scheduler_per_step": SCHEDULER_STEP_COST,
                 "rule": "runs x (steps x (step_units + scheduler_per_step if scheduled) + (steps x P x (batch + n) "
                         "+ grid^2 x n x P) / macs_per_unit)"},
        "landscape_grid": {"min": LANDSCAPE_GRID_MIN, "max": LANDSCAPE_GRID_MAX, "default": LANDSCAPE_GRID_DEFAULT},
        "heatmap": {"grid": HEATMAP_GRID, "frames": HEATMAP_FRAMES},
        "line_grid": LINE_GRID,
        "page_param_values": PAGE_PARAM_VALUES,
    }
