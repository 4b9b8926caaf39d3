"""``train()``: an optimizer trains a small model on a data set, step by step, as torch's training loop would.

Each step is torch's ``optimizer.zero_grad(); loss_fn(model(X[batch]), y[batch]).backward(); optimizer.step()``,
with the optimizer applied to the whole parameter vector through the one protocol of optim_core:
``opt.init(params)`` and ``opt.step(params, grad, state, *, objective=None)``. L-BFGS gets ``objective``, a closure
on the full batch returning (loss, grad), as torch's ``optimizer.step(closure)`` does.

Parity with torch is to ~1e-10 relative, not to the bit: the matrix products sum in another order than torch's BLAS.
L-BFGS on an MLP amplifies those last bits by ~2x per step (its line searches on a non-convex loss), so after a few
dozen steps ours and torch's differ by more than 1e-10, as torch's own run does from weights moved by one ulp; the
closure counts agree until then (scripts/check_lbfgs_drift.py, docs/api.md).
"""

from __future__ import annotations

import functools
import inspect
import math
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from threadpoolctl import ThreadpoolController

from ..trajectory import resolve_optimizer, resolve_scheduler, scheduled_values
from .data import DATASETS, FEATURES_RANGE, N_RANGE, SEED_RANGE
from .nets import HIDDEN_LAYERS_RANGE, MODELS, Network, accuracy
from .options import check_int, check_options

EPOCHS_RANGE = (1, 10_000)
MAX_STEPS = 100_000  # optimizer steps in one training run: epochs * ceil(n / batch_size)
# steps * n: every step also records the full-batch loss, so this bounds the run's time (~20 s for the largest MLP)
MAX_STEP_SAMPLES = 10_000_000
PARAMS_KEPT_MAX = 1_000_000  # values kept in Training.params (rows x P); beyond that, rows are subsampled


@dataclass
class Training:
    """One training run. ``steps`` = ``epochs * steps_per_epoch``; step t+1 moves ``params`` row t to row t+1.

    - ``X`` (n, features), ``y`` (n,): the data used.
    - ``params`` (rows, P) and ``param_steps`` (rows,): the parameter vector after each step in ``param_steps``.
      Row 0 is the initial weights (step 0). All steps 0..steps are kept unless (steps+1) * P would exceed
      :data:`PARAMS_KEPT_MAX`; then every k-th step is kept (k the smallest stride that fits) plus the last one.
    - ``loss`` (steps+1,): the full-batch loss at every step, never subsampled; ``accuracy`` (steps+1,) likewise for
      classifiers (None for regression).
    - ``batch_loss`` (steps,): the minibatch loss that step t+1 was computed from (the full-batch loss at row t when
      ``batch_size`` is None).
    - ``order`` (epochs, n): the permutation of the samples in each epoch; batches are consecutive slices of it.
      Full batch uses the samples in their own order (0..n-1) every epoch (a read-only broadcast view).
    - ``lr`` (steps+1,): with a scheduler, the lr step t used in row t (row 0 NaN), as ``Trajectory.lr``; and
      ``momentum`` likewise where the scheduler cycles momentum or beta1 (the betas pair's first element). None
      without a scheduler.
    - ``status``: "ok" or "diverged"; from ``diverged_at`` (the first step whose loss is not finite) on, losses,
      accuracies and parameter rows are NaN, as for :class:`optim_core.trajectory.Trajectory`.
    """

    model: str
    model_options: dict[str, Any]
    data: str
    data_options: dict[str, Any]
    optimizer: str
    hyperparameters: dict[str, Any]
    epochs: int
    batch_size: int | None
    seed: int
    X: np.ndarray = field(repr=False)
    y: np.ndarray = field(repr=False)
    params: np.ndarray = field(repr=False)
    param_steps: np.ndarray = field(repr=False)
    loss: np.ndarray = field(repr=False)
    batch_loss: np.ndarray = field(repr=False)
    order: np.ndarray = field(repr=False)
    accuracy: np.ndarray | None = field(repr=False)
    parameter_names: list[tuple[str, tuple[int, ...]]] = field(repr=False)
    status: str = "ok"
    diverged_at: int | None = None
    lr: np.ndarray | None = field(default=None, repr=False)
    momentum: np.ndarray | None = field(default=None, repr=False)

    @property
    def steps(self) -> int:
        return len(self.batch_loss)

    @property
    def steps_per_epoch(self) -> int:
        return self.steps // self.epochs

    @property
    def n_params(self) -> int:
        return self.params.shape[1]


