"""Compiled batches: the optimizers' own ``kernel`` code and the built-in surfaces' own float programs, compiled
by numba, the NumPy batch's numbers bit for bit.

Nothing here restates an update rule. An elementwise optimizer's ``kernel(b)`` is written against a backend
namespace; :data:`~optim_core.compiled_ops.NUMBA` is one more backend, whose operations are numba functions
(``fma`` is LLVM's fused multiply-add intrinsic, torch's exact operation, where NumPy emulates it with Dekker's
product). The kernel's closure and a built-in surface's ``fn``/``fg`` (printed by ``expression/codegen.py`` as
straight-line Python) are recompiled as they are, with the few module globals numba cannot call (``record``, the
float backend's helpers) bound to numba versions. ``fastmath`` stays off and float errors follow NumPy (inf/nan,
no exceptions), so each operation rounds as in NumPy; libm's sin, cos, exp and pow are the single run's (NumPy's
vectorized ones may differ from libm by an ulp, as they already do between a NumPy batch and a single run).

What runs here: batches of start points on built-in surfaces (a ``sweep``, a ``run`` from many starts without
noise). A kernel's hyperparameters are compile-time constants, so a grid is compiled only when its values reach
the kernel through the per-step scalars and the initial state alone (lr always; momentum or beta1 where they are
scheduled values, and keep the state's shape), with at most MAX_GRID_SCALARS scalars; other grids (beta2, eps,
weight decay...), typed surfaces (their programs are trees of closures), L-BFGS, and Ackley (its printed program
guards sqrt's subgradient with an assignment expression, which numba rejects) stay on the NumPy path.

Compilation never makes a caller wait: :func:`ready` queues it for a daemon thread and answers None until it is
done (the NumPy path serves meanwhile), and numba caches the machine code on disk (``cache=True``), so a new
process loads a setting in ~0.15 s instead of compiling it for ~2-4 s. :func:`warm_up` queues common settings
at start-up. Measured by scripts/bench.py (part 3).
"""

from __future__ import annotations

import hashlib
import math
import queue
import threading
import types as pytypes
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from . import backend as _b
from .batch import WORKERS
from .compiled_ops import AVAILABLE, JIT, NUMBA, _at2, _load, _rebind, _stable, _stable_as, _store, record
from .spec import NoState

if AVAILABLE:
    from numba import njit

    from .compiled_ops import fma

ENABLED = True  # False sends every batch to the NumPy path (bench.py compares the two)
MAX_MINIMA = 8  # known minima a compiled sweep tracks (a surface with more stays on NumPy)
BLOCK = 64  # rows stepped side by side in the compiled loop (see _make_driver)
BLOCKS_PER_WORKER = 4  # rows split in this many blocks per thread, so an early-diverging block leaves none idle


def _surface_programs(surf):
    """The surface's fn and fg compiled, or None for a surface without a printed float program (typed ones).

    The printed programs start with ``if b is not FLOAT: return array_fg(...)``; called with b=None and FLOAT
    bound to None, numba prunes that branch, so the closure's array programs are never compiled (they are
    replaced by empty cells, which also lets numba's disk cache key on the closure)."""
    if getattr(surf.fg, "__module__", "") != "optim_core.expression.builtin_float":
        return None
    glob = {"FLOAT": None, "_fma": fma, "_abs": NUMBA.abs, "_maximum": NUMBA.maximum, "_minimum": NUMBA.minimum,
            "_sign": NUMBA.sign}
    out = []
    for f in (surf.fn, surf.fg):
        cells = tuple(pytypes.CellType(None) for _ in f.__code__.co_freevars)
        out.append(_stable(njit(**JIT)(_rebind(f, glob, cells)), f"{surf.name}.{f.__name__}"))
    return tuple(out)


