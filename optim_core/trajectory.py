"""``run()``: the step loop, over one start point or a batch of them, with divergence and gradient noise."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .backend import ARRAY, FLOAT, FLOAT_ERRORS
from .noise import gaussian
from .optimizers import OPTIMIZERS
from .spec import Optimizer, OptimizerSpec
from .surfaces import Surface, get_surface

MAX_STEPS = 100_000
BOUND_FACTOR = 1e6  # a coordinate beyond BOUND_FACTOR * max(1, |domain|) counts as diverged
CHUNK = 2048  # batch rows per block: small enough that the temporaries stay in cache


@dataclass
class Trajectory:
    """The path of one optimizer from one start point, or from each of N start points.

    Single: ``xy`` (steps+1, 2), ``loss`` (steps+1,), ``status`` "ok" | "diverged", ``diverged_at`` int | None.
    Batch: ``xy`` (N, steps+1, 2), ``loss`` (N, steps+1), ``status`` (N,) strings, ``diverged_at`` (N,) ints with
    -1 for rows that did not diverge. From ``diverged_at`` on, a row's points and losses are NaN.
    ``evals`` (L-BFGS only): for each step, the points where the objective was evaluated, in order.
    """

    optimizer: str
    hyperparameters: dict[str, Any]
    surface: str
    xy: np.ndarray
    loss: np.ndarray
    status: Any
    diverged_at: Any
    steps: int
    noise: float = 0.0
    seed: int | None = None
    evals: list | None = field(default=None, repr=False)

    @property
    def batched(self) -> bool:
        return self.xy.ndim == 3

    def row(self, i: int) -> Trajectory:
        """Row i of a batch as a single trajectory."""
        if not self.batched:
            raise ValueError("row() needs a batched trajectory")
        at = int(self.diverged_at[i])
        return Trajectory(self.optimizer, self.hyperparameters, self.surface, self.xy[i], self.loss[i],
                          str(self.status[i]), None if at < 0 else at, self.steps, self.noise, self.seed,
                          None if self.evals is None else self.evals[i])


def resolve_optimizer(optimizer, hyperparameters: dict[str, Any]) -> Optimizer:
    if isinstance(optimizer, Optimizer):
        if hyperparameters:
            raise ValueError("Pass hyperparameters either in the optimizer object or as keywords, not both")
        return optimizer
    if isinstance(optimizer, OptimizerSpec):
        return optimizer.make(**hyperparameters)
    if isinstance(optimizer, str) and optimizer in OPTIMIZERS:
        return OPTIMIZERS[optimizer].make(**hyperparameters)
    raise ValueError(f"Unknown optimizer {optimizer!r}; choose one of: {', '.join(OPTIMIZERS)}")


def run(optimizer, surface, start, steps: int, *, noise: float = 0.0, seed: int | None = None,
        **hyperparameters) -> Trajectory:
    """Trace ``optimizer`` on ``surface`` for ``steps`` steps from ``start`` (shape (2,) or (N, 2)).

    ``optimizer`` is a name from :data:`OPTIMIZERS` (hyperparameters as keywords, torch's names and defaults)
    or an optimizer object. ``noise`` adds N(0, noise²) to each gradient component, reproducibly from ``seed``;
    each batch row gets its own noise, and row i's noise does not depend on the batch size.

    >>> tr = run("adam", "rosenbrock", [-1.5, 2.0], 3, lr=0.1)
    >>> tr.xy.shape, tr.status
    ((4, 2), 'ok')
    """
    opt = resolve_optimizer(optimizer, hyperparameters)
    surf = get_surface(surface)
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or not 0 <= steps <= MAX_STEPS:
        raise ValueError(f"Invalid steps value: {steps!r} (steps must be an integer in [0, {MAX_STEPS}])")
    steps = int(steps)
    noise = float(noise)
    if not (math.isfinite(noise) and noise >= 0):
        raise ValueError(f"Invalid noise value: {noise} (noise must be a finite number >= 0)")
    if noise > 0 and seed is None:
        seed = 0
    start_arr = np.asarray(start, dtype=np.float64)
    if start_arr.ndim not in (1, 2) or start_arr.shape[-1] != 2:
        raise ValueError(f"Invalid start shape {start_arr.shape} (start must have shape (2,) or (N, 2))")
    if not np.all(np.isfinite(start_arr)):
        raise ValueError("Invalid start: every coordinate must be finite")
    bound = BOUND_FACTOR * max(1.0, max(abs(v) for pair in surf.domain for v in pair))
    common = dict(optimizer=opt.SPEC.name, hyperparameters=opt.hyperparameters(), surface=surf.name,
                  steps=steps, noise=noise, seed=seed)

    if start_arr.ndim == 1:
        x, y = float(start_arr[0]), float(start_arr[1])
        if opt.elementwise:
            xy, loss, at = _trace_single(opt, surf, x, y, steps, noise, seed, 0, bound)
            evals = None
        else:
            xy, loss, at, evals = _trace_lbfgs(opt, surf, x, y, steps, noise, seed, 0, bound)
        return Trajectory(xy=xy, loss=loss, status="ok" if at is None else "diverged", diverged_at=at,
                          evals=evals, **common)

    n = start_arr.shape[0]
    if opt.elementwise:
        xy, loss, at = _trace_batch(opt, surf, start_arr, steps, noise, seed, bound)
        evals = None
    else:
        # L-BFGS's inner loop length and line search differ per row, so rows run one after another.
        rows = [_trace_lbfgs(opt, surf, float(px), float(py), steps, noise, seed, i, bound)
                for i, (px, py) in enumerate(start_arr)]
        xy = np.stack([r[0] for r in rows]) if n else np.empty((0, steps + 1, 2))
        loss = np.stack([r[1] for r in rows]) if n else np.empty((0, steps + 1))
        at = np.array([-1 if r[2] is None else r[2] for r in rows], dtype=np.int64)
        evals = [r[3] for r in rows]
    status = np.where(at < 0, "ok", "diverged")
    return Trajectory(xy=xy, loss=loss, status=status, diverged_at=at, evals=evals, **common)


def _noise_table(noise: float, seed: int | None, row: int, count: int) -> list[tuple[float, float]] | None:
    if noise <= 0 or count == 0:
        return None
    z = gaussian(seed, row, np.arange(count)) * noise
    return [(float(a), float(b)) for a, b in z]


def _finish_single(xs: list, ys: list, fs: list, steps: int, at: int | None):
    xy = np.full((steps + 1, 2), np.nan)
    loss = np.full(steps + 1, np.nan)
    k = len(fs)
    xy[:k, 0] = xs[:k]
    xy[:k, 1] = ys[:k]
    loss[:k] = fs
    return xy, loss, at


def _trace_single(opt, surf: Surface, x: float, y: float, steps: int, noise: float, seed, row: int, bound: float):
    """One start point on Python floats; see :mod:`optim_core.backend` for why."""
    fg = surf.fg
    update = opt.kernel(FLOAT)
    schedule = opt.schedule(steps)
    kicks = _noise_table(noise, seed, row, steps)
    sx, sy = opt.init(x, FLOAT), opt.init(y, FLOAT)
    xs, ys, fs = [x], [y], []
    inf = math.inf
    t = 0
    try:
        if not (abs(x) <= bound and abs(y) <= bound):
            return _finish_single(xs, ys, fs, steps, 0)
        for t in range(steps):
            f, gx, gy = fg(x, y, FLOAT)
            if not abs(f) < inf:
                return _finish_single(xs, ys, fs, steps, t)
            fs.append(f)
            if kicks is not None:
                kx, ky = kicks[t]
                gx += kx
                gy += ky
            k = schedule[t]
            x, sx = update(x, gx, sx, k)
            y, sy = update(y, gy, sy, k)
            if not (abs(x) <= bound and abs(y) <= bound):
                return _finish_single(xs, ys, fs, steps, t + 1)
            xs.append(x)
            ys.append(y)
        t = steps
        f = surf.fn(x, y, FLOAT)
        if not abs(f) < inf:
            return _finish_single(xs, ys, fs, steps, steps)
        fs.append(f)
    except FLOAT_ERRORS:
        # The point at index len(fs) is the one whose evaluation or update left the reals.
        return _finish_single(xs, ys, fs, steps, len(fs) if len(xs) > len(fs) else len(xs))
    return _finish_single(xs, ys, fs, steps, None)


def _trace_batch(opt, surf: Surface, start: np.ndarray, steps: int, noise: float, seed, bound: float):
    """N start points at once, in blocks of CHUNK rows; every row follows the single-path arithmetic."""
    n = start.shape[0]
    xy = np.empty((steps + 1, 2, n))  # step-major while writing; returned as an (N, steps+1, 2) view
    loss = np.empty((steps + 1, n))
    update = opt.kernel(ARRAY)
    schedule = opt.schedule(steps)
    fg, fn = surf.fg, surf.fn
    with np.errstate(all="ignore"):
        for c0 in range(0, n, CHUNK):
            c1 = min(n, c0 + CHUNK)
            p = np.ascontiguousarray(start[c0:c1].T)  # (2, m): x and y rows, each contiguous
            state = opt.init(p, ARRAY)
            rows = np.arange(c0, c1)
            xy[0, :, c0:c1] = p
            g = np.empty_like(p)
            for t in range(steps):
                f, g[0], g[1] = fg(p[0], p[1], ARRAY)
                loss[t, c0:c1] = f
                if noise > 0:
                    g += gaussian(seed, rows, t).T * noise
                p, state = update(p, g, state, schedule[t])
                xy[t + 1, :, c0:c1] = p
            loss[steps, c0:c1] = fn(p[0], p[1], ARRAY)
        # A row diverges at its first point that leaves the bound or whose loss is not finite; like the single
        # path, it stops there.
        bad = ~(np.abs(xy) <= bound).all(axis=1) | ~np.isfinite(loss)
        any_bad = bad.any(axis=0)
        at = np.where(any_bad, bad.argmax(axis=0), -1).astype(np.int64)
        if any_bad.any():
            after = np.arange(steps + 1)[:, None] >= np.where(any_bad, at, steps + 1)[None, :]
            xy[np.broadcast_to(after[:, None, :], xy.shape)] = np.nan
            loss[after] = np.nan
    return xy.transpose(2, 0, 1), loss.T, at


def _trace_lbfgs(opt, surf: Surface, x: float, y: float, steps: int, noise: float, seed, row: int, bound: float):
    fg = surf.fg
    counter = [0]
    table: list = []

    def closure(px, py):
        f, gx, gy = fg(px, py, FLOAT)
        if noise > 0:
            i = counter[0]
            if i >= len(table):  # draw noise in blocks, addressed by the running evaluation count
                table.extend(_noise_table_range(noise, seed, row, len(table), len(table) + 256))
            counter[0] += 1
            gx, gy = gx + table[i][0], gy + table[i][1]
        return f, gx, gy

    state = opt.init_state()
    xs, ys, fs, evals = [x], [y], [], []
    inf = math.inf
    try:
        if not (abs(x) <= bound and abs(y) <= bound):
            return (*_finish_single(xs, ys, fs, steps, 0), evals)
        for t in range(steps):
            f = fg(x, y, FLOAT)[0]
            if not abs(f) < inf:
                return (*_finish_single(xs, ys, fs, steps, t), evals)
            fs.append(f)
            x, y, pts = opt.step(state, x, y, closure)
            evals.append(np.array(pts, dtype=np.float64).reshape(-1, 2))
            if not (abs(x) <= bound and abs(y) <= bound):
                return (*_finish_single(xs, ys, fs, steps, t + 1), evals)
            xs.append(x)
            ys.append(y)
        f = surf.fn(x, y, FLOAT)
        if not abs(f) < inf:
            return (*_finish_single(xs, ys, fs, steps, steps), evals)
        fs.append(f)
    except FLOAT_ERRORS:
        return (*_finish_single(xs, ys, fs, steps, len(fs) if len(xs) > len(fs) else len(xs)), evals)
    return (*_finish_single(xs, ys, fs, steps, None), evals)


def _noise_table_range(noise: float, seed, row: int, lo: int, hi: int) -> list[tuple[float, float]]:
    z = gaussian(seed, row, np.arange(lo, hi)) * noise
    return [(float(a), float(b)) for a, b in z]
