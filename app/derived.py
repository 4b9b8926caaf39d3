"""The algorithm boxes' ``derived`` quantities per step, from the values a run records.

torch computes these inside a step and keeps none of them (m̂, v̂, the denominator, Adagrad's decayed lr...), so
the recording has none either; the inspector shows them beside the box's lines. Each is written here the way
torch 2.13's single-tensor code computes it, from the state after step t, the gradient the step received, the lr
and momentum (beta1) in effect and the point the step started from, with NumPy's correctly rounded sqrt and
division, in torch's order of operations (Adam's ``denom`` is sqrt(v) / sqrt(1 − β₂ᵗ) + ε, as torch forms it; it
is not compared with torch's intermediate, which torch does not expose). m̂ and v̂, which torch's code never
forms (it folds 1/(1 − β₁ᵗ) into the step size), are the box's definitions.
``beta1 ** t`` is NumPy's power, as torch's Python-float ``beta1 ** step`` is.

Everything here is elementwise in the row, given the row before it (for θ_{t−1} and Adadelta's u_{t−1}), so a
run computed window by window (:class:`Deriver`) gives the same numbers as one computed whole.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class Deriver:
    """Derived quantities of one run, fed its recorded windows in order (see :meth:`window`)."""

    def __init__(self, optimizer: Any):
        self.name = optimizer.SPEC.name
        self.hp = optimizer.hyperparameters()
        self.prev_xy: np.ndarray | None = None  # the last point of the previous window
        self.prev_state: dict[str, np.ndarray] = {}

    def window(self, xy: np.ndarray, state: dict[str, np.ndarray], grad: np.ndarray, lr: np.ndarray,
               momentum: np.ndarray | None) -> dict[str, np.ndarray]:
        """Rows of ``xy`` (the points, row t after step t) and the recorded values of the same rows."""
        n = len(xy)
        if n == 0:
            return {}
        before = np.full((n, 2), np.nan)  # θ_{t−1}: where step t started
        before[1:] = xy[:-1]
        if self.prev_xy is not None:
            before[0] = self.prev_xy
        prev = {k: _shift(v, self.prev_state.get(k)) for k, v in state.items()}
        self.prev_xy = xy[-1]
        self.prev_state = {k: v[-1] for k, v in state.items()}
        with np.errstate(all="ignore"):
            out = _derive(self.name, self.hp, before, state, prev, grad, lr, momentum)
        return {k: np.asarray(v, dtype=np.float64) for k, v in out.items()}


def _shift(v: np.ndarray, last: np.ndarray | None) -> np.ndarray:
    out = np.full(v.shape, np.nan)
    out[1:] = v[:-1]
    if last is not None:
        out[0] = last
    return out


def _col(a: np.ndarray) -> np.ndarray:
    """A per-row scalar as a column, to broadcast against (n, 2)."""
    return np.asarray(a, dtype=np.float64)[:, None]


def _derive(name: str, hp: dict, before, state, prev, grad, lr, momentum) -> dict[str, Any]:
    g = -grad if hp.get("maximize") else grad
    wd = float(hp.get("weight_decay", 0.0) or 0.0)
    out: dict[str, Any] = {}
    decoupled = name == "adamw" or hp.get("decoupled_weight_decay", False)
    if wd != 0 and name not in ("rprop", "lbfgs", "sparseadam"):
        if decoupled:
            out["decayed_params"] = before * (1 - _col(lr) * wd)
        else:
            g = g + wd * before
            out["decayed_grad"] = g
    step = state.get("step")
    t = None if step is None else _col(step)
    if name == "sgd" and hp.get("nesterov") and "momentum_buffer" in state:
        out["nesterov_grad"] = g + _col(momentum) * state["momentum_buffer"]
    elif name == "asgd" and hp.get("lambd", 0) != 0:
        out["decayed_params"] = before * (1 - float(hp["lambd"]) * prev["eta"][:, None])
    elif name == "adagrad":
        out["clr"] = lr / (1 + (step - 1) * float(hp["lr_decay"]))
        out["denom"] = np.sqrt(state["sum"]) + float(hp["eps"])
    elif name == "adadelta":
        eps = float(hp["eps"])
        out["delta"] = np.sqrt(prev["acc_delta"] + eps) / np.sqrt(state["square_avg"] + eps) * g
    elif name == "rmsprop":
        avg = state["square_avg"]
        if hp.get("centered"):
            avg = avg - state["grad_avg"] * state["grad_avg"]
            out["centered_square_avg"] = avg
        out["denom"] = np.sqrt(avg) + float(hp["eps"])
    elif name in ("adam", "adamw", "nadam", "radam", "adamax", "sparseadam") and t is not None:
        beta1 = _col(momentum)
        beta2 = float(hp["betas"][1])
        eps = float(hp["eps"])
        bc1, bc2 = 1 - beta1 ** t, 1 - beta2 ** t
        if name == "adamax":
            out["clr"] = (lr / bc1[:, 0])
        elif name == "sparseadam":
            out["active"] = (g != 0).astype(np.float64)
            out["denom"] = np.sqrt(state["exp_avg_sq"]) + eps
        elif name == "nadam":
            psi = float(hp["momentum_decay"])
            out["mu"] = (beta1 * (1 - 0.5 * 0.96 ** (t * psi)))[:, 0]
            out["mu_next"] = (beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi)))[:, 0]
            out["bias_corrected_exp_avg_sq"] = state["exp_avg_sq"] / bc2
            out["denom"] = np.sqrt(out["bias_corrected_exp_avg_sq"]) + eps
        elif name == "radam":
            rho_inf = 2 / (1 - beta2) - 1
            rho_t = rho_inf - 2 * t * beta2 ** t / bc2
            out["bias_corrected_exp_avg"] = state["exp_avg"] / bc1
            out["rho_inf"] = np.full(len(before), rho_inf)
            out["rho_t"] = rho_t[:, 0]
            on = rho_t > 5
            out["rect"] = np.where(on, np.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                                               / ((rho_inf - 4) * (rho_inf - 2) * rho_t)), np.nan)[:, 0]
            out["adaptive_lr"] = np.where(on, np.sqrt(bc2) / (np.sqrt(state["exp_avg_sq"]) + eps), np.nan)
        else:
            v = state["max_exp_avg_sq"] if hp.get("amsgrad") else state["exp_avg_sq"]
            out["bias_corrected_exp_avg"] = state["exp_avg"] / bc1
            out["bias_corrected_exp_avg_sq"] = v / bc2
            out["denom"] = np.sqrt(v) / np.sqrt(bc2) + eps  # torch: (v.sqrt() / sqrt(bc2)).add_(eps)
    return out
