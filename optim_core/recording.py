"""What ``run(..., record_state=True)`` keeps per step, and how it becomes arrays by torch's state keys.

Row t of every array is the value after step t; row 0 is the state before the first step (what torch's
``_init_group`` would create, NaN for what it creates from the first gradient, such as SGD's momentum_buffer and
L-BFGS's d and t), and NaN for the gradient, the update and the lr. Rows from a divergence on are NaN.
"""

from __future__ import annotations

import math

import numpy as np


def momentum_value(opt, values) -> float:
    """The momentum (SGD, RMSprop) or beta1 (the Adam family) in effect, from ``opt.step_values()``."""
    if "betas" in opt.SCHEDULABLE:
        return values[2][0]
    if "momentum" in opt.SCHEDULABLE:
        return values[1]
    return math.nan


class Recorder:
    """Per-step records of one 2-D path: the state of each coordinate, the gradient, Δθ, lr and momentum."""

    def __init__(self, opt, state0):
        self.opt = opt
        self.elementwise = opt.elementwise
        self.states = [state0]  # per row: (state of x, state of y), or L-BFGS's (d, t, n_iter, func_evals)
        self.grads: list = [(math.nan, math.nan)]
        self.updates: list = [(math.nan, math.nan)]
        self.lrs: list = [math.nan]
        self.momenta: list = [math.nan]
        self.has_momentum = "momentum" in opt.SCHEDULABLE or "betas" in opt.SCHEDULABLE

    def add(self, state, grad, update, values) -> None:
        self.states.append(state)
        self.grads.append(grad)
        self.updates.append(update)
        self.lrs.append(values[0])
        self.momenta.append(momentum_value(self.opt, values))

    def window(self, lo: int, hi: int, rows: int | None = None) -> dict:
        """Rows lo..hi-1 as arrays (``rows`` pads with NaN to that many): state, grad, update, lr, momentum."""
        hi = min(hi, len(self.states))
        n = max(0, hi - lo) if rows is None else rows
        out = {"state": self._state(lo, hi, n)}
        for name, values, width in (("grad", self.grads, 2), ("update", self.updates, 2), ("lr", self.lrs, 1),
                                    ("momentum", self.momenta, 1)):
            arr = np.full((n, 2) if width == 2 else n, np.nan)
            if hi > lo:
                arr[: hi - lo] = values[lo:hi]
            out[name] = arr
        if not self.has_momentum:
            out["momentum"] = None
        return out

    def _state(self, lo: int, hi: int, n: int) -> dict:
        if not self.elementwise:
            return self._lbfgs_state(lo, hi, n)
        keys: dict[str, None] = {}
        for sx, _ in self.states:  # torch's keys in the order torch creates them
            keys.update(dict.fromkeys(type(sx)._fields))
        scalars = self.opt.TENSOR_SCALARS
        out = {}
        for key in keys:
            if key in scalars:
                arr = np.full(n, np.nan)
                for i in range(lo, hi):
                    arr[i - lo] = _value(getattr(self.states[i][0], key, None))
            else:
                arr = np.full((n, 2), np.nan)
                for i in range(lo, hi):
                    sx, sy = self.states[i]
                    arr[i - lo] = _value(getattr(sx, key, None)), _value(getattr(sy, key, None))
            out[key] = arr
        return out

    def _lbfgs_state(self, lo: int, hi: int, n: int) -> dict:
        out = {key: np.full((n, 2) if key in LBFGS_VECTORS else n, np.nan) for key in LBFGS_KEYS}
        for i in range(lo, hi):
            for key, value in zip(LBFGS_KEYS, self.states[i], strict=True):
                if value is not None:
                    out[key][i - lo] = value
        return out


def _value(v) -> float:
    return math.nan if v is None else float(v)


# torch's L-BFGS keys that are numbers or vectors (its history lists old_dirs, old_stps, ro and al are not kept).
LBFGS_KEYS = ("func_evals", "n_iter", "d", "t", "H_diag", "prev_flat_grad", "prev_loss")
LBFGS_VECTORS = ("d", "prev_flat_grad")
LBFGS_START = (0, 0, None, None, None, None, None)


def lbfgs_snapshot(state) -> tuple:
    """L-BFGS's recorded keys after a step; torch sets all but the counts at the end of its first iteration."""
    if state.d is None:  # every step so far returned at once (the gradient was already small enough)
        return (state.func_evals, state.n_iter) + LBFGS_START[2:]
    return (state.func_evals, state.n_iter, state.d, float(state.t), float(state.H_diag), state.prev_flat_grad,
            state.prev_loss)
