"""``run()``: the step loop, over one start point or a batch of them, with divergence and gradient noise."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .backend import FLOAT, FLOAT_ERRORS
from .batch import PlannedSchedule, trace_batch
from .noise import gaussian
from .optimizers import OPTIMIZERS
from .optimizers.lbfgs_vectors import PAIR
from .recording import LBFGS_START, Recorder, lbfgs_snapshot
from .schedulers import make_scheduler
from .spec import Optimizer, OptimizerSpec
from .surfaces import Surface, get_surface

MAX_STEPS = 100_000
BOUND_FACTOR = 1e6  # a coordinate beyond BOUND_FACTOR * max(1, |domain|) counts as diverged


@dataclass
class Trajectory:
    """The path of one optimizer from one start point, or from each of N start points.

    Single: ``xy`` (steps+1, 2), ``loss`` (steps+1,), ``status`` "ok" | "diverged", ``diverged_at`` int | None.
    Batch: ``xy`` (N, steps+1, 2), ``loss`` (N, steps+1), ``status`` (N,) strings, ``diverged_at`` (N,) ints with
    -1 for rows that did not diverge. From ``diverged_at`` on, a row's points and losses are NaN.
    ``evals`` (L-BFGS only): for each step, the points where the objective was evaluated, in order; ``inner``: for
    each step, the point after each of its inner iterations (the last one is where the step ends).

    With ``record_state=True`` (one start point): ``state`` maps each of torch's ``optimizer.state[p]`` keys for
    this optimizer and configuration to its value after each step, shaped (steps+1, 2), or (steps+1,) for a
    per-tensor scalar such as ``step``; ``grad`` (steps+1, 2) is the gradient the optimizer received (noise
    included), ``update`` (steps+1, 2) the change Δθ, ``lr`` (steps+1,) the lr in effect at the step, and
    ``momentum`` (steps+1,) the momentum or beta1 in effect, for optimizers that have one (else None). Row 0 is
    the state before the first step (see :mod:`optim_core.recording`), NaN for the others. ``lr`` and
    ``momentum`` are kept whenever a scheduler drives the run, recording or not.
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
    inner: list | None = field(default=None, repr=False)
    state: dict[str, np.ndarray] | None = field(default=None, repr=False)
    grad: np.ndarray | None = field(default=None, repr=False)
    update: np.ndarray | None = field(default=None, repr=False)
    lr: np.ndarray | None = field(default=None, repr=False)
    momentum: np.ndarray | None = field(default=None, repr=False)

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
                          None if self.evals is None else self.evals[i], None if self.inner is None else self.inner[i])


def resolve_optimizer(optimizer, hyperparameters: dict[str, Any]) -> Optimizer:
    if isinstance(optimizer, Optimizer):
        if hyperparameters:
            raise ValueError("Pass hyperparameters either in the optimizer object or as keywords, not both")
        return optimizer
    if isinstance(optimizer, OptimizerSpec):
        return optimizer.make(**hyperparameters)
    if isinstance(optimizer, type) and issubclass(optimizer, Optimizer):
        return optimizer.SPEC.make(**hyperparameters)
    if isinstance(optimizer, str) and optimizer.lower() in OPTIMIZERS:  # torch's class names work too: "AdamW"
        return OPTIMIZERS[optimizer.lower()].make(**hyperparameters)
    raise ValueError(f"Unknown optimizer {optimizer!r}; choose one of: {', '.join(OPTIMIZERS)}")