def _named(value: Any, what: str, names) -> tuple[str, Any]:
    """A name, or a (name, options) pair, as (name, options)."""
    if isinstance(value, str):
        name, options = value, {}
    elif isinstance(value, (tuple, list)) and len(value) == 2 and isinstance(value[0], str):
        name, options = value
    else:
        raise ValueError(f"Invalid {what} value: {value!r} ({what} must be a name or a (name, options) pair; "
                         f"names: {', '.join(names)})")
    if name not in names:
        raise ValueError(f"Unknown {what} {name!r}; choose one of: {', '.join(names)}")
    return name, options


def make_data(data: Any) -> tuple[np.ndarray, np.ndarray, str, dict[str, Any]]:
    """(X, y, name, options) from a data set name, a (name, options) pair, or arrays (X, y)."""
    if isinstance(data, str) or (isinstance(data, (tuple, list)) and len(data) == 2 and isinstance(data[0], str)):
        name, options = _named(data, "data", DATASETS)
        spec = DATASETS[name]
        options = check_options(name, spec.options, options)
        X, y = spec.make(**options)
        return X, y, name, options
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise ValueError(f"Invalid data value: {type(data).__name__} (data must be a data set name, a (name, "
                         "options) pair, or arrays (X, y))")
    try:
        X = np.array(data[0], dtype=np.float64)
        y = np.array(data[1], dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError("Invalid data arrays: X and y must be arrays of numbers") from None
    if X.ndim == 1:
        X = X[:, None]  # one feature
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if X.ndim != 2 or y.ndim != 1 or len(y) != len(X):
        raise ValueError(f"Invalid data shapes: X {X.shape}, y {y.shape} (X must be (n, features) and y (n,))")
    check_int("n", len(X), *N_RANGE)
    check_int("features", X.shape[1], *FEATURES_RANGE)
    if not (np.isfinite(X).all() and np.isfinite(y).all()):
        raise ValueError("Invalid data arrays: every value of X and y must be finite")
    return X, y, "arrays", {}


def make_model(model: Any, features: int) -> tuple[Network, str, dict[str, Any]]:
    """(network, name, options) for a model name or (name, options) pair, on data with ``features`` inputs."""
    name, options = _named(model, "model", MODELS)
    spec = MODELS[name]
    options = check_options(name, spec.options, options, hidden=HIDDEN_LAYERS_RANGE)
    return spec.build(options, features), name, options


def takes_objective(opt) -> bool:
    """Whether ``opt.step`` takes the ``objective`` keyword of optim_core's one protocol (L-BFGS on P-vectors)."""
    return "objective" in inspect.signature(opt.step).parameters


def train(model, data, optimizer, epochs: int, *, batch_size: int | None = None, seed: int = 0, scheduler=None,
          **hyperparameters) -> Training:
    """Train ``model`` on ``data`` with ``optimizer`` for ``epochs`` epochs; see :class:`Training`.

    ``model``: a name from :data:`MODELS` or (name, options), e.g. ``("mlp", {"hidden": [16, 16]})``.
    ``data``: a name from :data:`DATASETS`, (name, options) e.g. ``("moons", {"n": 200, "noise": 0.1})``, or arrays
    ``(X, y)``. ``optimizer``: a name from ``OPTIMIZERS`` (torch's class names work too) with its hyperparameters as
    keywords, or an optimizer object. ``batch_size``: None for full batch, else minibatches of that size (the last
    one of an epoch may be smaller, as torch's DataLoader gives it). ``seed`` draws the initial weights
    (``np.random.default_rng(seed)``, see :meth:`Network.init_params`) and, from an independent stream
    (``SeedSequence(seed, spawn_key=(1,))``), the per-epoch shuffles. L-BFGS takes the full batch only.
    ``scheduler``: torch's lr scheduler as a spec, e.g. ``("OneCycleLR", {"max_lr": 0.05, "total_steps": 500})``
    (see :data:`optim_core.SCHEDULERS`), stepped once after every optimizer step, as :func:`optim_core.run` does
    (``opt.step(); sched.step(loss)``, with the minibatch loss that step was computed from, which is what
    ReduceLROnPlateau watches). A per-epoch schedule is the same spec with its periods counted in steps.

    >>> tr = train(("mlp", {"hidden": [8]}), ("moons", {"n": 100}), "adam", 5, batch_size=25, lr=0.01)
    >>> tr.params.shape, tr.loss.shape, tr.batch_loss.shape, tr.order.shape
    ((21, 33), (21,), (20,), (5, 100))
    """
    return Trainer(model, data, optimizer, epochs, batch_size=batch_size, seed=seed, scheduler=scheduler,
                   **hyperparameters).finish()


class Trainer:
    """:func:`train` a slice at a time, for the service: it validates and sets up on construction, then
    :meth:`advance` runs whole epochs, and the partly filled ``loss``, ``batch_loss`` and ``accuracy`` can be read
    up to :attr:`t` (the steps done) in between. :meth:`finish` gives the :class:`Training`, the same numbers as
    ``train()`` with the same arguments (``train`` is this class run to the end).
    """

    def __init__(self, model, data, optimizer, epochs: int, *, batch_size: int | None = None, seed: int = 0,
                 scheduler=None, **hyperparameters):
        X, y, data_name, data_options = make_data(data)
        net, model_name, model_options = make_model(model, X.shape[1])
        if net.classifier and not np.isin(y, (0.0, 1.0)).all():
            raise ValueError(f"Invalid data for {model_name}: labels y must be 0 or 1 (a classifier)")
        opt = resolve_optimizer(optimizer, hyperparameters)
        n = len(X)
        epochs = check_int("epochs", epochs, *EPOCHS_RANGE)
        seed = check_int("seed", seed, *SEED_RANGE)
        if batch_size is not None:
            batch_size = check_int("batch_size", batch_size, 1, n)
            if not opt.elementwise:
                raise ValueError(f"Invalid batch_size value: {batch_size} (batch_size must be None for "
                                 f"{opt.SPEC.name}: it evaluates its closure on the full batch)")
        steps_per_epoch = 1 if batch_size is None else -(-n // batch_size)
        steps = epochs * steps_per_epoch
        if steps > MAX_STEPS:
            raise ValueError(f"Invalid epochs value: {epochs} (epochs * ceil(n / batch_size) = {steps} optimizer "
                             f"steps; it must be at most {MAX_STEPS})")
        if steps * n > MAX_STEP_SAMPLES:
            raise ValueError(f"Invalid epochs value: {epochs} (steps * n = {steps} * {n} = {steps * n} samples for "
                             f"the full-batch loss at every step; it must be at most {MAX_STEP_SAMPLES})")
        if not opt.elementwise and not takes_objective(opt):
            # Until the core's L-BFGS takes parameter vectors of any length through step(..., objective=).
            raise NotImplementedError(f"{opt.SPEC.name} cannot train a model yet: its step() takes no objective")

        scheduler = resolve_scheduler(scheduler, opt, steps)
        if scheduler is not None:
            scheduled_values(opt, scheduler)  # a value this optimizer cannot take is an error before any step
        p = net.init_params(seed)
        if batch_size is None:
            order = np.broadcast_to(np.arange(n), (epochs, n))  # a read-only view: no memory for epochs * n
        else:
            rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1,)))
            order = np.stack([rng.permutation(n) for _ in range(epochs)])

        self.net, self.X, self.y, self.opt, self.order = net, X, y, opt, order
        self._names = (model_name, model_options, data_name, data_options)
        self.epochs, self.batch_size, self.seed = epochs, batch_size, seed
        self.rows = _kept_steps(steps, net.n_params)
        self.params = np.empty((len(self.rows), net.n_params))
        self.loss = np.full(steps + 1, np.nan)
        self.batch_loss = np.full(steps, np.nan)
        self.accuracy = np.full(steps + 1, np.nan) if net.classifier else None
        self.params[0] = p
        # with a scheduler, filled as the loop goes and readable up to t like loss (momentum: NaN where the
        # scheduler wrote none; the Training's is None if it never did)
        self.lr = None if scheduler is None else np.full(steps + 1, np.nan)
        self.momentum = None if scheduler is None else np.full(steps + 1, np.nan)
        self.t = 0  # optimizer steps done
        self.done = False
        self._started = False  # the loop computes loss[0] when it first runs
        self._result = None
        self._epochs = _loop(net, opt, X, y, p, order, batch_size, steps_per_epoch, self.params, self.rows,
                             self.loss, self.batch_loss, self.accuracy, scheduler, self.lr, self.momentum)

    @property
    def steps(self) -> int:
        return len(self.batch_loss)

    def recorded(self) -> int:
        """How many entries of ``loss`` (and ``accuracy``) are final: rows 0..t once an epoch's last loss is in."""
        if not self._started:
            return 0
        return self.steps + 1 if self.done else self.t + 1 if self.batch_size is not None else self.t

    def advance(self, epochs: int = 1) -> bool:
        """Run up to ``epochs`` more epochs; True once training is over (all epochs, or diverged)."""
        with one_blas_thread(), np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            self._started = True
            for _ in range(epochs):
                try:
                    self.t = next(self._epochs)
                except StopIteration as stop:
                    self._end(*stop.value)
                    break
        return self.done

    def _end(self, diverged_at, lr, momentum) -> None:
        self.done = True
        self.t = self.steps
        if diverged_at is not None:
            self.params[self.rows >= diverged_at] = np.nan
        model_name, model_options, data_name, data_options = self._names
        self._result = Training(
            model_name, model_options, data_name, data_options, self.opt.SPEC.name, self.opt.hyperparameters(),
            self.epochs, self.batch_size, self.seed, self.X, self.y, self.params, self.rows, self.loss,
            self.batch_loss, self.order, self.accuracy, self.net.parameter_names(),
            "ok" if diverged_at is None else "diverged", diverged_at, lr, momentum)

    def finish(self) -> Training:
        """Train to the end and return the :class:`Training`."""
        while not self.done:
            self.advance(max(1, self.epochs))
        return self._result


