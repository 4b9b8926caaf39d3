"""Adagrad, Adadelta and RMSprop, operation for operation as torch.optim's single-tensor implementations.

``t.addcmul_(a, b, value=c)`` is ``fma(c * a, b, t)``, ``t.add_(a, alpha=c)`` is ``fma(c, a, t)`` and
``t.addcdiv_(a, b, value=c)`` is ``t + (c * a) / b``: what ATen's CPU kernels compute (see optim_core.backend).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..spec import MAXIMIZE, Optimizer, OptimizerSpec, hp, p_eps, p_lr, p_weight_decay, require


def _check_common(opt) -> None:
    require(opt.lr >= 0.0, f"Invalid learning rate: {opt.lr} (lr must be >= 0)")
    require(opt.weight_decay >= 0.0,
            f"Invalid weight_decay value: {opt.weight_decay} (weight_decay must be >= 0)")
    require(opt.eps >= 0.0, f"Invalid epsilon value: {opt.eps} (eps must be >= 0)")


@dataclass(frozen=True)
class Adagrad(Optimizer):
    lr: float = 1e-2
    lr_decay: float = 0.0
    weight_decay: float = 0.0
    initial_accumulator_value: float = 0.0
    eps: float = 1e-10
    maximize: bool = False

    SPEC = OptimizerSpec(
        name="adagrad",
        label="Adagrad",
        family="adaptive",
        params=(
            p_lr(1e-2),
            hp("lr_decay", "float", 0.0, 0.0, 10.0, slider=(0.0, 0.1),
               en="Learning-rate decay: step t uses lr / (1 + (t-1) * lr_decay).",
               zh="学习率衰减：第 t 步使用 lr / (1 + (t-1) * lr_decay)。"),
            p_weight_decay(),
            hp("initial_accumulator_value", "float", 0.0, 0.0, 1e6, slider=(0.0, 10.0),
               en="Starting value of the sum of squared gradients.", zh="梯度平方累加和的初始值。"),
            p_eps(1e-10),
            MAXIMIZE,
        ),
        latex=(r"g_t = \nabla f(\theta_{t-1}) + \lambda\theta_{t-1};\quad "
               r"\tilde\gamma = \gamma / (1+(t-1)\eta);\quad s_t = s_{t-1} + g_t^2;\quad "
               r"\theta_t = \theta_{t-1} - \tilde\gamma\, g_t / (\sqrt{s_t} + \epsilon)"),
        help_en="Divides each coordinate's step by the root of its summed squared gradients, so steps only shrink.",
        help_zh="每个坐标的步长除以其梯度平方累加和的平方根，因此步长只会越来越小。",
    )

    def _check(self) -> None:
        _check_common(self)
        require(self.lr_decay >= 0.0, f"Invalid lr_decay value: {self.lr_decay} (lr_decay must be >= 0)")
        require(self.initial_accumulator_value >= 0.0,
                f"Invalid initial_accumulator_value value: {self.initial_accumulator_value} "
                "(initial_accumulator_value must be >= 0)")

    def schedule(self, steps: int) -> list:
        lr, decay = self.lr, self.lr_decay
        return [-(lr / (1 + (float(t) - 1) * decay)) for t in range(1, steps + 1)]

    def state0(self, p, b):
        return 0.0 * p + self.initial_accumulator_value

    def kernel(self, b):
        fma = b.fma
        wd, eps_, maximize, sqrt = self.weight_decay, self.eps, self.maximize, b.sqrt

        def update(p, g, acc, neg_clr):
            if maximize:
                g = -g
            if wd != 0:
                g = fma(wd, p, g)
            acc = fma(g, g, acc)
            return p + (neg_clr * g) / (sqrt(acc) + eps_), acc

        return update


@dataclass(frozen=True)
class Adadelta(Optimizer):
    lr: float = 1.0
    rho: float = 0.9
    eps: float = 1e-6
    weight_decay: float = 0.0
    maximize: bool = False

    SPEC = OptimizerSpec(
        name="adadelta",
        label="Adadelta",
        family="adaptive",
        params=(
            p_lr(1.0),
            hp("rho", "float", 0.9, 0.0, 1.0, slider=(0.0, 0.999),
               en="Decay rate of the running averages of g² and of the squared updates.",
               zh="g² 与更新量平方的滑动平均衰减系数。"),
            p_eps(1e-6),
            p_weight_decay(),
            MAXIMIZE,
        ),
        latex=(r"v_t = \rho v_{t-1} + (1-\rho) g_t^2;\quad "
               r"\Delta x_t = \frac{\sqrt{u_{t-1}+\epsilon}}{\sqrt{v_t+\epsilon}} g_t;\quad "
               r"u_t = \rho u_{t-1} + (1-\rho)\Delta x_t^2;\quad \theta_t = \theta_{t-1} - \gamma\Delta x_t"),
        help_en="Scales steps by the ratio of recent update sizes to recent gradient sizes: units match, lr ~ 1.",
        help_zh="用近期更新量与近期梯度大小之比来缩放步长，量纲一致，lr 约为 1。",
    )

    def _check(self) -> None:
        _check_common(self)
        require(0.0 <= self.rho <= 1.0, f"Invalid rho value: {self.rho} (rho must be in [0, 1])")

    def schedule(self, steps: int) -> list:
        return [None] * steps

    def state0(self, p, b):
        z = 0.0 * p
        return (z, z)

    def kernel(self, b):
        fma = b.fma
        lr, rho, eps_, wd, maximize, sqrt = self.lr, self.rho, self.eps, self.weight_decay, self.maximize, b.sqrt
        keep = 1 - rho

        def update(p, g, state, _):
            square_avg, acc_delta = state
            if maximize:
                g = -g
            if wd != 0:
                g = fma(wd, p, g)
            square_avg = fma(keep * g, g, square_avg * rho)
            delta = sqrt(acc_delta + eps_) / sqrt(square_avg + eps_) * g
            acc_delta = fma(keep * delta, delta, acc_delta * rho)
            return fma(-lr, delta, p), (square_avg, acc_delta)

        return update


@dataclass(frozen=True)
class RMSprop(Optimizer):
    lr: float = 1e-2
    alpha: float = 0.99
    eps: float = 1e-8
    weight_decay: float = 0.0
    momentum: float = 0.0
    centered: bool = False
    maximize: bool = False

    SPEC = OptimizerSpec(
        name="rmsprop",
        label="RMSprop",
        family="adaptive",
        params=(
            p_lr(1e-2),
            hp("alpha", "float", 0.99, 0.0, 1.0, slider=(0.0, 0.999),
               en="Smoothing constant of the running average of g².", zh="g² 滑动平均的平滑系数。"),
            p_eps(1e-8),
            p_weight_decay(),
            hp("momentum", "float", 0.0, 0.0, 1.0, slider=(0.0, 0.99),
               en="Momentum applied to the scaled step.", zh="作用在缩放后步长上的动量。"),
            hp("centered", "bool", False,
               en="Centered: divide by the estimated variance of g (subtract the mean of g squared).",
               zh="中心化：除以 g 的方差估计（减去 g 均值的平方）。"),
            MAXIMIZE,
        ),
        latex=(r"v_t = \alpha v_{t-1} + (1-\alpha) g_t^2;\quad \tilde v_t = v_t - \bar g_t^2 \text{ if centered};\quad "
               r"b_t = \mu b_{t-1} + g_t/(\sqrt{\tilde v_t}+\epsilon);\quad \theta_t = \theta_{t-1} - \gamma b_t"),
        help_en="Divides the step by a running RMS of recent gradients, so steep and flat directions even out.",
        help_zh="用近期梯度的均方根来除步长，使陡峭与平缓方向的步长趋于一致。",
    )

    def _check(self) -> None:
        _check_common(self)
        require(self.momentum >= 0.0, f"Invalid momentum value: {self.momentum} (momentum must be >= 0)")
        require(self.alpha >= 0.0, f"Invalid alpha value: {self.alpha} (alpha must be >= 0)")

    def schedule(self, steps: int) -> list:
        return [None] * steps

    def state0(self, p, b):
        z = 0.0 * p
        return (z, z, z)

    def kernel(self, b):
        fma, lerp = b.fma, b.lerp
        lr, alpha, eps_, wd = self.lr, self.alpha, self.eps, self.weight_decay
        momentum, centered, maximize, sqrt = self.momentum, self.centered, self.maximize, b.sqrt
        keep = 1 - alpha

        def update(p, g, state, _):
            square_avg, grad_avg, buf = state
            if maximize:
                g = -g
            if wd != 0:
                g = fma(wd, p, g)
            square_avg = fma(keep * g, g, square_avg * alpha)
            if centered:
                grad_avg = lerp(grad_avg, g, keep)
                avg = sqrt(fma(-grad_avg, grad_avg, square_avg))
            else:
                avg = sqrt(square_avg)
            avg = avg + eps_
            if momentum > 0:
                buf = buf * momentum + g / avg
                p = fma(-lr, buf, p)
            else:
                p = p + (-lr * g) / avg
            return p, (square_avg, grad_avg, buf)

        return update