def run(optimizer, surface, start, steps: int, *, noise: float = 0.0, seed: int | None = None,
        exact: bool = True, record_state: bool = False, scheduler=None, **hyperparameters) -> Trajectory:
    """Trace ``optimizer`` on ``surface`` for ``steps`` steps from ``start`` (shape (2,) or (N, 2)).

    ``optimizer`` is a name from :data:`OPTIMIZERS` (hyperparameters as keywords, torch's names and defaults)
    or an optimizer object. ``noise`` adds N(0, noise²) to each gradient component, reproducibly from ``seed``;
    each batch row gets its own noise, and row i's noise does not depend on the batch size.

    Runs use torch's arithmetic exactly, fused multiply-adds included, so batch row i equals the single run from
    start i bit for bit. ``exact=False`` lets a batch use plain multiply-adds instead: about 2-3x cheaper in
    NumPy, one rounding away from torch per multiply-add (fine for pictures of 100,000 paths; not for parity).

    ``record_state=True`` (one start point) fills the trajectory's ``state``, ``grad``, ``update``, ``lr`` and
    ``momentum`` (see :class:`Trajectory`); the path is the same to the bit.

    ``scheduler`` is torch's lr scheduler: a spec such as ``("CosineAnnealingLR", {"T_max":
    200})`` (see :data:`optim_core.SCHEDULERS`; torch's class name or its lower-case form, torch's keywords and
    checks, and settings torch would refuse within ``steps`` steps refused up front), or an object whose ``lr``, and
    optionally ``momentum`` (a float, or a betas pair), are the values for the coming step, and whose
    ``step(loss)`` is called after each optimizer step, in torch's order (``loss = closure(); opt.step();
    sched.step(loss)``), with the loss at the point the step started from.

    >>> tr = run("adam", "rosenbrock", [-1.5, 2.0], 3, lr=0.1, record_state=True)
    >>> tr.xy.shape, tr.status, tr.state["step"].tolist(), tr.state["exp_avg"].shape
    ((4, 2), 'ok', [0.0, 1.0, 2.0, 3.0], (4, 2))
    """
    opt, surf, steps, noise, seed, bound = _prepare(optimizer, surface, steps, noise, seed, hyperparameters)
    scheduler = resolve_scheduler(scheduler, opt, steps, planned=True)
    start_arr = np.asarray(start, dtype=np.float64)
    if start_arr.ndim == 1:
        p = _start_point(start_arr)
        path = _Path(opt, surf, p[0], p[1], steps, noise, seed, 0, bound, record_state, scheduler)
        path.advance(steps)
        xy, loss, evals, inner = path.arrays()
        at = path.diverged_at
        recorded = path.recorded(0, steps + 1, steps + 1) if path.recorder or path.planned else {}
        return Trajectory(opt.SPEC.name, opt.hyperparameters(), surf.name, xy, loss,
                          "ok" if at is None else "diverged", at, steps, noise, seed, evals, inner, **recorded)

    _check_start(start_arr)
    if record_state:
        raise ValueError("Invalid start: record_state takes one start point, shape (2,)")
    shared = scheduler if scheduler is None or isinstance(scheduler, PlannedSchedule) \
        else PlannedSchedule(scheduler, opt, steps)
    if opt.elementwise:
        xy, loss, at = trace_batch(opt, surf, start_arr, steps, noise, seed, bound, exact,
                                   None if shared is None else shared.values)
        evals = inner = None
    else:
        # L-BFGS's inner iterations and line search differ from row to row, so rows run one after another.
        paths = [_Path(opt, surf, float(px), float(py), steps, noise, seed, i, bound, False,
                       None if shared is None else shared.replay())
                 for i, (px, py) in enumerate(start_arr)]
        for path in paths:
            path.advance(steps)
        arrays = [path.arrays() for path in paths]
        n = len(paths)
        xy = np.stack([a[0] for a in arrays]) if n else np.empty((0, steps + 1, 2))
        loss = np.stack([a[1] for a in arrays]) if n else np.empty((0, steps + 1))
        at = np.array([-1 if p.diverged_at is None else p.diverged_at for p in paths], dtype=np.int64)
        evals = [a[2] for a in arrays]
        inner = [a[3] for a in arrays]
    status = np.where(at < 0, "ok", "diverged")
    lr, momentum = (None, None) if shared is None else shared.arrays()
    return Trajectory(opt.SPEC.name, opt.hyperparameters(), surf.name, xy, loss, status, at, steps, noise, seed,
                      evals, inner, lr=lr, momentum=momentum)


def resolve_scheduler(scheduler, opt: Optimizer, steps: int, planned: bool = False):
    """A scheduler spec becomes a fresh scheduler over ``opt`` (so one spec gives the same run every time); an
    object that already has ``lr`` and ``step`` is the caller's own, used as it is. ``planned``: a spec's schedule
    that does not read the loss comes as a :class:`~optim_core.batch.PlannedSchedule` (run and iter_run)."""
    if scheduler is None or (hasattr(scheduler, "lr") and callable(getattr(scheduler, "step", None))):
        return scheduler
    made = make_scheduler(scheduler, opt, steps=steps)
    # a schedule that does not read the loss is known ahead (its plan): the loop then need not step it
    return made if made.plan is None or not planned else PlannedSchedule(made, opt, steps)