def _make_driver(update, fn, fg, state_cls, state1_cls, width, name):
    """The loop over rows c0..c1-1 of one compiled batch: each row's whole run, observed point by point as
    sweep_rows.Summary does (and, with ``keep``, its path recorded as the NumPy batch records it).

    The per-step loop touches only scalars and the arrays passed in (no array is stored in a variable inside
    it): an array kept in a tuple or a local costs reference counting at every step, which measured 3x slower."""
    inf = math.inf

    @_stable_as(f"near.{name}")
    @njit(inline="always", **JIT)
    def near(x, y, minima, count, tol, tol2, t, label, since, exact):
        """(label, nearest, since) after point t: the known minimum nearest (x, y), within tol or not, as
        status.py decides it with np.linalg.norm (sqrt of the sum of squares). ``minima`` is a flat tuple
        (x0, y0, x1, y1, ...) of MAX_MINIMA pairs, the first ``count`` of them real. Far from every minimum (the
        squared distance clearly above tol², with a margin far beyond rounding) no square root is taken;
        ``exact`` always takes them (the final point's nearest)."""
        if count == 0:
            return label, -1, since
        if not exact:
            close = False
            for j in range(count):
                dx, dy = x - minima[2 * j], y - minima[2 * j + 1]
                if dx * dx + dy * dy <= tol2:
                    close = True
            if not close:
                if label != -1:
                    since = t
                return -1, -1, since
        dx, dy = x - minima[0], y - minima[1]
        best = math.sqrt(dx * dx + dy * dy)
        nearest = 0
        for j in range(1, count):
            dx, dy = x - minima[2 * j], y - minima[2 * j + 1]
            d = math.sqrt(dx * dx + dy * dy)
            if d < best:  # argmin's rule: the first of equal distances
                best, nearest = d, j
        lab = nearest if best <= tol else -1
        if lab != label:
            since = t
        return lab, nearest, since

    @_stable_as(f"driver.{name}")
    @njit(**JIT)
    def driver(c0, c1, starts, steps, sched, cells, state, table, bound, minima, tol, final, loss, at, last,
               label, nearest, since, keep, path, path_loss):
        # Rows go in blocks of BLOCK, a step at a time across the block: each row's step is a chain of
        # dependent operations (sqrt, divisions), and independent rows side by side keep the CPU's units busy
        # (measured ~2.5x over one row at a time). A row's state waits in a small table between its steps.
        noisy = table.shape[0] > 0
        count = int(minima[2 * MAX_MINIMA])  # the tuple's last element (see _minima_tuple)
        tol2 = tol * tol * (1.0 + 1e-9)  # sqrt(d2) <= tol needs d2 <= tol² up to a few roundings
        xs, ys = np.empty(BLOCK), np.empty(BLOCK)
        sxs, sys_ = np.empty((BLOCK, width)), np.empty((BLOCK, width))
        fx, fy, fl = np.empty(BLOCK), np.empty(BLOCK), np.empty(BLOCK)
        lab, nr, snc = np.empty(BLOCK, np.int64), np.empty(BLOCK, np.int64), np.empty(BLOCK, np.int64)
        stop, lt = np.empty(BLOCK, np.int64), np.empty(BLOCK, np.int64)
        for b0 in range(c0, c1, BLOCK):
            m = min(c1, b0 + BLOCK) - b0
            live = 0
            for j in range(m):  # point 0 and the first step, which may change the state's type (SGD's buffer)
                i = b0 + j
                x, y = starts[i, 0], starts[i, 1]
                lab[j], nr[j], snc[j], stop[j], lt[j] = -1, -1, 0, -1, 0
                fx[j], fy[j], fl[j] = math.nan, math.nan, math.nan
                f, gx, gy = fg(x, y, None)
                if steps == 0:
                    f = fn(x, y, None)
                if not (abs(x) <= bound and abs(y) <= bound and abs(f) < inf):
                    stop[j] = 0
                    continue
                fx[j], fy[j], fl[j] = x, y, f
                lab[j], nr[j], snc[j] = near(x, y, minima, count, tol, tol2, 0, lab[j], snc[j], steps == 0)
                if keep:
                    path[i, 0, 0], path[i, 0, 1], path_loss[i, 0] = x, y, f
                if steps > 0:
                    if noisy:
                        gx += table[0, 0]
                        gy += table[0, 1]
                    k = sched[0, cells[i]]  # the step's scalars for this row's grid cell
                    x, sx = update(x, gx, _at2(state_cls, state, 0, i), k)
                    y, sy = update(y, gy, _at2(state_cls, state, 1, i), k)
                    _store(sxs, j, sx)
                    _store(sys_, j, sy)
                    xs[j], ys[j] = x, y
                    live += 1
            t = 1
            while t <= steps and live > 0:
                tk = t if t < steps else 0
                for j in range(m):
                    if stop[j] >= 0:
                        continue
                    x, y = xs[j], ys[j]
                    if t < steps:
                        f, gx, gy = fg(x, y, None)
                    else:
                        f = fn(x, y, None)
                    if not (abs(x) <= bound and abs(y) <= bound and abs(f) < inf):
                        stop[j] = t
                        live -= 1
                        continue
                    fx[j], fy[j], fl[j], lt[j] = x, y, f, t
                    lab[j], nr[j], snc[j] = near(x, y, minima, count, tol, tol2, t, lab[j], snc[j], t == steps)
                    if keep:
                        path[b0 + j, t, 0], path[b0 + j, t, 1], path_loss[b0 + j, t] = x, y, f
                    if t < steps:
                        if noisy:
                            gx += table[t, 0]
                            gy += table[t, 1]
                        k = sched[tk, cells[b0 + j]]
                        x, sx = update(x, gx, _load(state1_cls, sxs, j), k)
                        y, sy = update(y, gy, _load(state1_cls, sys_, j), k)
                        _store(sxs, j, sx)
                        _store(sys_, j, sy)
                        xs[j], ys[j] = x, y
                t += 1
            for j in range(m):
                i = b0 + j
                final[i, 0], final[i, 1], loss[i], at[i], last[i] = fx[j], fy[j], fl[j], stop[j], lt[j]
                label[i], nearest[i], since[i] = lab[j], nr[j], snc[j]
                if keep and stop[j] >= 0:  # NaN from diverged_at on, as the NumPy batch leaves it
                    for u in range(stop[j], steps + 1):
                        path[i, u, 0], path[i, u, 1], path_loss[i, u] = math.nan, math.nan, math.nan

    return driver


