"""Rprop, following ``torch.optim.rprop._single_tensor_rprop``: only the sign of the gradient is used."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from ..spec import MAXIMIZE, Optimizer, OptimizerSpec, hp, p_lr, record, require


class RpropState(NamedTuple):
    step: float
    prev: Any
    step_size: Any


class RpropScalars(NamedTuple):
    step: float


@dataclass(frozen=True)
class Rprop(Optimizer):
    lr: float = 1e-2
    etas: tuple[float, float] = (0.5, 1.2)
    step_sizes: tuple[float, float] = (1e-6, 50.0)
    maximize: bool = False

    SPEC = OptimizerSpec(
        name="rprop", label="Rprop", family="sign",
        params=(
            p_lr(),
            hp("etas", "pair", 0.0, 10.0, slider=(0.0, 3.0),
               en="(eta-, eta+): shrink the step when the gradient's sign flips, grow it while the sign holds.",
               zh="(eta-, eta+)：梯度符号翻转时缩小步长，符号不变时放大步长。"),
            hp("step_sizes", "pair", 0.0, 1e3, log=True, slider=(1e-8, 100.0),
               en="(min, max) allowed step size per coordinate.", zh="每个坐标允许的（最小，最大）步长。"),
            MAXIMIZE,
        ),
        latex=(r"\eta_t = \eta_{t-1}\cdot\begin{cases}\eta^+ & g_t g_{t-1} > 0\\ \eta^- & g_t g_{t-1} < 0\\ 1 & "
               r"\text{else}\end{cases},\ \text{clipped to }[\Gamma_{\min},\Gamma_{\max}];\quad "
               r"\theta_t = \theta_{t-1} - \eta_t\,\mathrm{sign}(g_t)\ (g_t := 0 \text{ after a sign flip})"),
        help_en="Resilient backprop: each coordinate moves by its own step size; only the gradient's sign counts.",
        help_zh="弹性反向传播：每个坐标有自己的步长，只看梯度的符号。",
    )

    def _check(self) -> None:
        require(self.lr >= 0.0, f"Invalid learning rate: {self.lr} (lr must be >= 0)")
        e0, e1 = self.etas
        require(0.0 < e0 < 1.0 < e1, f"Invalid eta values: {e0}, {e1} (etas must satisfy 0 < etas[0] < 1 < etas[1])")

    def state0(self, p, b, lr):
        # lr is read once, here: torch fills step_size with the group's lr when it creates the state, and a
        # scheduler's later lr never reaches Rprop's steps.
        z = 0.0 * p
        return record(RpropState, (0.0, z, z + lr))

    def scalar_steps(self, prev, values):
        step = prev.step
        for _ in values:
            step += 1
            yield record(RpropScalars, (step,))

    def kernel(self, b):
        etaminus, etaplus = self.etas
        step_size_min, step_size_max = self.step_sizes
        maximize, sign, where, clip = self.maximize, b.sign, b.where, b.clip

        def update(param, grad, state, k):
            if maximize:
                grad = -grad
            s = sign(grad * state.prev)
            s = where(s > 0, etaplus, where(s < 0, etaminus, 1.0))
            step_size = clip(state.step_size * s, step_size_min, step_size_max)
            grad = where(s == etaminus, 0.0, grad)  # for dir < 0, dfdx = 0
            # torch: param.addcmul_(grad.sign(), step_size, value=-1). sign is -1, 0 or 1, so the product is exact
            # and the fused and the plain multiply-add round alike: the cheaper one is used.
            return param + -1 * sign(grad) * step_size, record(RpropState, (k.step, grad, step_size))

        return update