def _prepare(optimizer, surface, steps, noise, seed, hyperparameters):
    opt = resolve_optimizer(optimizer, hyperparameters)
    surf = get_surface(surface)
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or not 0 <= steps <= MAX_STEPS:
        raise ValueError(f"Invalid steps value: {steps!r} (steps must be an integer in [0, {MAX_STEPS}])")
    noise = float(noise)
    if not (math.isfinite(noise) and noise >= 0):
        raise ValueError(f"Invalid noise value: {noise} (noise must be a finite number >= 0)")
    if noise > 0 and seed is None:
        seed = 0
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise ValueError(f"Invalid seed value: {seed!r} (seed must be an integer)")
    bound = BOUND_FACTOR * max(1.0, max(abs(v) for pair in surf.domain for v in pair))
    return opt, surf, int(steps), noise, seed, bound


def _check_start(start_arr: np.ndarray) -> None:
    if start_arr.ndim not in (1, 2) or start_arr.shape[-1] != 2:
        raise ValueError(f"Invalid start shape {start_arr.shape} (start must have shape (2,) or (N, 2))")
    if not np.all(np.isfinite(start_arr)):
        raise ValueError("Invalid start: every coordinate must be finite")


def _start_point(start) -> tuple[float, float]:
    start_arr = np.asarray(start, dtype=np.float64)
    _check_start(start_arr)
    if start_arr.ndim != 1:
        raise ValueError(f"Invalid start shape {start_arr.shape} (one start point has shape (2,))")
    return float(start_arr[0]), float(start_arr[1])


def _noise_table(noise: float, seed: int | None, row: int, count: int) -> list[tuple[float, float]] | None:
    if noise <= 0 or count == 0:
        return None
    z = gaussian(seed, row, np.arange(count)) * noise
    return [(float(a), float(b)) for a, b in z]


def scheduled_values(opt, scheduler) -> tuple:
    """(lr, momentum, betas) for the coming step from a scheduler's ``lr`` and optional ``momentum``."""
    momentum = getattr(scheduler, "momentum", None)
    if momentum is None:
        return opt.step_values(scheduler.lr)
    if isinstance(momentum, (tuple, list, np.ndarray)):
        return opt.step_values(scheduler.lr, betas=(momentum[0], momentum[1]))
    return opt.step_values(scheduler.lr, momentum=momentum)