_LOCK = threading.Lock()
_DRIVERS: dict = {}  # key -> compiled driver, or None while it compiles, or False if it cannot be compiled
_EVENTS: dict = {}  # key -> set once its compilation has finished
_QUEUE: queue.Queue = queue.Queue()
_WORKER: list = []  # the background compiling thread, started on first use
COMPILE_MIN_WORK = 200_000
"""Point-steps from which a batch starts a compilation it cannot use yet: below that NumPy takes ~50 ms, and
small batches (a test's, a preview's) should not queue seconds of compiling."""
COMPILE_SECONDS: dict = {}  # key -> seconds its compilation took (for bench.py)
ERRORS: dict = {}  # key -> why it could not be compiled


def _key(opt, surf):
    """What identifies compiled code: the kernel closure's constants (lr and the scheduled values are not among
    them: they reach the kernel per step), the state's types (SGD's buffer exists only with momentum), the
    surface."""
    update = opt.kernel(_b.FLOAT)
    consts = tuple(c.cell_contents for c in (update.__closure__ or ()) if not callable(c.cell_contents)
                   or isinstance(c.cell_contents, type))
    return type(opt), consts, _state_types(opt), surf.name, surf.fg.__code__


def applicable(opt, surf) -> bool:
    return (AVAILABLE and opt.elementwise and len(surf.minima) <= MAX_MINIMA
            and getattr(surf.fg, "__module__", "") == "optim_core.expression.builtin_float")


