"""Adagrad, Adadelta and RMSprop, line for line as torch.optim's ``_single_tensor_*`` functions.

``add``, ``addcmul``, ``addcdiv`` and ``lerp`` are the backend's versions of torch's tensor methods, rounding as
ATen's CPU kernels do (see :mod:`optim_core.backend`).
"""

from __future__ import annotations

import functools
from collections import namedtuple
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

from ..spec import MAXIMIZE, Optimizer, OptimizerSpec, hp, p_eps, p_lr, p_weight_decay, record, require


def _check_common(opt) -> None:
    require(opt.lr >= 0.0, f"Invalid learning rate: {opt.lr} (lr must be >= 0)")
    require(opt.weight_decay >= 0.0,
            f"Invalid weight_decay value: {opt.weight_decay} (weight_decay must be >= 0)")
    require(opt.eps >= 0.0, f"Invalid epsilon value: {opt.eps} (eps must be >= 0)")


class AdagradState(NamedTuple):
    step: float
    sum: Any


class AdagradScalars(NamedTuple):
    step: float
    clr: float


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
            p_lr(),
            hp("lr_decay", "float", 0.0, 10.0, slider=(0.0, 0.1),
               en="Learning-rate decay: step t uses lr / (1 + (t-1) * lr_decay).",
               zh="学习率衰减：第 t 步使用 lr / (1 + (t-1) * lr_decay)。"),
            p_weight_decay(),
            hp("initial_accumulator_value", "float", 0.0, 1e6, slider=(0.0, 10.0),
               en="Starting value of the sum of squared gradients.", zh="梯度平方累加和的初始值。"),
            p_eps(),
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

    def state0(self, p, b, lr):
        return record(AdagradState, (0.0, 0.0 * p + self.initial_accumulator_value))

    def scalar_steps(self, prev, values):
        lr_decay, step = self.lr_decay, prev.step
        for lr, _, _ in values:
            step += 1
            yield record(AdagradScalars, (step, lr / (1 + (step - 1) * lr_decay)))

    def kernel(self, b):
        add, addcmul, addcdiv, sqrt = b.add, b.addcmul, b.addcdiv, b.sqrt
        weight_decay, eps, maximize = self.weight_decay, self.eps, self.maximize

        def update(param, grad, state, k):
            if maximize:
                grad = -grad
            if weight_decay != 0:
                grad = add(grad, param, weight_decay)
            state_sum = addcmul(state.sum, grad, grad, 1)
            std = sqrt(state_sum) + eps
            return addcdiv(param, grad, std, -k.clr), record(AdagradState, (k.step, state_sum))

        return update


class AdadeltaState(NamedTuple):
    step: float
    square_avg: Any
    acc_delta: Any


class AdadeltaScalars(NamedTuple):
    step: float
    lr: float


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
            p_lr(),
            hp("rho", "float", 0.0, 1.0, slider=(0.0, 0.999),
               en="Decay rate of the running averages of g² and of the squared updates.",
               zh="g² 与更新量平方的滑动平均衰减系数。"),
            p_eps(),
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

    def state0(self, p, b, lr):
        z = 0.0 * p
        return record(AdadeltaState, (0.0, z, z))

    def scalar_steps(self, prev, values):
        step = prev.step
        for lr, _, _ in values:
            step += 1
            yield record(AdadeltaScalars, (step, lr))

    def kernel(self, b):
        add, addcmul, sqrt = b.add, b.addcmul, b.sqrt
        rho, eps, weight_decay, maximize = self.rho, self.eps, self.weight_decay, self.maximize

        def update(param, grad, state, k):
            if maximize:
                grad = -grad
            if weight_decay != 0:
                grad = add(grad, param, weight_decay)
            square_avg = addcmul(state.square_avg * rho, grad, grad, 1 - rho)
            std = sqrt(square_avg + eps)
            delta = sqrt(state.acc_delta + eps) / std * grad
            acc_delta = addcmul(state.acc_delta * rho, delta, delta, 1 - rho)
            return add(param, delta, -k.lr), record(AdadeltaState, (k.step, square_avg, acc_delta))

        return update


@functools.cache
def _rmsprop_state(momentum: bool, centered: bool) -> type:
    """torch's keys for this configuration: momentum_buffer only with momentum > 0, grad_avg only if centered."""
    keys = ["step", "square_avg"] + ["momentum_buffer"] * momentum + ["grad_avg"] * centered
    return namedtuple("RMSpropState", keys)


class RMSpropScalars(NamedTuple):
    step: float
    lr: float
    momentum: float


@dataclass(frozen=True)
class RMSprop(Optimizer):
    lr: float = 1e-2
    alpha: float = 0.99
    eps: float = 1e-8
    weight_decay: float = 0.0
    momentum: float = 0.0
    centered: bool = False
    maximize: bool = False

    SCHEDULABLE: ClassVar = ("lr", "momentum")
    SPEC = OptimizerSpec(
        name="rmsprop",
        label="RMSprop",
        family="adaptive",
        params=(
            p_lr(),
            hp("alpha", "float", 0.0, 1.0, slider=(0.0, 0.999),
               en="Smoothing constant of the running average of g².", zh="g² 滑动平均的平滑系数。"),
            p_eps(),
            p_weight_decay(),
            hp("momentum", "float", 0.0, 1.0, slider=(0.0, 0.99),
               en="Momentum applied to the scaled step.", zh="作用在缩放后步长上的动量。"),
            hp("centered", "bool",
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

    def state0(self, p, b, lr):
        z = 0.0 * p
        has_buffer = self.momentum > 0
        return _rmsprop_state(has_buffer, self.centered)(0.0, z, *[z] * (has_buffer + self.centered))

    def scalar_steps(self, prev, values):
        step = prev.step
        for lr, momentum, _ in values:
            step += 1
            yield record(RMSpropScalars, (step, lr, momentum))

    def kernel(self, b):
        add, addcmul, addcdiv, lerp, sqrt = b.add, b.addcmul, b.addcdiv, b.lerp, b.sqrt
        alpha, eps, weight_decay, maximize = self.alpha, self.eps, self.weight_decay, self.maximize
        centered = self.centered
        has_buffer = self.momentum > 0  # torch creates momentum_buffer when the first step has momentum > 0
        State = _rmsprop_state(has_buffer, centered)

        def update(param, grad, state, k):
            if maximize:
                grad = -grad
            if weight_decay != 0:
                grad = add(grad, param, weight_decay)
            square_avg = addcmul(state.square_avg * alpha, grad, grad, 1 - alpha)
            if centered:
                grad_avg = lerp(state.grad_avg, grad, 1 - alpha)
                avg = sqrt(addcmul(square_avg, grad_avg, grad_avg, -1))
            else:
                avg = sqrt(square_avg)
            avg = avg + eps
            if has_buffer:
                buf = state.momentum_buffer
                if k.momentum > 0:
                    buf = addcdiv(buf * k.momentum, grad, avg, 1)
                    param = add(param, buf, -k.lr)
                else:
                    param = addcdiv(param, grad, avg, -k.lr)
                extra = (buf, grad_avg) if centered else (buf,)
            else:
                param = addcdiv(param, grad, avg, -k.lr)
                extra = (grad_avg,) if centered else ()
            return param, record(State, (k.step, square_avg, *extra))

        return update
