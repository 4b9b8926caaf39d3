"""Adam, AdamW and SparseAdam, line for line as torch.optim's single-tensor code (Adamax, NAdam, RAdam are in
:mod:`.adam_variants`).

Bias corrections and other per-step scalars are Python floats in torch (``_get_value(step_t)``), so ``scalars``
computes them once per step with exactly torch's expressions, shared by every coordinate and every start point.
``lerp`` uses ATen's two-sided formula; ``add``, ``addcmul`` are fused multiply-adds and ``addcdiv`` is not (see
:mod:`optim_core.backend`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

from ..spec import (
    AMSGRAD,
    MAXIMIZE,
    Optimizer,
    OptimizerSpec,
    p_betas,
    p_decoupled,
    p_eps,
    p_lr,
    p_weight_decay,
    record,
    require,
)

ADAM_FAMILY_SCHEDULABLE = ("lr", "betas")  # CyclicLR/OneCycleLR cycle beta1 where an optimizer has betas


def check_adam_family(opt, *, strict_lr_eps: bool = False) -> None:
    if strict_lr_eps:  # SparseAdam's own rules
        require(opt.lr > 0.0, f"Invalid learning rate: {opt.lr} (lr must be > 0)")
        require(opt.eps > 0.0, f"Invalid epsilon value: {opt.eps} (eps must be > 0)")
    else:
        require(opt.lr >= 0.0, f"Invalid learning rate: {opt.lr} (lr must be >= 0)")
        require(opt.eps >= 0.0, f"Invalid epsilon value: {opt.eps} (eps must be >= 0)")
    b1, b2 = opt.betas
    require(0.0 <= b1 < 1.0, f"Invalid beta parameter at index 0: {b1} (betas[0] must be in [0, 1))")
    require(0.0 <= b2 < 1.0, f"Invalid beta parameter at index 1: {b2} (betas[1] must be in [0, 1))")
    wd = getattr(opt, "weight_decay", 0.0)
    require(wd >= 0.0, f"Invalid weight_decay value: {wd} (weight_decay must be >= 0)")


class AdamState(NamedTuple):
    step: float
    exp_avg: Any
    exp_avg_sq: Any


class AdamAmsgradState(NamedTuple):
    step: float
    exp_avg: Any
    exp_avg_sq: Any
    max_exp_avg_sq: Any


class AdamScalars(NamedTuple):
    step: float
    lr: float
    beta1: float
    step_size: float
    bias_correction2_sqrt: float


_ADAM_LATEX = (r"m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t;\quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2;\quad "
               r"\hat m_t = \frac{m_t}{1-\beta_1^t},\ \hat v_t = \frac{v_t}{1-\beta_2^t};\quad "
               r"\theta_t = \theta_{t-1} - \gamma \frac{\hat m_t}{\sqrt{\hat v_t}+\epsilon}")


def _adam_spec(name: str, label: str, is_adamw: bool) -> OptimizerSpec:
    params = [p_lr(), p_betas(), p_eps(), p_weight_decay(decoupled=is_adamw), AMSGRAD, MAXIMIZE]
    if not is_adamw:
        params.append(p_decoupled())
    wd_line = (r"\theta_{t-1} \leftarrow \theta_{t-1}(1-\gamma\lambda);\quad " if is_adamw
               else r"g_t = \nabla f(\theta_{t-1}) + \lambda\theta_{t-1};\quad ")
    return OptimizerSpec(
        name=name, label=label, family="adam", params=tuple(params), latex=wd_line + _ADAM_LATEX,
        help_en=("Adam with decoupled weight decay: the decay shrinks the weights directly, not the gradient."
                 if is_adamw else "Momentum (m) plus per-coordinate scaling by the root of a running g² (v)."),
        help_zh=("带解耦权重衰减的 Adam：衰减直接作用在参数上，而不是梯度上。"
                 if is_adamw else "动量（m）加上按坐标的缩放（除以 g² 滑动平均 v 的平方根）。"),
    )


class _AdamBase(Optimizer):
    """Adam and AdamW: torch 2.13's AdamW *is* Adam with decoupled_weight_decay=True."""

    SCHEDULABLE: ClassVar = ADAM_FAMILY_SCHEDULABLE

    def _check(self) -> None:
        check_adam_family(self)

    def state0(self, p, b, lr):
        z = 0.0 * p
        return record(AdamAmsgradState, (0.0, z, z, z)) if self.amsgrad else record(AdamState, (0.0, z, z))

    def scalar_steps(self, prev, values):
        step = prev.step
        for lr, _, (beta1, beta2) in values:
            step += 1
            bias_correction1 = 1 - beta1**step
            bias_correction2 = 1 - beta2**step
            step_size = lr / bias_correction1
            yield record(AdamScalars, (step, lr, beta1, step_size, bias_correction2**0.5))

    def kernel(self, b):
        add, addcmul, addcdiv, lerp, sqrt, maximum = b.add, b.addcmul, b.addcdiv, b.lerp, b.sqrt, b.maximum
        beta2, eps, weight_decay, amsgrad, maximize = self.betas[1], self.eps, self.weight_decay, self.amsgrad, \
            self.maximize
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
            if amsgrad:
                max_exp_avg_sq = maximum(state.max_exp_avg_sq, exp_avg_sq)
                denom = sqrt(max_exp_avg_sq) / k.bias_correction2_sqrt + eps
                return addcdiv(param, exp_avg, denom, -k.step_size), record(
                    AdamAmsgradState, (k.step, exp_avg, exp_avg_sq, max_exp_avg_sq))
            denom = sqrt(exp_avg_sq) / k.bias_correction2_sqrt + eps
            return addcdiv(param, exp_avg, denom, -k.step_size), record(AdamState, (k.step, exp_avg, exp_avg_sq))

        return update