_blas_lock = threading.Lock()
_blas_users = 0
_blas_limit = None


@functools.cache
def _controller() -> ThreadpoolController:
    return ThreadpoolController()  # scans the loaded BLAS libraries once (~0.3 ms); limiting is then ~20 us


@contextmanager
def one_blas_thread():
    """BLAS on one thread while any training runs: these matrices are tiny, and OpenBLAS's threads, spinning on a
    busy machine, made a 2000 x 32 product 30x slower (measured: 10 ms against 0.3 ms). Counted, so runs in
    concurrent threads restore the original setting only when the last one ends."""
    global _blas_users, _blas_limit
    with _blas_lock:
        if _blas_users == 0:
            _blas_limit = _controller().limit(limits=1, user_api="blas")
        _blas_users += 1
    try:
        yield
    finally:
        with _blas_lock:
            _blas_users -= 1
            if _blas_users == 0:
                _blas_limit.restore_original_limits()
                _blas_limit = None


def _kept_steps(steps: int, n_params: int) -> np.ndarray:
    stride = max(1, math.ceil((steps + 1) * n_params / PARAMS_KEPT_MAX))
    kept = np.arange(0, steps + 1, stride)
    return kept if kept[-1] == steps else np.append(kept, steps)


def _loop(net, opt, X, y, p, order, batch_size, steps_per_epoch, params, rows, loss, batch_loss, acc, scheduler,
          lrs, moms):
    """The training loop, a generator: fills the arrays in place (``lrs``, ``moms``: None without a scheduler),
    yields the steps done after each epoch, and returns (the step where the loss left the reals or None, the
    scheduled lr per step or None, the scheduled momentum or beta1 per step or None)."""
    values = {}
    diverged = yield from _steps(net, opt, X, y, p, order, batch_size, steps_per_epoch, params, rows, loss,
                                 batch_loss, acc, scheduler, lrs, moms, values)
    if moms is not None and np.isnan(moms[1:]).all():
        moms = None
    return diverged, lrs, moms


