"""The batch path of ``run()``: N start points at once as NumPy arrays, in blocks spread over threads."""

from __future__ import annotations

import ctypes
import functools
import itertools
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .backend import ARRAY, ARRAY_FAST, FLOAT
from .noise import gaussian
from .recording import momentum_value
from .surfaces import Surface

CHUNK = 16384  # batch rows per block: its temporaries stay in cache (measured best of 1k-50k on 2 cores)
WORKERS = max(1, min(4, os.cpu_count() or 1))  # threads for a batch


@functools.cache
def _keep_freed_memory() -> None:
    """Ask glibc to keep freed memory for reuse instead of returning it to the OS at once.

    Every batch step frees a few MB of NumPy temporaries and allocates them again. By default glibc hands the
    memory back (trimming above 128 KiB) and the next step faults every page in again: measured, that made an
    exact multiply-add 6x slower (1.19 ms against 0.20 ms for 2 x 16384 values). 32 MiB of padding, and the same
    as the threshold for separate mmaps, keeps one block's churn in the heap. Process-wide, so only done once a
    batch runs; a no-op where there is no glibc.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    m_top_pad, m_mmap_threshold = -2, -3  # <malloc.h>
    libc.mallopt(m_top_pad, 32 << 20)
    libc.mallopt(m_mmap_threshold, 32 << 20)


def trace_batch(opt, surf: Surface, start: np.ndarray, steps: int, noise: float, seed, bound: float,
                 exact: bool, values: list | None = None):
    """N start points at once, in blocks of CHUNK rows spread over the CPU's cores (NumPy releases the GIL inside
    each operation, and rows are independent). Each block runs the same update code as the single path.

    ``values``: with a scheduler, each step's ``opt.step_values(...)`` (one schedule shared by every row, computed
    ahead by the scheduler's plan); the per-step scalars then come from ``opt.scalar_steps`` as on the single
    scheduled path, and the state starts from the first step's lr, as torch creates it at the first step."""
    if exact and noise <= 0 and steps > 0 and values is None:
        from .compiled import trace_paths  # the same kernels compiled, once ready (until then, NumPy below)

        compiled = trace_paths(opt, surf, start, steps, bound)
        if compiled is not None:
            return compiled
    _keep_freed_memory()
    n = start.shape[0]
    xy = np.empty((steps + 1, 2, n))  # step-major while writing; returned as an (N, steps+1, 2) view
    loss = np.empty((steps + 1, n))
    at = np.full(n, -1, dtype=np.int64)
    backend = ARRAY if exact else ARRAY_FAST
    update = opt.kernel(backend)
    lr0 = values[0][0] if values else opt.lr
    if values is None:
        schedule = opt.schedule(steps, opt.state0(0.0, FLOAT, lr0))
    else:
        schedule = list(opt.scalar_steps(opt.state0(0.0, FLOAT, lr0), iter(values)))
    fg, fn = surf.fg, surf.fn

    # Blocks of at most CHUNK rows, as many as a multiple of the thread count, so no thread idles at the end.
    blocks = -(-n // CHUNK)
    blocks = -(-blocks // WORKERS) * WORKERS if blocks > 1 else 1
    size = max(1, -(-n // blocks))

    def block(c0: int) -> None:
        c1 = min(n, c0 + size)
        with np.errstate(all="ignore"):
            p = np.ascontiguousarray(start[c0:c1].T)  # (2, m): x and y rows, each contiguous
            state = opt.state0(p, backend, lr0)
            rows = np.arange(c0, c1)
            xy[0, :, c0:c1] = p
            for t in range(steps):
                g = np.empty_like(p)  # fresh each step: an update may keep g itself in its state (SGD's buffer)
                f, g[0], g[1] = fg(p[0], p[1], backend)
                loss[t, c0:c1] = f
                if noise > 0:
                    g += gaussian(seed, rows, t).T * noise
                p, state = update(p, g, state, schedule[t])
                xy[t + 1, :, c0:c1] = p
            loss[steps, c0:c1] = fn(p[0], p[1], backend)
            # A row diverges at its first point that leaves the bound or whose loss is not finite; like the single
            # path, it stops there.
            bad = ~(np.abs(xy[:, :, c0:c1]) <= bound).all(axis=1) | ~np.isfinite(loss[:, c0:c1])
            any_bad = bad.any(axis=0)
            if any_bad.any():
                first = np.where(any_bad, bad.argmax(axis=0), -1)
                at[c0:c1] = first
                after = np.arange(steps + 1)[:, None] >= np.where(any_bad, first, steps + 1)[None, :]
                xy[:, 0, c0:c1][after] = np.nan
                xy[:, 1, c0:c1][after] = np.nan
                loss[:, c0:c1][after] = np.nan

    starts = range(0, n, size)
    if len(starts) > 1 and WORKERS > 1:
        with ThreadPoolExecutor(WORKERS) as pool:
            list(pool.map(block, starts))
    else:
        for c0 in starts:
            block(c0)
    return xy.transpose(2, 0, 1), loss.T, at


class PlannedSchedule:
    """A scheduler's whole plan (``scheduler.plan``, computed by ``make_scheduler(..., steps=)``) shared by every
    row of a batch. A schedule that does not read the loss is the same for every start point, so the rows need
    one plan, not N schedulers. It also stands in for a scheduler on L-BFGS's row-by-row batch (``lr``,
    ``momentum``, ``step``), replaying the plan from the start for each row.
    """

    def __init__(self, scheduler, opt, steps: int):
        plan = getattr(scheduler, "plan", None)
        if plan is None:
            name = getattr(scheduler, "label", type(scheduler).__name__)
            raise ValueError(f"Invalid scheduler: {name} cannot drive a batch of start points (it follows one "
                             "run's loss, or it has no plan); a batch takes a schedule that does not depend on the "
                             "loss, or use one start point, shape (2,)")
        if len(plan.lr) != steps + 1:
            raise ValueError(f"Invalid scheduler: its plan has {len(plan.lr) - 1} steps, the run {steps} (make it "
                             "with make_scheduler(..., steps=steps), or pass the spec)")
        self.opt, self.steps, self.plan = opt, steps, plan
        self.label = getattr(scheduler, "label", type(scheduler).__name__)
        self._arrays: tuple | None = None
        if plan.momentum is None:  # only the lr moves: the optimizer's own momentum and betas, checked once
            _, momentum, betas = opt.step_values()
            self.values = list(zip(plan.lr[:steps], itertools.repeat(momentum), itertools.repeat(betas)))
        else:
            self.values = [_values(opt, lr, m) for lr, m in zip(plan.lr[:steps], plan.momentum[:steps], strict=True)]

    def arrays(self) -> tuple[np.ndarray, np.ndarray | None]:
        """``Trajectory.lr`` and ``.momentum``, (steps+1,) with row t the value step t used (row 0 NaN), as the
        single scheduled run records them; shared by every row (not cut at a row's divergence)."""
        if self._arrays is not None:
            return self._arrays
        lr = np.empty(self.steps + 1)
        lr[0] = np.nan
        lr[1:] = self.plan.lr[:self.steps]  # the values' lr, as given to each step
        has_momentum = "momentum" in self.opt.SCHEDULABLE or "betas" in self.opt.SCHEDULABLE
        if not has_momentum:
            momentum = None
        elif self.plan.momentum is None:  # constant: the optimizer's own
            momentum = np.full(len(lr), momentum_value(self.opt, self.opt.step_values()))
            momentum[0] = np.nan
        else:
            momentum = np.array([np.nan] + [momentum_value(self.opt, v) for v in self.values], dtype=np.float64)
        self._arrays = (lr, momentum)
        return self._arrays

    def window(self, lo: int, hi: int, rows: int | None = None) -> dict:
        """Rows lo..hi-1 of ``arrays()`` as a single path's record (``rows`` pads with NaN to that many)."""
        n = max(0, hi - lo) if rows is None else rows
        out: dict = {"state": None, "grad": None, "update": None}
        for name, arr in zip(("lr", "momentum"), self.arrays(), strict=True):
            if arr is None:
                out[name] = None
                continue
            part = np.full(n, np.nan)
            part[: max(0, hi - lo)] = arr[lo:hi]
            out[name] = part
        return out

    def replay(self) -> _Replay:
        return _Replay(self.plan)


def _values(opt, lr, momentum) -> tuple:
    # as trajectory.scheduled_values reads a live scheduler: a pair is betas, a number is momentum (or beta1)
    if momentum is None:
        return opt.step_values(lr)
    if isinstance(momentum, (tuple, list)):
        return opt.step_values(lr, betas=(momentum[0], momentum[1]))
    return opt.step_values(lr, momentum=momentum)


class _Replay:
    """One row's scheduler, read from the shared plan: ``lr``/``momentum`` of the coming step, ``step()``."""

    def __init__(self, plan) -> None:
        self.plan, self.t = plan, 0

    @property
    def lr(self) -> float:
        return self.plan.lr[self.t]

    @property
    def momentum(self):
        return None if self.plan.momentum is None else self.plan.momentum[self.t]

    def step(self, loss=None) -> None:
        self.t += 1
