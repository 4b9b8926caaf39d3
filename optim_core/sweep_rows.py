"""The NumPy engine of :func:`optim_core.sweep`: cells as batch rows, each with its own hyperparameter values.

An optimizer's ``kernel``, ``state0`` and ``scalar_steps`` read their hyperparameters as attributes, and are
written for floats or arrays alike. A sweep hands them a copy of the optimizer whose swept attributes are arrays
with one value per row (:class:`Rows`), so the very code of ``run()`` computes every cell, value for value: the
arithmetic on each row is the arithmetic of the single run with that row's values.

Two things need care, and :class:`Rows` takes both:

- Python branches. A kernel may branch on a hyperparameter (``if weight_decay != 0``, ``lerp``'s ``abs(weight) <
  0.5``, RMSprop's ``momentum > 0``, RAdam's ``rho_t > 5``). ``bool()`` of a Rows array is its common truth value
  when every row agrees, and otherwise raises :class:`Mixed` with the rows' truth values; the engine then splits
  the rows into the two groups and carries on from the same step with each (the update is a pure function, so
  nothing is half done).
- Powers. ``beta1**step`` on floats is C's ``pow``; NumPy's may be a vectorized one, and ``x**0.5`` on arrays is
  ``sqrt``. Rows computes ``**`` with Python's own float power, one distinct value at a time (the per-step scalars
  are computed once per grid axis value, not per row).
"""

from __future__ import annotations

import copy
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .backend import ARRAY, FLOAT
from .batch import CHUNK, WORKERS, _keep_freed_memory
from .noise import gaussian
from .spec import record


class Mixed(Exception):
    """A Python branch on per-row values that the rows do not agree on; ``mask`` is each row's truth value."""

    def __init__(self, mask: np.ndarray):
        super().__init__("rows disagree on a branch")
        self.mask = mask


def _power(a, b):
    a, b = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))
    out = [x**y for x, y in zip(a.ravel().tolist(), b.ravel().tolist(), strict=True)]
    return np.array(out, dtype=np.float64).reshape(a.shape).view(Rows)


def _compare(op):
    def method(self, other):
        out = op(self.view(np.ndarray), other.view(np.ndarray) if isinstance(other, Rows) else other)
        if not isinstance(out, np.ndarray):
            return out
        if out.all():  # every row agrees: a plain bool, as the single run's comparison gives
            return True
        if not out.any():
            return False
        return out.view(Rows)  # used as data (where()) it is the rows' values; as a decision it raises Mixed

    return method


class Rows(np.ndarray):
    """Per-row (or per-axis-value) hyperparameter values: NumPy arithmetic, Python's ``**``, and comparisons that
    give a plain bool where every row agrees; a decision on rows that disagree (``if``, a dict key, ``[x] * n``)
    raises :class:`Mixed`."""

    __lt__, __le__, __gt__ = _compare(np.less), _compare(np.less_equal), _compare(np.greater)
    __ge__, __eq__, __ne__ = _compare(np.greater_equal), _compare(np.equal), _compare(np.not_equal)

    def __bool__(self) -> bool:
        v = self.view(np.ndarray).astype(bool)
        if v.all():
            return True
        if not v.any():
            return False
        raise Mixed(v)

    def __hash__(self):
        bool(self)  # a uniform array is never here (comparisons give plain bools): this raises Mixed
        raise TypeError("per-row values are not hashable")

    __index__ = __int__ = __hash__

    def __pow__(self, other):
        return _power(self, other)

    def __rpow__(self, other):
        return _power(other, self)

    def __float__(self) -> float:  # math.sqrt(rows) and the like: only a single value converts
        if self.size != 1:
            raise TypeError("per-row values do not convert to one float")
        return float(self.view(np.ndarray).reshape(()))


def with_values(opt, fields: dict[str, tuple[str, int | None]], values: dict[str, np.ndarray]):
    """A copy of the frozen optimizer ``opt`` whose swept hyperparameters are the given arrays (a pair element
    replaces one side of its pair). Not validated here: :func:`optim_core.sweep._validate` checked the values."""
    new = copy.copy(opt)
    for name, v in values.items():
        f, element = fields[name]
        if element is None:
            object.__setattr__(new, f, v)
        else:
            pair = list(getattr(new, f))
            pair[element] = v
            object.__setattr__(new, f, tuple(pair))
    return new


