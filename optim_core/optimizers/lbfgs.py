"""L-BFGS, ported from ``torch.optim.lbfgs`` (including ``_strong_wolfe`` and ``_cubic_interpolate``).

L-BFGS is not elementwise: its two-loop recursion takes dot products and its line search evaluates the
objective. The algorithm is written once, over a vector of P parameters whose operations come from
:mod:`.lbfgs_vectors` (a 2-D point as two Python floats, bit-exact to torch; P parameters as a NumPy array). One
:meth:`LBFGS.step` is one torch ``optimizer.step(closure)``: up to ``max_iter`` inner iterations and ``max_eval``
closure calls. ``p.add_(d, alpha=t)`` is a fused multiply-add in ATen, so it is one here too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..spec import Optimizer, OptimizerSpec, hp, p_lr, require
from .lbfgs_vectors import PAIR, VECTOR


class _Tensor0(float):
    """The value of a torch 0-dim float64 tensor, with torch's scalar arithmetic.

    torch's line search mixes Python floats (losses) and 0-dim tensors (directional derivatives, step lengths).
    The two round alike except in ``float / tensor``, which torch computes as ``tensor.reciprocal() * float``
    (``Tensor.__rtruediv__``). Tracking which values are tensors keeps the line search bit-exact.
    """

    __slots__ = ()

    def __add__(self, o):
        return _Tensor0(float.__add__(self, o))

    __radd__ = __add__

    def __sub__(self, o):
        return _Tensor0(float.__sub__(self, o))

    def __rsub__(self, o):
        return _Tensor0(float.__rsub__(self, o))

    def __mul__(self, o):
        return _Tensor0(float.__mul__(self, o))

    __rmul__ = __mul__

    def __truediv__(self, o):
        return _Tensor0(_divide(float(self), float(o)))

    def __rtruediv__(self, o):
        return _Tensor0(float.__mul__(_divide(1.0, float(self)), o))


def _divide(a: float, b: float) -> float:
    """IEEE division, as a tensor divides: x/0 is ±inf and 0/0 nan, where Python's float division raises. (torch's
    line search divides by a step difference that can be zero, e.g. L-BFGS with strong-Wolfe on the saddle, and
    carries on with inf.)"""
    if b != 0.0:
        return a / b
    if a != a or a == 0.0:
        return math.nan
    return math.copysign(math.inf, a) * math.copysign(1.0, b)

    def __neg__(self):
        return _Tensor0(float.__neg__(self))


def _cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None):
    # The minimizer of the cubic through (x1, f1, g1) and (x2, f2, g2), clipped to bounds (torch's formula).
    if bounds is not None:
        xmin_bound, xmax_bound = bounds
    else:
        xmin_bound, xmax_bound = (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 * d1 - g1 * g2  # d1 is a tensor in torch, and Tensor.pow(2) is d1*d1 (libm pow may differ)
    if d2_square >= 0:
        d2 = math.sqrt(d2_square)
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(min_pos, xmin_bound), xmax_bound)
    return (xmin_bound + xmax_bound) / 2.0


def _strong_wolfe(obj, x, t, d, f, g, gtd, ops, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """torch's strong-Wolfe line search along d from x; vectors in the representation of ``ops``."""
    _dot = ops.dot
    d_norm = ops.abs_max(d)
    f_new, g_new = obj(x, t, d)
    ls_func_evals = 1
    gtd_new = _Tensor0(_dot(g_new, d))

    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    ls_iter = 0
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        # interpolate
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        tmp = t
        t = _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(min_step, max_step))
        t_prev, f_prev, g_prev, gtd_prev = tmp, f_new, g_new, gtd_new
        f_new, g_new = obj(x, t, d)
        ls_func_evals += 1
        gtd_new = _Tensor0(_dot(g_new, d))
        ls_iter += 1

    if ls_iter == max_ls:  # reached max number of iterations
        bracket, bracket_f, bracket_g = [0, t], [f, f_new], [g, g_new]

    # zoom phase: we now have a point satisfying the criteria, or a bracket around it
    insuf_progress = False
    low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1])
        # Guard against steps too close to the bracket's ends (torch's "insufficient progress" rule).
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insuf_progress or t >= max(bracket) or t <= min(bracket):
                t = max(bracket) - eps if abs(t - max(bracket)) < abs(t - min(bracket)) else min(bracket) + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False

        f_new, g_new = obj(x, t, d)
        ls_func_evals += 1
        gtd_new = _Tensor0(_dot(g_new, d))
        ls_iter += 1

        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low_pos]:
            bracket[high_pos], bracket_f[high_pos] = t, f_new
            bracket_g[high_pos], bracket_gtd[high_pos] = g_new, gtd_new
            low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:
                bracket[high_pos] = bracket[low_pos]
                bracket_f[high_pos] = bracket_f[low_pos]
                bracket_g[high_pos] = bracket_g[low_pos]
                bracket_gtd[high_pos] = bracket_gtd[low_pos]
            bracket[low_pos], bracket_f[low_pos], bracket_g[low_pos], bracket_gtd[low_pos] = t, f_new, g_new, gtd_new

    return bracket_f[low_pos], bracket_g[low_pos], bracket[low_pos], ls_func_evals


