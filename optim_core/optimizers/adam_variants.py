"""Adamax, NAdam and RAdam, line for line as torch.optim's ``_single_tensor_*`` functions (see :mod:`.adam`)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

from ..spec import (
    MAXIMIZE,
    Optimizer,
    OptimizerSpec,
    hp,
    p_betas,
    p_decoupled,
    p_eps,
    p_lr,
    p_weight_decay,
    record,
    require,
)
from .adam import ADAM_FAMILY_SCHEDULABLE, AdamState, check_adam_family


class AdamaxState(NamedTuple):
    step: float
    exp_avg: Any
    exp_inf: Any


class AdamaxScalars(NamedTuple):
    step: float
    beta1: float
    clr: float


@dataclass(frozen=True)
class Adamax(Optimizer):
    lr: float = 2e-3
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    weight_decay: float = 0.0
    maximize: bool = False

    SCHEDULABLE: ClassVar = ADAM_FAMILY_SCHEDULABLE
    SPEC = OptimizerSpec(
        name="adamax", label="Adamax", family="adam",
        params=(p_lr(), p_betas(), p_eps(), p_weight_decay(), MAXIMIZE),
        latex=(r"m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t;\quad u_t = \max(\beta_2 u_{t-1}, |g_t|+\epsilon);\quad "
               r"\theta_t = \theta_{t-1} - \frac{\gamma}{1-\beta_1^t}\frac{m_t}{u_t}"),
        help_en="Adam with the infinity norm: divides by a decaying maximum of |g| instead of a root mean square.",
        help_zh="使用无穷范数的 Adam：分母是 |g| 的衰减最大值，而不是均方根。",
    )

    def _check(self) -> None:
        check_adam_family(self)

    def state0(self, p, b, lr):
        z = 0.0 * p
        return record(AdamaxState, (0.0, z, z))

    def scalar_steps(self, prev, values):
        step = prev.step
        for lr, _, (beta1, _) in values:
            step += 1
            bias_correction = 1 - beta1**step
            yield record(AdamaxScalars, (step, beta1, lr / bias_correction))

    def kernel(self, b):
        add, addcdiv, lerp, maximum, abs_ = b.add, b.addcdiv, b.lerp, b.maximum, b.abs
        beta2, eps, weight_decay, maximize = self.betas[1], self.eps, self.weight_decay, self.maximize

        def update(param, grad, state, k):
            if maximize:
                grad = -grad
            if weight_decay != 0:
                grad = add(grad, param, weight_decay)
            exp_avg = lerp(state.exp_avg, grad, 1 - k.beta1)
            exp_inf = maximum(state.exp_inf * beta2, abs_(grad) + eps)
            return addcdiv(param, exp_avg, exp_inf, -k.clr), record(AdamaxState, (k.step, exp_avg, exp_inf))

        return update


class NAdamState(NamedTuple):
    step: float
    mu_product: float
    exp_avg: Any
    exp_avg_sq: Any


class NAdamScalars(NamedTuple):
    step: float
    mu_product: float
    lr: float
    beta1: float
    bias_correction2: float
    grad_value: float  # the value= of torch's addcdiv_ of the gradient: -lr (1 - mu) / (1 - mu_product)
    exp_avg_value: float  # and of exp_avg: -lr mu_next / (1 - mu_product mu_next)


@dataclass(frozen=True)
class NAdam(Optimizer):
    lr: float = 2e-3
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    weight_decay: float = 0.0
    momentum_decay: float = 4e-3
    decoupled_weight_decay: bool = False
    maximize: bool = False

    SCHEDULABLE: ClassVar = ADAM_FAMILY_SCHEDULABLE
    TENSOR_SCALARS: ClassVar = ("step", "mu_product")
    SPEC = OptimizerSpec(
        name="nadam", label="NAdam", family="adam",
        params=(
            p_lr(), p_betas(), p_eps(), p_weight_decay(),
            hp("momentum_decay", "float", 0.0, 1.0, log=True, slider=(1e-4, 1e-1),
               en="How fast the Nesterov momentum schedule mu_t = beta1 (1 - 0.5 * 0.96^(t psi)) warms up.",
               zh="Nesterov 动量日程 mu_t = beta1 (1 - 0.5 * 0.96^(t psi)) 的预热速度。"),
            p_decoupled(), MAXIMIZE,
        ),
        latex=(r"\mu_t = \beta_1(1-\tfrac12 0.96^{t\psi});\quad m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t;\quad "
               r"v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2;\quad "
               r"\theta_t = \theta_{t-1} - \gamma\Big(\frac{(1-\mu_t) g_t}{1-\prod_{i\le t}\mu_i} + "
               r"\frac{\mu_{t+1} m_t}{1-\prod_{i\le t+1}\mu_i}\Big)"
               r"\Big/\Big(\sqrt{\tfrac{v_t}{1-\beta_2^t}}+\epsilon\Big)"),
        help_en="Adam with Nesterov momentum: the step looks ahead along the momentum.",
        help_zh="带 Nesterov 动量的 Adam：沿动量方向“预看”一步。",
    )

    def _check(self) -> None:
        check_adam_family(self)
        require(self.momentum_decay >= 0.0,
                f"Invalid momentum_decay value: {self.momentum_decay} (momentum_decay must be >= 0)")

    def state0(self, p, b, lr):
        z = 0.0 * p
        return record(NAdamState, (0.0, 1.0, z, z))

    def scalar_steps(self, prev, values):
        momentum_decay = self.momentum_decay
        step, mu_product = prev.step, prev.mu_product
        for lr, _, (beta1, beta2) in values:
            step += 1
            bias_correction2 = 1 - beta2**step
            # the momentum cache mu^t and mu^{t+1}
            mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
            mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
            mu_product = mu_product * mu
            mu_product_next = mu_product * mu_next
            yield record(NAdamScalars, (step, mu_product, lr, beta1, bias_correction2,
                                        -lr * (1.0 - mu) / (1.0 - mu_product),
                                        (-lr * mu_next) / (1.0 - mu_product_next)))

    def kernel(self, b):
        add, addcmul, addcdiv, lerp, sqrt = b.add, b.addcmul, b.addcdiv, b.lerp, b.sqrt
        beta2, eps, weight_decay, maximize = self.betas[1], self.eps, self.weight_decay, self.maximize
        decoupled_weight_decay = self.decoupled_weight_decay

        def update(param, grad, state, k):
            if maximize:
                grad = -grad
            if weight_decay != 0:
                if decoupled_weight_decay:
                    param = param * (1 - k.lr * weight_decay)
                else:
                    grad = add(grad, param, weight_decay)
            exp_avg = lerp(state.exp_avg, grad, 1 - k.beta1)
            exp_avg_sq = addcmul(state.exp_avg_sq * beta2, grad, grad, 1 - beta2)
            denom = sqrt(exp_avg_sq / k.bias_correction2) + eps
            param = addcdiv(param, grad, denom, k.grad_value)
            param = addcdiv(param, exp_avg, denom, k.exp_avg_value)
            return param, record(NAdamState, (k.step, k.mu_product, exp_avg, exp_avg_sq))

        return update


class RAdamScalars(NamedTuple):
    step: float
    lr: float
    beta1: float
    bias_correction1: float
    rho_t: float
    rect: float  # NaN where rho_t <= 5: torch takes the un-rectified branch and never computes it
    bias_correction2_sqrt: float  # likewise


@dataclass(frozen=True)
class RAdam(Optimizer):
    lr: float = 1e-3
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    weight_decay: float = 0.0
    decoupled_weight_decay: bool = False
    maximize: bool = False

    SCHEDULABLE: ClassVar = ADAM_FAMILY_SCHEDULABLE
    SPEC = OptimizerSpec(
        name="radam", label="RAdam", family="adam",
        params=(p_lr(), p_betas(), p_eps(), p_weight_decay(), p_decoupled(), MAXIMIZE),
        latex=(r"\rho_\infty = \tfrac{2}{1-\beta_2}-1;\quad "
               r"\rho_t = \rho_\infty - \tfrac{2t\beta_2^t}{1-\beta_2^t};\quad "
               r"\theta_t = \theta_{t-1} - \gamma\,\hat m_t\, r_t \tfrac{\sqrt{1-\beta_2^t}}{\sqrt{v_t}+\epsilon} "
               r"\text{ if } \rho_t > 5 \text{ else } \theta_{t-1} - \gamma\hat m_t"),
        help_en="Rectified Adam: plain momentum SGD for the first steps, until the variance of v can be trusted.",
        help_zh="修正 Adam：前几步先用普通动量 SGD，直到 v 的方差估计可信为止。",
    )

    def _check(self) -> None:
        check_adam_family(self)

    def state0(self, p, b, lr):
        z = 0.0 * p
        return record(AdamState, (0.0, z, z))  # torch's RAdam keeps Adam's keys

    def scalar_steps(self, prev, values):
        step = prev.step
        for lr, _, (beta1, beta2) in values:
            step += 1
            bias_correction1 = 1 - beta1**step
            bias_correction2 = 1 - beta2**step
            # the maximum length of the approximated SMA, and its length at this step
            rho_inf = 2 / (1 - beta2) - 1
            rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
            rect = bias_correction2_sqrt = math.nan
            if rho_t > 5.0:
                rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                bias_correction2_sqrt = bias_correction2**0.5
            yield record(RAdamScalars, (step, lr, beta1, bias_correction1, rho_t, rect, bias_correction2_sqrt))

    def kernel(self, b):
        add, addcmul, lerp, sqrt = b.add, b.addcmul, b.lerp, b.sqrt
        beta2, eps, weight_decay, maximize = self.betas[1], self.eps, self.weight_decay, self.maximize
        decoupled_weight_decay = self.decoupled_weight_decay

        def update(param, grad, state, k):
            if maximize:
                grad = -grad
            if weight_decay != 0:
                if decoupled_weight_decay:
                    param = param * (1 - k.lr * weight_decay)
                else:
                    grad = add(grad, param, weight_decay)
            exp_avg = lerp(state.exp_avg, grad, 1 - k.beta1)
            exp_avg_sq = addcmul(state.exp_avg_sq * beta2, grad, grad, 1 - beta2)
            bias_corrected_exp_avg = exp_avg / k.bias_correction1
            # torch: param.add_(..., alpha=-1.0). A product with -1 is exact, so the fused and the plain
            # subtraction round alike: the cheaper one is written.
            if k.rho_t > 5.0:
                # torch evaluates `float / tensor` as `tensor.reciprocal() * float` (Tensor.__rtruediv__)
                adaptive_lr = (1.0 / (sqrt(exp_avg_sq) + eps)) * k.bias_correction2_sqrt
                param = param - bias_corrected_exp_avg * k.lr * adaptive_lr * k.rect
            else:
                param = param - bias_corrected_exp_avg * k.lr
            return param, record(AdamState, (k.step, exp_avg, exp_avg_sq))

        return update