def schedule(opt, axes, fields, combos, steps: int) -> list:
    """Each step's scalars, as run() computes them: Python floats where no swept value enters, else Rows arrays
    that broadcast over the grid's shape (each axis's values along its own dimension). ``combos()`` gives each
    grid cell's optimizer, for the cell-by-cell fallback."""
    if not axes:
        return opt.schedule(steps, opt.state0(0.0, FLOAT, opt.lr))
    grid_shape = tuple(a.size for a in axes.values())
    dims = len(grid_shape)
    compact = {name: a.reshape([-1 if j == i else 1 for j in range(dims)]).view(Rows)
               for i, (name, a) in enumerate(axes.items())}
    gopt = with_values(opt, fields, compact)
    try:
        with np.errstate(all="ignore"):
            return gopt.schedule(steps, gopt.state0(0.0, FLOAT, gopt.lr))
    except (Mixed, TypeError, ValueError, ArithmeticError):
        if combos is None:  # the compiled path's call: it then stays on NumPy
            raise
    # A branch or a float-only function on a swept value: each grid cell's own schedule, then stacked.
    flat = combos().ravel()
    per_cell = [c.schedule(steps, c.state0(0.0, FLOAT, c.lr)) for c in flat]
    out = []
    for t in range(steps):
        first = per_cell[0][t]
        values = []
        for i, v in enumerate(first):
            column = [s[t][i] for s in per_cell]
            same = all(isinstance(c, float) and c == v for c in column) and isinstance(v, float)
            values.append(v if same else np.array(column, dtype=np.float64).reshape(grid_shape).view(Rows))
        out.append(record(type(first), tuple(values)))
    return out


class Summary:
    """What a sweep keeps of each run, updated point by point: the last finite point and its loss, divergence,
    and the run of points near the same known minimum (status.timeline's convergence, on known minima)."""

    def __init__(self, cells: int, minima: np.ndarray, tol: float, bound: float):
        self.minima, self.tol, self.bound = minima, tol, bound
        self.index = np.arange(cells)
        self.final = np.full((cells, 2), np.nan)
        self.loss = np.full(cells, np.nan)
        self.at = np.full(cells, -1, dtype=np.int64)
        self.alive = np.ones(cells, dtype=bool)
        self.last = np.zeros(cells, dtype=np.int64)
        self.label = np.full(cells, -1, dtype=np.int64)
        self.nearest = np.full(cells, -1, dtype=np.int64)
        self.since = np.zeros(cells, dtype=np.int64)

    def observe(self, rows, t: int, x, y, f) -> None:
        """Point t of the given rows (a slice or an index array). Idempotent for the same t."""
        ok = (np.abs(x) <= self.bound) & (np.abs(y) <= self.bound) & np.isfinite(f)
        alive = self.alive[rows]
        live = alive & ok
        if not live.all():
            ridx = self.index[rows]
            newly = ridx[alive & ~ok]
            self.at[newly] = t
            self.alive[newly] = False
            rows, x, y, f = ridx[live], x[live], y[live], f[live]
        self.final[rows, 0] = x
        self.final[rows, 1] = y
        self.loss[rows] = f
        self.last[rows] = t
        if self.minima.size:
            m = self.minima
            dx, dy = x - m[0, 0], y - m[0, 1]
            best = np.sqrt(dx * dx + dy * dy)  # as np.linalg.norm over the pair, which status.py uses
            nearest = np.zeros(best.shape, dtype=np.int64)
            for i in range(1, m.shape[0]):
                dx, dy = x - m[i, 0], y - m[i, 1]
                d = np.sqrt(dx * dx + dy * dy)
                closer = d < best  # argmin's rule: the first of equal distances
                best = np.where(closer, d, best)
                nearest = np.where(closer, i, nearest)
            label = np.where(best <= self.tol, nearest, -1)
            self.since[rows] = np.where(label != self.label[rows], t, self.since[rows])
            self.label[rows] = label
            self.nearest[rows] = nearest

    def result(self, hold: int) -> dict[str, np.ndarray]:
        ok = self.at < 0
        converged = ok & (self.label >= 0) & ((self.last - self.since + 1 >= hold) | (self.since == 0))
        return {"final_xy": self.final, "final_loss": self.loss, "diverged_at": self.at,
                "minimum": np.where(ok, self.nearest, -1), "converged": converged,
                "steps_to_converge": np.where(converged, self.since, -1)}