def _state_types(opt):
    """The state's record type before the first step and after it (SGD's buffer appears at the first step)."""
    state0 = opt.state0(0.5, _b.FLOAT, opt.lr)
    _, state1 = opt.kernel(_b.FLOAT)(0.5, 0.5, state0, opt.scalars(state0, opt.lr))
    return type(state0), type(state1)


def _build(opt, surf, key):
    import time

    t0 = time.perf_counter()
    try:
        fn, fg = _surface_programs(surf)
        # NO_STATE as None: numba prunes ``state is None`` by the argument's type, not ``state is NO_STATE``.
        update = njit(**JIT)(_rebind(opt.kernel(NUMBA), {"record": record, "NO_STATE": None}))
        name = hashlib.sha256(repr(key[:4]).encode()).hexdigest()[:16]  # the key's repr is stable across runs
        _stable(update, f"update.{name}")
        state_cls, state1_cls = _state_types(opt)
        driver = _make_driver(update, fn, fg, state_cls, state1_cls, max(1, len(state1_cls._fields)), name)
        # One call compiles the one signature every caller uses (the minima travel as a fixed-size tuple).
        _call(driver, opt, np.zeros((1, 2)), 1, np.zeros((0, 2)), 1e6, np.zeros((0, 2)), 1.0, _outputs(1, 1, False))
        result = driver
    except Exception as e:  # noqa: BLE001 - a kernel numba cannot compile stays on the NumPy path
        ERRORS[key] = f"{type(e).__name__}: {e}"
        result = False
    COMPILE_SECONDS[key] = time.perf_counter() - t0
    with _LOCK:
        _DRIVERS[key] = result
    return result


def _background() -> None:
    while True:
        opt, surf, key = _QUEUE.get()
        _build(opt, surf, key)
        _EVENTS[key].set()


def ready(opt, surf, *, wait: bool = False, work: float = math.inf):
    """The compiled driver for this optimizer configuration and surface if it is ready, else None.

    The first time, it queues the compilation for a background thread (a daemon: leaving the process never
    waits for it), unless ``work`` (point-steps) is below COMPILE_MIN_WORK. ``wait=True`` compiles now, or
    waits for the background thread to finish this one."""
    if not (ENABLED and applicable(opt, surf)):
        return None
    key = _key(opt, surf)
    with _LOCK:
        hit = _DRIVERS.get(key, ...)
        start = hit is ... and (wait or work >= COMPILE_MIN_WORK)
        if start:
            _DRIVERS[key] = None
            _EVENTS[key] = threading.Event()
            if not wait:
                _QUEUE.put((opt, surf, key))
                if not _WORKER:
                    _WORKER.append(threading.Thread(target=_background, name="numba-compile", daemon=True))
                    _WORKER[0].start()
    if start and wait:
        hit = _build(opt, surf, key)
        _EVENTS[key].set()
    elif wait and hit is None:
        _EVENTS[key].wait()
        hit = _DRIVERS[key]
    return hit if hit not in (None, False, ...) else None


def warm_up(settings=(("adam", "rosenbrock", {}), ("sgd", "rosenbrock", {}))) -> None:
    """Start compiling these (optimizer, surface, hyperparameters) settings in the background."""
    from .surfaces import get_surface
    from .trajectory import resolve_optimizer

    for name, surface, hp in settings:
        ready(resolve_optimizer(name, dict(hp)), get_surface(surface))


def _outputs(n: int, steps: int, keep: bool) -> dict:
    return {"final": np.full((n, 2), np.nan), "loss": np.full(n, np.nan), "at": np.full(n, -1, dtype=np.int64),
            "last": np.zeros(n, dtype=np.int64), "label": np.full(n, -1, dtype=np.int64),
            "nearest": np.full(n, -1, dtype=np.int64), "since": np.zeros(n, dtype=np.int64),
            # every point is written, NaN from diverged_at on, by the driver: no need to fill these first
            "path": np.empty((n, steps + 1, 2) if keep else (1, 1, 2)),
            "path_loss": np.empty((n, steps + 1) if keep else (1, 1)), "keep": keep}