@dataclass(frozen=True)
class Adam(_AdamBase):
    lr: float = 1e-3
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    weight_decay: float = 0.0
    amsgrad: bool = False
    maximize: bool = False
    decoupled_weight_decay: bool = False

    SPEC = _adam_spec("adam", "Adam", is_adamw=False)


@dataclass(frozen=True)
class AdamW(_AdamBase):
    lr: float = 1e-3
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    weight_decay: float = 1e-2
    amsgrad: bool = False
    maximize: bool = False

    SPEC = _adam_spec("adamw", "AdamW", is_adamw=True)
    decoupled_weight_decay = True  # torch.optim.AdamW passes decoupled_weight_decay=True to Adam


class SparseAdamState(NamedTuple):
    step: float  # a Python int in torch; exact as a float
    exp_avg: Any
    exp_avg_sq: Any


class SparseAdamScalars(NamedTuple):
    step: float
    beta1: float
    step_size: float


@dataclass(frozen=True)
class SparseAdam(Optimizer):
    lr: float = 1e-3
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    maximize: bool = False

    SCHEDULABLE: ClassVar = ADAM_FAMILY_SCHEDULABLE
    SPEC = OptimizerSpec(
        name="sparseadam", label="SparseAdam", family="adam",
        params=(p_lr(low=1e-12), p_betas(), p_eps(low=1e-30), MAXIMIZE),
        latex=(r"\text{only where } g_t \ne 0:\ m_t = m_{t-1} + (1-\beta_1)(g_t - m_{t-1});\ "
               r"v_t = v_{t-1} + (1-\beta_2)(g_t^2 - v_{t-1});\ "
               r"\theta_t = \theta_{t-1} - "
               r"\gamma\frac{\sqrt{1-\beta_2^t}}{1-\beta_1^t}\frac{m_t}{\sqrt{v_t}+\epsilon}"),
        help_en="Adam for sparse gradients: a coordinate whose gradient is exactly zero keeps its m, v and value.",
        help_zh="稀疏梯度版 Adam：梯度恰为零的坐标，其 m、v 和参数都保持不变。",
    )

    def _check(self) -> None:
        check_adam_family(self, strict_lr_eps=True)

    def state0(self, p, b, lr):
        z = 0.0 * p
        return record(SparseAdamState, (0.0, z, z))

    def scalar_steps(self, prev, values):
        # torch.optim.SparseAdam keeps eps outside the bias correction: step_size = lr*sqrt(bc2)/bc1 multiplies
        # m/(sqrt(v)+eps), where Adam divides by sqrt(v)/sqrt(bc2)+eps. The step count advances every step, even
        # when every gradient coordinate is zero.
        step = prev.step
        for lr, _, (beta1, beta2) in values:
            step += 1
            bias_correction1 = 1 - beta1**step
            bias_correction2 = 1 - beta2**step
            yield record(SparseAdamScalars, (step, beta1, lr * math.sqrt(bias_correction2) / bias_correction1))

    def kernel(self, b):
        beta2, eps, maximize, where, sqrt = self.betas[1], self.eps, self.maximize, b.where, b.sqrt

        def update(param, grad, state, k):
            if maximize:
                grad = -grad
            # torch turns the dense gradient into a sparse one: only non-zero entries are materialized, and only
            # those coordinates of exp_avg, exp_avg_sq and the parameter are touched.
            nz = grad != 0
            exp_avg, exp_avg_sq = state.exp_avg, state.exp_avg_sq
            exp_avg_update = (grad - exp_avg) * (1 - k.beta1)
            exp_avg_sq_update = (grad * grad - exp_avg_sq) * (1 - beta2)
            numer = exp_avg_update + exp_avg
            denom = sqrt(exp_avg_sq_update + exp_avg_sq) + eps
            new_param = param + -k.step_size * (numer / denom)
            return where(nz, new_param, param), record(SparseAdamState, (
                k.step, where(nz, exp_avg + exp_avg_update, exp_avg), where(nz, exp_avg_sq + exp_avg_sq_update,
                                                                             exp_avg_sq)))

        return update