def _steps(net, opt, X, y, p, order, batch_size, steps_per_epoch, params, rows, loss, batch_loss, acc, scheduler,
           lrs, moms, values):
    full = batch_size is None
    state = opt.init(p)
    left_the_reals = []  # the losses the objective met that were not finite

    def objective(q):
        value, gradient, _ = net.loss_grad(q, X, y)
        if not math.isfinite(value):
            left_the_reals.append(value)
        return value, gradient

    next_row = 1  # params[0] already holds step 0
    t = 0
    # no np.errstate here: the generator is resumed in other threads and contexts (the service's worker threads),
    # so Trainer.advance sets it around each resumption instead
    if not full:
        loss[0], out = net.evaluate(p, X, y)
        if acc is not None:
            acc[0] = accuracy(out, y)
    for perm in order:
        for s in range(steps_per_epoch):
            if full:
                value, grad, out = net.loss_grad(p, X, y)
                loss[t] = value
                if acc is not None:
                    acc[t] = accuracy(out, y)
                if not math.isfinite(value):
                    return _diverged(t, loss, acc)
            else:
                batch = perm[s * batch_size:(s + 1) * batch_size]
                value, grad, _ = net.loss_grad(p, X[batch], y[batch])
            batch_loss[t] = value
            if scheduler is not None:  # this step's values, as the scheduler wrote them to param_groups
                values = {"lr": scheduler.lr}
                cycled = getattr(scheduler, "momentum", None)
                if isinstance(cycled, (tuple, list)):
                    values["betas"] = (cycled[0], cycled[1])
                elif cycled is not None:
                    values["momentum"] = cycled
                lrs[t + 1] = scheduler.lr
                moms[t + 1] = np.nan if cycled is None else values.get("betas", (cycled,))[0]
            if opt.elementwise:
                p, state = opt.step(p, grad, state, **values)
            else:
                try:
                    p, state = opt.step(p, grad, state, objective=objective, **values)
                except ValueError:
                    # torch's line search fails on a nan loss (torch raises there too); after a loss that
                    # left the reals, that is this run diverging, as run() counts it. Anything else is a bug.
                    if not left_the_reals:
                        raise
                    return _diverged(t + 1, loss, acc)
            p = np.asarray(p, dtype=np.float64)
            if scheduler is not None:
                scheduler.step(value)  # torch's order: optimizer.step(), then scheduler.step(loss)
            t += 1
            if next_row < len(rows) and rows[next_row] == t:
                params[next_row] = p
                next_row += 1
            if not full:
                loss[t], out = net.evaluate(p, X, y)
                if acc is not None:
                    acc[t] = accuracy(out, y)
                if not math.isfinite(loss[t]):
                    return _diverged(t, loss, acc)
        if t < len(batch_loss):
            yield t
    if full:
        loss[t], out = net.evaluate(p, X, y)
        if acc is not None:
            acc[t] = accuracy(out, y)
        if not math.isfinite(loss[t]):
            return _diverged(t, loss, acc)
    return None


def _diverged(t: int, loss, acc) -> int:
    loss[t:] = np.nan
    if acc is not None:
        acc[t:] = np.nan
    return t