def trace_cells(opt, surf, starts: np.ndarray, steps: int, noise: float, seed, axes, axis_index, combos,
                summary: Summary, compiled) -> str:
    """Every cell as a batch row (``starts`` (cells, 2) per row, ``axis_index`` each row's grid indices), summarized
    into ``summary``. Returns the engine used: "numba" or "numpy"."""
    from .sweep import grid_name  # the names were checked there

    fields = {name: grid_name(opt.SPEC, name) for name in axes}
    if compiled is not False:
        from . import compiled as jit

        if jit.trace_cells(opt, surf, starts, steps, noise, seed, axes, axis_index, fields, summary,
                           required=bool(compiled)):
            return "numba"
    _keep_freed_memory()
    sched = schedule(opt, axes, fields, combos, steps)
    table = gaussian(seed, 0, np.arange(steps)) * noise if noise > 0 else None  # row 0: the single run's noise
    fg, fn = surf.fg, surf.fn
    grid_shape = tuple(a.size for a in axes.values())
    cells = starts.shape[0]

    def gather(v, idx):
        return _both(np.broadcast_to(v, grid_shape)[idx])

    def trace(rows: np.ndarray, t0: int, p, state, out: list) -> None:
        """Rows from step t; a Mixed branch splits them into two items appended to ``out``."""
        sel = slice(int(rows[0]), int(rows[-1]) + 1) if rows[-1] - rows[0] + 1 == rows.size else rows
        idx = tuple(a[sel] for a in axis_index)
        ropt = with_values(opt, fields, {name: _both(axes[name][i]) for name, i in zip(axes, idx, strict=True)})
        if p is None:
            p = np.ascontiguousarray(starts[sel].T)  # (2, m): x and y rows, each contiguous
        try:
            update = ropt.kernel(ARRAY)
            if state is None:
                state = ropt.state0(p, ARRAY, ropt.lr)
        except Mixed as e:
            out.extend(_split(rows, e.mask, t0, p, state))
            return
        for t in range(t0, steps):
            g = np.empty_like(p)  # fresh each step: an update may keep g itself in its state (SGD's buffer)
            f, g[0], g[1] = fg(p[0], p[1], ARRAY)
            summary.observe(sel, t, p[0], p[1], f)
            if table is not None:
                g[0] += table[t, 0]
                g[1] += table[t, 1]
            k = sched[t]
            if axes:
                k = record(type(k), tuple(gather(v, idx) if isinstance(v, np.ndarray) else v for v in k))
            try:
                p, state = update(p, g, state, k)
            except Mixed as e:
                out.extend(_split(rows, e.mask, t, p, state))
                return
        summary.observe(sel, steps, p[0], p[1], fn(p[0], p[1], ARRAY))

    def block(c0: int, c1: int) -> None:
        todo = [(np.arange(c0, c1), 0, None, None)]
        with np.errstate(all="ignore"):
            while todo:
                rows, t, p, state = todo.pop()
                trace(rows, t, p, state, todo)

    blocks = -(-cells // CHUNK)
    blocks = -(-blocks // WORKERS) * WORKERS if blocks > 1 else 1
    size = max(1, -(-cells // blocks))
    spans = [(c0, min(cells, c0 + size)) for c0 in range(0, cells, size)]
    if len(spans) > 1 and WORKERS > 1:
        with ThreadPoolExecutor(WORKERS) as pool:
            list(pool.map(lambda s: block(*s), spans))
    else:
        for s in spans:
            block(*s)
    return "numpy"


def _both(values: np.ndarray) -> Rows:
    """Per-row values shaped (2, rows) like the coordinates: backend.fma reuses temporaries shaped like its first
    operand, so every operand must have the full shape."""
    return np.broadcast_to(values, (2, values.size)).view(Rows)


def _split(rows, mask, t, p, state):
    mask = np.asarray(mask)
    if mask.ndim == 2 and mask.shape[0] == 2 and np.array_equal(mask[0], mask[1]):
        mask = mask[0]
    if mask.ndim != 1 or mask.size != rows.size:
        raise RuntimeError(f"a branch on per-coordinate values cannot be split by rows (mask {mask.shape})")
    return [(rows[m], t, None if p is None else p[:, m], _take(state, m)) for m in (mask, ~mask) if m.any()]


def _take(state, m):
    """The rows ``m`` of a state record: per-coordinate fields are (2, rows), per-row ones (rows,)."""
    if state is None:
        return None

    def part(v):
        if isinstance(v, np.ndarray) and v.ndim >= 1:
            return v[:, m] if v.ndim == 2 else v[m]
        return v

    return record(type(state), tuple(part(v) for v in state)) if len(state) else state