@dataclass
class LBFGSState:
    """torch's ``optimizer.state`` between ``step()`` calls, by its keys (``d`` is None and ``t`` NaN until the
    first inner iteration sets them, as torch has no such keys before), plus what this port keeps to be fast:
    the Veltkamp halves of the history, and the last direction.

    Vectors are in the representation the step ran with: tuples of two floats for a 2-D point, NumPy arrays
    otherwise (see :mod:`.lbfgs_vectors`). The record is updated in place, as torch's is.
    """

    func_evals: int = 0
    n_iter: int = 0
    d: Any = None
    t: float = math.nan
    old_dirs: list = field(default_factory=list)
    old_stps: list = field(default_factory=list)
    ro: list = field(default_factory=list)
    H_diag: float = 1.0
    prev_flat_grad: Any = None
    prev_loss: float = math.nan
    al: list = field(default_factory=list)
    # Ours, not torch's:
    iterates: list = field(default_factory=list)  # the points after each inner iteration of the last step
    dirs_split: list = field(default_factory=list)
    stps_split: list = field(default_factory=list)
    history_version: int = 0
    last_direction: tuple | None = None  # (history_version, gradient, direction) of the last two-loop


@dataclass(frozen=True)
class LBFGS(Optimizer):
    lr: float = 1.0
    max_iter: int = 20
    max_eval: int | None = None
    tolerance_grad: float = 1e-7
    tolerance_change: float = 1e-9
    history_size: int = 100
    line_search_fn: str | None = None

    elementwise = False
    SPEC = OptimizerSpec(
        name="lbfgs", label="L-BFGS", family="quasi-newton",
        params=(
            p_lr(),
            hp("max_iter", "int", 1, 100, slider=(1, 50),
               en="Inner iterations per step (one step is one optimizer.step(closure)).",
               zh="每一步（一次 optimizer.step(closure)）内的迭代次数上限。"),
            hp("max_eval", "int", 1, 200, slider=(1, 100), nullable=True,
               en="Function evaluations per step; empty means max_iter * 5 // 4.",
               zh="每一步的函数求值次数上限；留空表示 max_iter * 5 // 4。"),
            hp("tolerance_grad", "float", 0.0, 1e3, log=True, slider=(1e-12, 1.0),
               en="Stop when the largest gradient component is at most this.", zh="梯度最大分量不超过此值时停止。"),
            hp("tolerance_change", "float", 0.0, 1e3, log=True, slider=(1e-12, 1.0),
               en="Stop when the step or the change in loss is smaller than this.",
               zh="步长或损失变化小于此值时停止。"),
            hp("history_size", "int", 1, 1000, slider=(1, 100),
               en="How many past (s, y) pairs build the curvature estimate.", zh="用多少对历史 (s, y) 估计曲率。"),
            hp("line_search_fn", "choice", choices=(None, "strong_wolfe"),
               en="None takes fixed steps of lr; strong_wolfe searches along the direction.",
               zh="None 表示固定步长 lr；strong_wolfe 沿方向做线搜索。"),
        ),
        latex=(r"d_k = -H_k \nabla f(\theta_k)\ \text{(two-loop recursion over the last } m \text{ pairs } "
               r"s_i = \theta_{i+1}-\theta_i,\ y_i = \nabla f_{i+1}-\nabla f_i);\quad "
               r"\theta_{k+1} = \theta_k + t_k d_k"),
        help_en="A quasi-Newton method: builds a curvature estimate from recent steps; one step runs many iterations.",
        help_zh="拟牛顿法：用最近几步估计曲率；每一步内部会迭代多次。",
    )

    def _check(self) -> None:
        require(self.lr >= 0.0, f"Invalid learning rate: {self.lr} (lr must be >= 0)")
        require(self.max_iter >= 1, f"Invalid max_iter value: {self.max_iter} (max_iter must be >= 1)")
        if self.max_eval is None:
            object.__setattr__(self, "max_eval", self.max_iter * 5 // 4)
        require(self.max_eval >= 1, f"Invalid max_eval value: {self.max_eval} (max_eval must be >= 1)")
        require(self.history_size >= 1,
                f"Invalid history_size value: {self.history_size} (history_size must be >= 1)")
        require(self.tolerance_grad >= 0.0,
                f"Invalid tolerance_grad value: {self.tolerance_grad} (tolerance_grad must be >= 0)")
        require(self.tolerance_change >= 0.0,
                f"Invalid tolerance_change value: {self.tolerance_change} (tolerance_change must be >= 0)")

    def init(self, params, *, lr: float | None = None) -> LBFGSState:
        return LBFGSState()

    def step(self, params, grad, state: LBFGSState, *, objective=None, lr=None, momentum=None, betas=None):
        """One ``optimizer.step(closure)`` from ``params`` (a vector of any length P): returns (params, state).

        ``objective(params) -> (loss, gradient)`` is torch's closure; like torch, L-BFGS calls it first where the
        step starts, so ``grad`` is not used. ``lr`` overrides the learning rate for this step (a scheduler's).
        """
        if objective is None:
            raise TypeError("L-BFGS needs objective=f, with f(params) -> (loss, gradient), as torch needs a closure")
        self.step_values(lr, momentum, betas)  # rejects a momentum or betas: L-BFGS has neither
        x = np.array(params, dtype=np.float64)
        if x.ndim != 1:
            raise ValueError(f"Invalid params shape {x.shape} (L-BFGS takes a vector of P parameters)")
        if x.shape == (2,):
            def pair_objective(v):
                f, g = objective(np.array(v))
                return float(f), (float(g[0]), float(g[1]))

            out = self.advance(state, (float(x[0]), float(x[1])), pair_objective, PAIR, lr)
            return np.array(out), state

        def vector_objective(v):
            f, g = objective(v.copy())
            return float(f), np.array(g, dtype=np.float64)

        return self.advance(state, x, vector_objective, VECTOR, lr).copy(), state

    def advance(self, state: LBFGSState, x, objective, ops=PAIR, lr: float | None = None):
        """torch's ``LBFGS.step`` body, operation for operation, on vectors of ``ops``; returns the new x.

        ``objective(x) -> (loss, flat_grad)``; ``state`` is updated in place.
        """
        lr_ = self.lr if lr is None else lr
        max_iter, max_eval = self.max_iter, self.max_eval
        tolerance_grad, tolerance_change = self.tolerance_grad, self.tolerance_change
        history_size = self.history_size
        _dot = ops.dot
        state.iterates = iterates = []

        loss, flat_grad = objective(x)
        current_evals = 1
        state.func_evals += 1
        if ops.abs_max(flat_grad) <= tolerance_grad:  # optimal condition
            return x

        d, t = state.d, state.t
        old_dirs, old_stps, ro, H_diag = state.old_dirs, state.old_stps, state.ro, state.H_diag
        prev_flat_grad, prev_loss = state.prev_flat_grad, state.prev_loss

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state.n_iter += 1
            if state.n_iter == 1:
                d = ops.neg(flat_grad)
                old_dirs, old_stps, ro, H_diag = [], [], [], 1
                state.dirs_split, state.stps_split = [], []
            else:
                # do lbfgs update (update memory)
                y = ops.sub(flat_grad, prev_flat_grad)
                s = ops.mul(d, float(t))
                ys = _dot(y, s)
                if ys > 1e-10:
                    if len(old_dirs) == history_size:  # shift history by one (limited-memory)
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                        state.dirs_split.pop(0)
                        state.stps_split.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    state.dirs_split.append(ops.split(y))
                    state.stps_split.append(ops.split(s))
                    state.history_version += 1
                    ro.append(1.0 / ys)
                    H_diag = ys / _dot(y, y)  # update scale of initial Hessian approximation
                if not state.al:
                    state.al = [None] * history_size
                cached = state.last_direction
                if (cached is not None and cached[0] == state.history_version
                        and ops.equal(cached[1], flat_grad)):
                    # Same history, same gradient (a converged step that did not move): the two-loop would
                    # recompute exactly this direction, and al is already what it would leave behind.
                    d = cached[2]
                else:
                    d = _two_loop(state, flat_grad, old_dirs, old_stps, ro, H_diag, len(old_dirs), ops)
                    state.last_direction = (state.history_version, flat_grad, d)

            prev_flat_grad = flat_grad
            prev_loss = loss
            # reset initial guess for step size: the first is scaled down, since the gradient's scale is unknown
            if state.n_iter == 1:
                g_sum = ops.abs_sum(flat_grad)
                t = min(1.0, _Tensor0(1.0 / g_sum if g_sum else math.inf)) * lr_  # torch: 1/0 is inf
            else:
                t = lr_
            gtd = _Tensor0(_dot(flat_grad, d))  # directional derivative
            if gtd > -tolerance_change:  # directional derivative below tolerance
                break

            ls_func_evals = 0
            if self.line_search_fn == "strong_wolfe":
                def obj_func(x0, step, direction):
                    # the point itself is plain floats; only the line search tracks tensors
                    return objective(ops.add_step(x0, float(step), direction))

                try:
                    loss, flat_grad, t, ls_func_evals = _strong_wolfe(
                        obj_func, x, t, d, loss, flat_grad, gtd, ops, max_ls=max_eval - current_evals)
                except IndexError:
                    # torch's search indexes past its bracket when a loss is nan (nan <= nan is false); torch
                    # raises there too. Here it is what it is: the path has left the reals.
                    raise ValueError("L-BFGS line search met a non-finite loss") from None
                x = ops.add_step(x, float(t), d)
                opt_cond = ops.abs_max(flat_grad) <= tolerance_grad
            else:
                x = ops.add_step(x, float(t), d)  # no line search, simply move with fixed-step
                opt_cond = False
                if n_iter != max_iter:
                    loss, flat_grad = objective(x)
                    opt_cond = ops.abs_max(flat_grad) <= tolerance_grad
                    ls_func_evals = 1
            current_evals += ls_func_evals
            state.func_evals += ls_func_evals
            iterates.append(x)

            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if ops.abs_max(ops.mul(d, t)) <= tolerance_change:  # lack of progress
                break
            if abs(loss - prev_loss) < tolerance_change:
                break
            if not ops.isfinite(x):
                break  # torch would carry on with nan; the trace stops here anyway

        state.d, state.t = d, t
        state.old_dirs, state.old_stps, state.ro, state.H_diag = old_dirs, old_stps, ro, H_diag
        state.prev_flat_grad, state.prev_loss = prev_flat_grad, prev_loss
        return x

    def cost_rates(self) -> tuple[float, float, int]:
        """Measured: an evaluation costs about 1.5 units, and each inner iteration walks the (s, y) history twice
        in Python, about 1/3 unit a pair. A step makes at most min(max_iter, evaluations) iterations. The
        strong-Wolfe search is handed max_ls = max_eval - evaluations so far, but its first evaluation comes before
        it counts, so a step can make max_eval + 1 evaluations (never more: torch passes max_ls, so
        _strong_wolfe's default of 25 never applies here).

        >>> LBFGS().cost(1), LBFGS(line_search_fn="strong_wolfe").cost(1) - LBFGS().cost(1)
        (704.1666666666666, 1.5)
        """
        evals = self.max_eval + (1 if self.line_search_fn == "strong_wolfe" else 0)
        return min(self.max_iter, evals) * self.history_size / 3, 1.5, evals


def _two_loop(state, flat_grad, old_dirs, old_stps, ro, H_diag, num_old, ops):
    """d = -H g by the two-loop recursion, as torch computes it (fills state.al, as torch's state['al'])."""
    al, dirs_split, stps_split, axpy, dot = state.al, state.dirs_split, state.stps_split, ops.axpy, ops.dot
    q = ops.neg(flat_grad)
    for i in range(num_old - 1, -1, -1):
        al[i] = dot(old_stps[i], q) * ro[i]
        q = axpy(-al[i], old_dirs[i], dirs_split[i], q)  # q.add_(old_dirs[i], alpha=-al[i])
    r = ops.mul(q, H_diag)  # multiply by initial Hessian
    for i in range(num_old):
        be_i = dot(old_dirs[i], r) * ro[i]
        r = axpy(al[i] - be_i, old_stps[i], stps_split[i], r)  # r.add_(old_stps[i], alpha=al[i] - be_i)
    return r