class _Path:
    """One start point traced on Python floats (see :mod:`optim_core.backend` for why), resumable.

    ``advance(n)`` takes up to n more steps. Points 0..len(xs)-1 are known; losses are known for the first
    len(fs) of them (a point's loss is computed when the next step starts, or by ``finish()``).
    """

    def __init__(self, opt, surf: Surface, x: float, y: float, steps: int, noise: float, seed, row: int,
                 bound: float, record: bool = False, scheduler=None):
        self.planned = scheduler if isinstance(scheduler, PlannedSchedule) else None
        if self.planned is not None and (record or not opt.elementwise):
            scheduler, self.planned = self.planned.replay(), None  # stepped as a scheduler, read from the plan
        elif self.planned is not None:
            scheduler = None  # the plan's values go in as constant hyperparameters' do: no scheduler in the loop
        self.opt, self.surf, self.steps, self.bound, self.scheduler = opt, surf, steps, bound, scheduler
        self.xs, self.ys, self.fs = [x], [y], []
        self.evals: list | None = None
        self.inner: list | None = None
        self.t = 0  # steps taken
        self.diverged_at: int | None = None
        self.done = False
        self.recorder: Recorder | None = None
        if scheduler is not None:
            scheduled_values(opt, scheduler)  # a value this optimizer cannot take is an error, not a divergence
        # torch creates the state at the first step, with the lr the scheduler has set by then
        lr0 = opt.lr if scheduler is None else scheduler.lr
        if self.planned is not None:
            lr0 = self.planned.plan.lr[0]
        if opt.elementwise:
            self._update = opt.kernel(FLOAT)
            self._kicks = _noise_table(noise, seed, row, steps)
            self._state = (opt.state0(x, FLOAT, lr0), opt.state0(y, FLOAT, lr0))
            # constant hyperparameters: every step's scalars ahead; with a scheduler, step by step from these
            self._schedule = opt.schedule(steps, self._state[0]) if scheduler is None and not self.planned else None
            if self.planned is not None:
                self._schedule = list(opt.scalar_steps(self._state[0], iter(self.planned.values)))
            if scheduler is not None:
                self._values = [opt.step_values()]  # the coming step's values, set by the loop
                self._scalars = opt.scalar_steps(self._state[0], iter(lambda: self._values[0], None))
            start = self._state
        else:
            self.evals, self.inner = [], []
            self._state = opt.init((x, y))
            self._closure = _noisy_closure(surf, noise, seed, row)
            start = LBFGS_START
        if record or scheduler is not None:
            self.recorder = Recorder(opt, start)
        self._record_state = record
        if not (abs(x) <= bound and abs(y) <= bound):
            self._stop(0)

    def _stop(self, at: int | None) -> None:
        self.diverged_at = at
        self.done = True
        if at is not None:  # keep only points with a finite loss before the bad one
            del self.xs[at:], self.ys[at:], self.fs[at:]
            if self.evals is not None:
                del self.evals[max(0, at - 1):], self.inner[max(0, at - 1):]

    def advance(self, n: int) -> None:
        if self.done:
            return
        end = min(self.steps, self.t + n)
        try:
            if self.opt.elementwise:
                self._advance_elementwise(end)
            else:
                self._advance_lbfgs(end)
            if self.t == self.steps and not self.done:
                f = self.surf.fn(self.xs[-1], self.ys[-1], FLOAT)
                if not abs(f) < math.inf:
                    self._stop(self.steps)
                    return
                self.fs.append(f)
                self.done = True
        except FLOAT_ERRORS:
            # The first point whose evaluation or update left the reals is the one after the last good loss.
            self._stop(len(self.fs))

    def _advance_elementwise(self, end: int) -> None:
        fg, update, schedule, kicks, bound = self.surf.fg, self._update, self._schedule, self._kicks, self.bound
        scheduler, recorder, opt = self.scheduler, self.recorder, self.opt
        watched = scheduler is not None or recorder is not None  # one test per step on the plain path
        values = opt.step_values()
        xs, ys, fs = self.xs, self.ys, self.fs
        append_x, append_y, append_f = xs.append, ys.append, fs.append
        x, y = xs[-1], ys[-1]
        sx, sy = self._state
        inf = math.inf
        try:
            for t in range(self.t, end):
                f, gx, gy = fg(x, y, FLOAT)
                if not abs(f) < inf:
                    self._stop(t)
                    return
                append_f(f)
                if kicks is not None:
                    kx, ky = kicks[t]
                    gx += kx
                    gy += ky
                if schedule is not None:
                    k = schedule[t]
                else:
                    values = self._values[0] = scheduled_values(opt, scheduler)
                    k = next(self._scalars)
                x1, sx = update(x, gx, sx, k)
                y1, sy = update(y, gy, sy, k)
                if watched:
                    if scheduler is not None:
                        scheduler.step(f)
                    if recorder is not None:
                        recorder.add((sx, sy), (gx, gy), (x1 - x, y1 - y), values)
                x, y = x1, y1
                if not (abs(x) <= bound and abs(y) <= bound):
                    self._stop(t + 1)
                    return
                append_x(x)
                append_y(y)
            self.t = end
        finally:
            self._state = (sx, sy)

    def _advance_lbfgs(self, end: int) -> None:
        fn, opt, state, closure, bound = self.surf.fn, self.opt, self._state, self._closure, self.bound
        scheduler, recorder = self.scheduler, self.recorder
        xs, ys, fs, evals = self.xs, self.ys, self.fs, self.evals
        x, y = xs[-1], ys[-1]
        for t in range(self.t, end):
            f = fn(x, y, FLOAT)
            if not abs(f) < math.inf:
                self._stop(t)
                return
            fs.append(f)
            points: list = []
            grads: list = []

            def objective(v, points=points, grads=grads):
                points.append(v)
                f_, gx, gy = closure(v[0], v[1])
                if not grads:
                    grads.append((gx, gy))  # what the step received where it started
                return float(f_), (gx, gy)

            lr = None if scheduler is None else scheduler.lr
            x1, y1 = opt.advance(state, (x, y), objective, PAIR, lr)
            evals.append(points)
            self.inner.append(state.iterates)
            self.t = t + 1
            if scheduler is not None:
                scheduler.step(f)
            if recorder is not None:
                recorder.add(lbfgs_snapshot(state), grads[0], (x1 - x, y1 - y), opt.step_values(lr))
            x, y = x1, y1
            if not (abs(x) <= bound and abs(y) <= bound):
                self._stop(t + 1)
                return
            xs.append(x)
            ys.append(y)

    def recorded(self, lo: int, hi: int, rows: int | None = None) -> dict:
        """The recorded rows lo..hi-1 that are before any divergence, as Trajectory/Segment fields."""
        if self.recorder is None:  # a planned schedule: its lr and momentum, up to the last known loss
            return self.planned.window(lo, min(hi, len(self.fs)), rows)
        rec = self.recorder.window(lo, min(hi, len(self.fs)), rows)
        if not self._record_state:  # a scheduler alone keeps lr and momentum only
            rec["state"] = rec["grad"] = rec["update"] = None
        return rec

    def arrays(self):
        """xy (steps+1, 2) and loss (steps+1,), NaN from diverged_at on; evals as arrays per step."""
        n = self.steps + 1
        xy = np.full((n, 2), np.nan)
        loss = np.full(n, np.nan)
        k = len(self.fs)
        xy[:k, 0] = self.xs[:k]
        xy[:k, 1] = self.ys[:k]
        loss[:k] = self.fs
        if self.evals is None:
            return xy, loss, None, None

        def arrays(lists):
            return [np.array(e, dtype=np.float64).reshape(-1, 2) for e in lists]

        return xy, loss, arrays(self.evals), arrays(self.inner)