def _schedule_records(opt, steps: int) -> np.ndarray:
    """The per-step scalars as a structured array: ``sched[t].lr`` reads in compiled code as ``k.lr`` does in the
    kernel, with no per-step tuple to build (and no reference counting, as a tuple of arrays would need)."""
    schedule = opt.schedule(steps, opt.state0(0.0, _b.FLOAT, opt.lr))
    fields = type(schedule[0])._fields if schedule else type(opt.scalars(opt.state0(0.0, _b.FLOAT, opt.lr),
                                                                           None))._fields
    out = np.empty(steps, dtype=[(f, np.float64) for f in fields])
    for f in fields:
        out[f] = [getattr(k, f) for k in schedule]
    return out


def _minima_tuple(minima) -> tuple:
    """The known minima as one fixed-size tuple of floats (one compiled signature for every surface, and no
    array for the per-step loop to reference-count): MAX_MINIMA (x, y) pairs padded with NaN, then the count."""
    flat = [float(v) for v in np.asarray(minima, dtype=np.float64).ravel()]
    return tuple(flat + [math.nan] * (2 * MAX_MINIMA - len(flat)) + [float(len(flat) // 2)])


def _call(driver, opt, starts, steps, table, bound, minima, tol, out, sched=None, cells=None, state0=None) -> None:
    """Run ``driver`` over all rows, in blocks spread over threads (the loop releases the GIL). ``sched`` is
    (steps, cells) of scalar records and ``cells`` each row's column (a grid); by default every row has the
    optimizer's own (one column)."""
    n = starts.shape[0]
    if sched is None:
        sched, cells = _schedule_records(opt, steps)[:, None], np.zeros(n, dtype=np.int64)
    p = np.ascontiguousarray(starts.T)
    state = opt.state0(p, _b.ARRAY, opt.lr) if state0 is None else state0(p)
    state = () if isinstance(state, NoState) else tuple(
        np.ascontiguousarray(np.broadcast_to(np.asarray(v, dtype=np.float64), p.shape)) for v in state)
    args = (np.ascontiguousarray(starts), steps, sched, cells, state, np.ascontiguousarray(table), float(bound),
            _minima_tuple(minima), float(tol), out["final"], out["loss"],
            out["at"], out["last"], out["label"], out["nearest"], out["since"], out["keep"], out["path"],
            out["path_loss"])
    blocks = max(1, min(n, WORKERS * BLOCKS_PER_WORKER)) if n >= 1024 else 1
    size = -(-n // blocks)
    spans = [(c0, min(n, c0 + size)) for c0 in range(0, n, size)]
    if len(spans) > 1 and WORKERS > 1:
        with ThreadPoolExecutor(WORKERS) as pool:
            list(pool.map(lambda s: driver(s[0], s[1], *args), spans))
    else:
        for c0, c1 in spans:
            driver(c0, c1, *args)


MAX_GRID_SCALARS = 1 << 23
"""Per-step scalars a compiled grid may hold ((steps x cells x fields) floats, 64 MB); bigger grids use NumPy."""


def _grid_optimizer(opt, surf, axes, fields, steps):
    """One cell's optimizer whose compiled loop serves every cell, or None: each grid value must leave the
    kernel's constants and the state's types as that cell has them (the value reaches the kernel only through the
    per-step scalars and the initial state, as lr does)."""
    if not applicable(opt, surf):
        return None
    from .sweep_rows import with_values

    cells = math.prod(a.size for a in axes.values())
    if steps * cells * len(_schedule_records(opt, 0).dtype.names) > MAX_GRID_SCALARS:
        return None
    first = with_values(opt, fields, {name: float(values[0]) for name, values in axes.items()})
    key = _key(first, surf)
    for name, values in axes.items():
        for v in np.unique(values):
            if _key(with_values(first, fields, {name: float(v)}), surf) != key:
                return None
    return first


def _grid_inputs(opt, axes, fields, axis_index, steps) -> dict:
    """The per-cell scalars (steps, cells) and each row's cell, and the rows' initial states, for _call."""
    from .sweep_rows import Mixed, _both, schedule, with_values

    grid_shape = tuple(a.size for a in axes.values())
    per_step = schedule(opt, axes, fields, None, steps)  # compact arrays over the grid (no cell-by-cell fallback)
    names = type(per_step[0])._fields
    sched = np.empty((steps, math.prod(grid_shape)), dtype=[(f, np.float64) for f in names])
    for t, k in enumerate(per_step):
        for f, v in zip(names, k, strict=True):
            sched[f][t] = np.broadcast_to(np.asarray(v, dtype=np.float64), grid_shape).ravel()
    cells = np.ravel_multi_index(axis_index, grid_shape).astype(np.int64)

    def state0(p):
        ropt = with_values(opt, fields, {n: _both(axes[n][i]) for n, i in zip(axes, axis_index, strict=True)})
        try:
            return ropt.state0(p, _b.ARRAY, ropt.lr)
        except Mixed:  # pragma: no cover - _grid_compiles compared the state types already
            raise RuntimeError("grid values change the state's structure") from None

    return {"sched": sched, "cells": cells, "state0": state0}


def trace_cells(opt, surf, starts, steps, noise, seed, axes, axis_index, fields, summary, *, required) -> bool:
    """A sweep's cells on the compiled path if it applies and is compiled (see the module doc); False if not."""
    work = starts.shape[0] * steps
    if axes:  # the loop compiled for one cell serves them all, or the grid stays on NumPy
        opt = _grid_optimizer(opt, surf, axes, fields, steps)
    grid_ok = opt is not None
    driver = ready(opt, surf, wait=required, work=work) if grid_ok and steps > 0 else None
    if driver is None:
        if required:
            raise RuntimeError("Compiled kernels cannot serve this sweep (a grid value that changes the compiled "
                               "code, a typed surface, L-BFGS, 0 steps or no numba)"
                               if not grid_ok or steps == 0 or not applicable(opt, surf)
                               else f"Compilation failed: {ERRORS.get(_key(opt, surf))}")
        return False
    from .noise import gaussian

    table = gaussian(seed, 0, np.arange(steps)) * noise if noise > 0 else np.zeros((0, 2))
    out = _outputs(starts.shape[0], steps, False)
    extra = {}
    if axes:
        from .sweep_rows import Mixed

        try:
            extra = _grid_inputs(opt, axes, fields, axis_index, steps)
        except (Mixed, TypeError, ValueError, ArithmeticError):  # scalars only a cell at a time can give
            if required:
                raise RuntimeError("Compiled kernels cannot serve this sweep (its scalars need the cell-by-cell "
                                   "path)") from None
            return False
    _call(driver, opt, starts, steps, table, summary.bound, summary.minima, summary.tol, out, **extra)
    summary.final, summary.loss, summary.at, summary.last = out["final"], out["loss"], out["at"], out["last"]
    summary.label, summary.nearest, summary.since = out["label"], out["nearest"], out["since"]
    return True


def trace_paths(opt, surf, starts, steps, bound, *, required=False):
    """run()'s batch on the compiled path: (xy (N, steps+1, 2), loss (N, steps+1), diverged_at (N,)), NaN from
    diverged_at on, as optim_core.batch.trace_batch returns them; None if it does not apply or is not ready."""
    driver = ready(opt, surf, wait=required, work=starts.shape[0] * steps) if steps > 0 else None
    if driver is None:
        if required:
            raise RuntimeError(f"Compiled kernels cannot serve this run: {ERRORS.get(_key(opt, surf), 'n/a')}")
        return None
    out = _outputs(starts.shape[0], steps, True)
    _call(driver, opt, starts, steps, np.zeros((0, 2)), bound, np.zeros((0, 2)), 1.0, out)
    return out["path"], out["path_loss"], out["at"]
