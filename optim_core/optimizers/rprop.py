"""Rprop, following ``torch.optim.rprop._single_tensor_rprop``: only the sign of the gradient is used."""

from __future__ import annotations

from dataclasses import dataclass

from ..spec import MAXIMIZE, Optimizer, OptimizerSpec, hp, p_lr, require


@dataclass(frozen=True)
class Rprop(Optimizer):
    lr: float = 1e-2
    etas: tuple[float, float] = (0.5, 1.2)
    step_sizes: tuple[float, float] = (1e-6, 50.0)
    maximize: bool = False

    SPEC = OptimizerSpec(
        name="rprop", label="Rprop", family="sign",
        params=(
            p_lr(1e-2),
            hp("etas", "pair", (0.5, 1.2), 0.0, 10.0, slider=(0.0, 3.0),
               en="(eta-, eta+): shrink the step when the gradient's sign flips, grow it while the sign holds.",
               zh="(eta-, eta+)：梯度符号翻转时缩小步长，符号不变时放大步长。"),
            hp("step_sizes", "pair", (1e-6, 50.0), 0.0, 1e3, log=True, slider=(1e-8, 100.0),
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

    def schedule(self, steps: int) -> list:
        return [None] * steps

    def state0(self, p, b):
        return (0.0 * p, 0.0 * p + self.lr)

    def kernel(self, b):
        eta_minus, eta_plus = self.etas
        lo, hi = self.step_sizes
        maximize, sign, where, clip = self.maximize, b.sign, b.where, b.clip

        def update(p, g, state, _):
            prev, step_size = state
            if maximize:
                g = -g
            s = sign(g * prev)
            step_size = clip(step_size * where(s > 0, eta_plus, where(s < 0, eta_minus, 1.0)), lo, hi)
            g = where(s < 0, 0.0, g)  # torch zeroes g where the factor is eta-, i.e. where the sign flipped
            return p + -1 * sign(g) * step_size, (g, step_size)

        return update