def _noisy_closure(surf: Surface, noise: float, seed, row: int):
    """The objective as L-BFGS's closure sees it; with noise, each evaluation draws the next noise pair."""
    fg = surf.fg
    if noise <= 0:
        return lambda px, py: fg(px, py, FLOAT)
    table: list = []
    counter = [0]

    def closure(px, py):
        f, gx, gy = fg(px, py, FLOAT)
        i = counter[0]
        if i >= len(table):  # noise in blocks, addressed by the running evaluation count
            z = gaussian(seed, row, np.arange(len(table), len(table) + 256)) * noise
            table.extend((float(a), float(b)) for a, b in z)
        counter[0] += 1
        return f, gx + table[i][0], gy + table[i][1]

    return closure


@dataclass
class Segment:
    """A piece of a trajectory as it is computed: points ``offset`` .. ``offset + len(xy) - 1``.

    ``evals[i]`` are the points L-BFGS evaluated in the step that ended at point ``offset + i`` (empty for point
    0); None for other optimizers. The last segment has ``done=True`` and the final status.

    ``state``, ``grad``, ``update``, ``lr`` and ``momentum`` are the same rows of what :class:`Trajectory`
    records (see there), when ``iter_run`` records them; None otherwise.
    """

    offset: int
    xy: np.ndarray
    loss: np.ndarray
    done: bool
    status: str
    diverged_at: int | None
    evals: list | None = None
    state: dict[str, np.ndarray] | None = None
    grad: np.ndarray | None = None
    update: np.ndarray | None = None
    lr: np.ndarray | None = None
    momentum: np.ndarray | None = None


def iter_run(optimizer, surface, start, steps: int, *, chunk: int = 500, noise: float = 0.0,
             seed: int | None = None, record_state: bool = False, scheduler=None, **hyperparameters):
    """Like :func:`run` for one start point, but yields :class:`Segment` s of about ``chunk`` steps as they are
    computed. Concatenated, the segments' points (and recorded values) equal ``run(...)``'s up to
    ``diverged_at``, bit for bit."""
    opt, surf, steps, noise, seed, bound = _prepare(optimizer, surface, steps, noise, seed, hyperparameters)
    scheduler = resolve_scheduler(scheduler, opt, steps, planned=True)
    p = _start_point(start)
    path = _Path(opt, surf, p[0], p[1], steps, noise, seed, 0, bound, record_state, scheduler)
    sent = 0
    while True:
        path.advance(chunk)
        ready = len(path.fs)  # points whose loss is known
        xy = np.column_stack([path.xs[sent:ready], path.ys[sent:ready]]) if ready > sent else np.empty((0, 2))
        evals = None
        if path.evals is not None:
            evals = [np.array(path.evals[i - 1], dtype=np.float64).reshape(-1, 2) if i > 0 else np.empty((0, 2))
                     for i in range(sent, ready)]
        recorded = path.recorded(sent, ready) if path.recorder or path.planned else {}
        seg = Segment(sent, xy, np.array(path.fs[sent:ready], dtype=np.float64), path.done,
                      "ok" if path.diverged_at is None else "diverged", path.diverged_at, evals, **recorded)
        sent = ready
        yield seg
        if path.done:
            return
