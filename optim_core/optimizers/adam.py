"""Adam, AdamW, Adamax, NAdam, RAdam and SparseAdam, in the order of torch.optim's single-tensor code.

Bias corrections and other per-step scalars are Python floats in torch (``_get_value(step_t)``), so they are
computed once per step in ``schedule`` with exactly torch's expressions, and shared by every coordinate and every
start point. ``exp_avg.lerp_(g, 1 - beta1)`` uses ATen's two-sided lerp formula (:func:`optim_core.backend.lerp`);
``addcmul_`` and ``add_(.., alpha=)`` are fused multiply-adds and ``addcdiv_(a, b, value=c)`` is ``t + (c*a)/b``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..spec import (
    AMSGRAD,
    MAXIMIZE,
    Optimizer,
    OptimizerSpec,
    hp,
    p_betas,
    p_decoupled,
    p_eps,
    p_lr,
    p_weight_decay,
    require,
)


def _check_adam_family(opt, *, strict_lr_eps: bool = False) -> None:
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


_ADAM_LATEX = (r"m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t;\quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2;\quad "
               r"\hat m_t = \frac{m_t}{1-\beta_1^t},\ \hat v_t = \frac{v_t}{1-\beta_2^t};\quad "
               r"\theta_t = \theta_{t-1} - \gamma \frac{\hat m_t}{\sqrt{\hat v_t}+\epsilon}")


def _adam_spec(name: str, label: str, wd_default: float, is_adamw: bool) -> OptimizerSpec:
    params = [p_lr(1e-3), p_betas(), p_eps(1e-8), p_weight_decay(wd_default, decoupled=is_adamw), AMSGRAD, MAXIMIZE]
    if not is_adamw:
        params.append(p_decoupled(False))
    wd_line = (r"\theta_{t-1} \leftarrow \theta_{t-1}(1-\gamma\lambda);\quad " if is_adamw
               else r"g_t = \nabla f(\theta_{t-1}) + \lambda\theta_{t-1};\quad ")
    return OptimizerSpec(
        name=name, label=label, family="adam", params=tuple(params), latex=wd_line + _ADAM_LATEX,
        help_en=("Adam with decoupled weight decay: the decay shrinks the weights directly, not the gradient."
                 if is_adamw else "Momentum (m) plus per-coordinate scaling by the root of a running g² (v)."),
        help_zh=("带解耦权重衰减的 Adam：衰减直接作用在参数上，而不是梯度上。"
                 if is_adamw else "动量（m）加上按坐标的缩放（除以 g² 滑动平均 v 的平方根）。"),
    )


def _adam_kernel(opt, b):
    """Shared by Adam and AdamW: torch 2.13's AdamW *is* Adam with decoupled_weight_decay=True."""
    fma, lerp = b.fma, b.lerp
    b1, b2 = opt.betas
    eps_, wd, amsgrad, maximize = opt.eps, opt.weight_decay, opt.amsgrad, opt.maximize
    decoupled_ = opt.decoupled_weight_decay
    shrink = 1 - opt.lr * wd
    w1, keep2, w2 = 1 - b1, b2, 1 - b2
    sqrt, maximum = b.sqrt, b.maximum

    def update(p, g, state, k):
        m, v, vmax = state
        neg_step_size, bc2_sqrt = k
        if maximize:
            g = -g
        if wd != 0:
            if decoupled_:
                p = p * shrink
            else:
                g = fma(wd, p, g)
        m = lerp(m, g, w1)
        v = fma(w2 * g, g, v * keep2)
        if amsgrad:
            vmax = maximum(vmax, v)
            denom = sqrt(vmax) / bc2_sqrt + eps_
        else:
            denom = sqrt(v) / bc2_sqrt + eps_
        return p + (neg_step_size * m) / denom, (m, v, vmax)

    return update


def _adam_schedule(opt, steps: int) -> list:
    lr_, (b1, b2) = opt.lr, opt.betas
    out = []
    for t in range(1, steps + 1):
        step = float(t)
        bias_correction1 = 1 - b1**step
        bias_correction2 = 1 - b2**step
        step_size = lr_ / bias_correction1
        out.append((-step_size, bias_correction2**0.5))
    return out


def _zeros3(p):
    z = 0.0 * p
    return (z, z, z)


@dataclass(frozen=True)
class Adam(Optimizer):
    lr: float = 1e-3
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    weight_decay: float = 0.0
    amsgrad: bool = False
    maximize: bool = False
    decoupled_weight_decay: bool = False

    SPEC = _adam_spec("adam", "Adam", 0.0, is_adamw=False)

    def _check(self) -> None:
        _check_adam_family(self)

    def schedule(self, steps: int) -> list:
        return _adam_schedule(self, steps)

    def state0(self, p, b):
        return _zeros3(p)

    def kernel(self, b):
        return _adam_kernel(self, b)


@dataclass(frozen=True)
class AdamW(Optimizer):
    lr: float = 1e-3
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    weight_decay: float = 1e-2
    amsgrad: bool = False
    maximize: bool = False

    SPEC = _adam_spec("adamw", "AdamW", 1e-2, is_adamw=True)
    decoupled_weight_decay = True  # torch.optim.AdamW passes decoupled_weight_decay=True to Adam

    def _check(self) -> None:
        _check_adam_family(self)

    def schedule(self, steps: int) -> list:
        return _adam_schedule(self, steps)

    def state0(self, p, b):
        return _zeros3(p)

    def kernel(self, b):
        return _adam_kernel(self, b)


@dataclass(frozen=True)
class Adamax(Optimizer):
    lr: float = 2e-3
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    weight_decay: float = 0.0
    maximize: bool = False

    SPEC = OptimizerSpec(
        name="adamax", label="Adamax", family="adam",
        params=(p_lr(2e-3), p_betas(), p_eps(1e-8), p_weight_decay(), MAXIMIZE),
        latex=(r"m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t;\quad u_t = \max(\beta_2 u_{t-1}, |g_t|+\epsilon);\quad "
               r"\theta_t = \theta_{t-1} - \frac{\gamma}{1-\beta_1^t}\frac{m_t}{u_t}"),
        help_en="Adam with the infinity norm: divides by a decaying maximum of |g| instead of a root mean square.",
        help_zh="使用无穷范数的 Adam：分母是 |g| 的衰减最大值，而不是均方根。",
    )

    def _check(self) -> None:
        _check_adam_family(self)

    def schedule(self, steps: int) -> list:
        lr_, b1 = self.lr, self.betas[0]
        return [-(lr_ / (1 - b1 ** float(t))) for t in range(1, steps + 1)]

    def state0(self, p, b):
        z = 0.0 * p
        return (z, z)

    def kernel(self, b):
        fma, lerp = b.fma, b.lerp
        b1, b2 = self.betas
        eps_, wd, maximize = self.eps, self.weight_decay, self.maximize
        w1, maximum, abs_ = 1 - b1, b.maximum, b.abs

        def update(p, g, state, neg_clr):
            m, u = state
            if maximize:
                g = -g
            if wd != 0:
                g = fma(wd, p, g)
            m = lerp(m, g, w1)
            u = maximum(u * b2, abs_(g) + eps_)
            return p + (neg_clr * m) / u, (m, u)

        return update


@dataclass(frozen=True)
class NAdam(Optimizer):
    lr: float = 2e-3
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    weight_decay: float = 0.0
    momentum_decay: float = 4e-3
    decoupled_weight_decay: bool = False
    maximize: bool = False

    SPEC = OptimizerSpec(
        name="nadam", label="NAdam", family="adam",
        params=(
            p_lr(2e-3), p_betas(), p_eps(1e-8), p_weight_decay(),
            hp("momentum_decay", "float", 4e-3, 0.0, 1.0, log=True, slider=(1e-4, 1e-1),
               en="How fast the Nesterov momentum schedule mu_t = beta1 (1 - 0.5 * 0.96^(t psi)) warms up.",
               zh="Nesterov 动量日程 mu_t = beta1 (1 - 0.5 * 0.96^(t psi)) 的预热速度。"),
            p_decoupled(False), MAXIMIZE,
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
        _check_adam_family(self)
        require(self.momentum_decay >= 0.0,
                f"Invalid momentum_decay value: {self.momentum_decay} (momentum_decay must be >= 0)")

    def schedule(self, steps: int) -> list:
        lr_, (b1, b2), psi = self.lr, self.betas, self.momentum_decay
        mu_product, out = 1.0, []
        for t in range(1, steps + 1):
            step = float(t)
            bias_correction2 = 1 - b2**step
            mu = b1 * (1.0 - 0.5 * (0.96 ** (step * psi)))
            mu_next = b1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * psi)))
            mu_product *= mu
            mu_product_next = mu_product * mu_next
            c_grad = -lr_ * (1.0 - mu) / (1.0 - mu_product)
            c_avg = (-lr_ * mu_next) / (1.0 - mu_product_next)
            out.append((bias_correction2, c_grad, c_avg))
        return out

    def state0(self, p, b):
        z = 0.0 * p
        return (z, z)

    def kernel(self, b):
        fma, lerp = b.fma, b.lerp
        b1, b2 = self.betas
        eps_, wd, maximize, decoupled_ = self.eps, self.weight_decay, self.maximize, self.decoupled_weight_decay
        shrink, w1, w2, sqrt = 1 - self.lr * wd, 1 - b1, 1 - b2, b.sqrt

        def update(p, g, state, k):
            m, v = state
            bias_correction2, c_grad, c_avg = k
            if maximize:
                g = -g
            if wd != 0:
                if decoupled_:
                    p = p * shrink
                else:
                    g = fma(wd, p, g)
            m = lerp(m, g, w1)
            v = fma(w2 * g, g, v * b2)
            denom = sqrt(v / bias_correction2) + eps_
            p = p + (c_grad * g) / denom
            return p + (c_avg * m) / denom, (m, v)

        return update


@dataclass(frozen=True)
class RAdam(Optimizer):
    lr: float = 1e-3
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    weight_decay: float = 0.0
    decoupled_weight_decay: bool = False
    maximize: bool = False

    SPEC = OptimizerSpec(
        name="radam", label="RAdam", family="adam",
        params=(p_lr(1e-3), p_betas(), p_eps(1e-8), p_weight_decay(), p_decoupled(False), MAXIMIZE),
        latex=(r"\rho_\infty = \tfrac{2}{1-\beta_2}-1;\quad "
               r"\rho_t = \rho_\infty - \tfrac{2t\beta_2^t}{1-\beta_2^t};\quad "
               r"\theta_t = \theta_{t-1} - \gamma\,\hat m_t\, r_t \tfrac{\sqrt{1-\beta_2^t}}{\sqrt{v_t}+\epsilon} "
               r"\text{ if } \rho_t > 5 \text{ else } \theta_{t-1} - \gamma\hat m_t"),
        help_en="Rectified Adam: plain momentum SGD for the first steps, until the variance of v can be trusted.",
        help_zh="修正 Adam：前几步先用普通动量 SGD，直到 v 的方差估计可信为止。",
    )

    def _check(self) -> None:
        _check_adam_family(self)

    def schedule(self, steps: int) -> list:
        b1, b2 = self.betas
        out = []
        rho_inf = 2 / (1 - b2) - 1
        for t in range(1, steps + 1):
            step = float(t)
            bias_correction1 = 1 - b1**step
            bias_correction2 = 1 - b2**step
            rho_t = rho_inf - 2 * step * (b2**step) / bias_correction2
            if rho_t > 5.0:
                rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                out.append((bias_correction1, bias_correction2**0.5, rect))
            else:
                out.append((bias_correction1, None, None))
        return out

    def state0(self, p, b):
        z = 0.0 * p
        return (z, z)

    def kernel(self, b):
        fma, lerp = b.fma, b.lerp
        b1, b2 = self.betas
        lr_, eps_, wd, maximize = self.lr, self.eps, self.weight_decay, self.maximize
        decoupled_ = self.decoupled_weight_decay
        shrink, w1, w2, sqrt = 1 - lr_ * wd, 1 - b1, 1 - b2, b.sqrt

        def update(p, g, state, k):
            m, v = state
            bias_correction1, bc2_sqrt, rect = k
            if maximize:
                g = -g
            if wd != 0:
                if decoupled_:
                    p = p * shrink
                else:
                    g = fma(wd, p, g)
            m = lerp(m, g, w1)
            v = fma(w2 * g, g, v * b2)
            corrected = m / bias_correction1
            if rect is None:
                return p - corrected * lr_, (m, v)
            # torch evaluates `float / tensor` as `tensor.reciprocal() * float` (Tensor.__rtruediv__)
            adaptive_lr = (1.0 / (sqrt(v) + eps_)) * bc2_sqrt
            return p - corrected * lr_ * adaptive_lr * rect, (m, v)

        return update


@dataclass(frozen=True)
class SparseAdam(Optimizer):
    lr: float = 1e-3
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    maximize: bool = False

    SPEC = OptimizerSpec(
        name="sparseadam", label="SparseAdam", family="adam",
        params=(p_lr(1e-3, low=1e-12), p_betas(), hp("eps", "float", 1e-8, 1e-30, 1.0, log=True, slider=(1e-12, 1e-1),
                en="Added to the denominator so it is never zero.", zh="加到分母上的小数，防止除以零。"), MAXIMIZE),
        latex=(r"\text{only where } g_t \ne 0:\ m_t = m_{t-1} + (1-\beta_1)(g_t - m_{t-1});\ "
               r"v_t = v_{t-1} + (1-\beta_2)(g_t^2 - v_{t-1});\ "
               r"\theta_t = \theta_{t-1} - "
               r"\gamma\frac{\sqrt{1-\beta_2^t}}{1-\beta_1^t}\frac{m_t}{\sqrt{v_t}+\epsilon}"),
        help_en="Adam for sparse gradients: a coordinate whose gradient is exactly zero keeps its m, v and value.",
        help_zh="稀疏梯度版 Adam：梯度恰为零的坐标，其 m、v 和参数都保持不变。",
    )

    def _check(self) -> None:
        _check_adam_family(self, strict_lr_eps=True)

    def schedule(self, steps: int) -> list:
        # torch.optim.SparseAdam keeps eps outside the bias correction: step_size = lr*sqrt(bc2)/bc1 multiplies
        # m/(sqrt(v)+eps), where Adam divides by sqrt(v)/sqrt(bc2)+eps. The step count advances every step, even
        # when every gradient coordinate is zero.
        lr_, (b1, b2) = self.lr, self.betas
        return [-(lr_ * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)) for t in range(1, steps + 1)]

    def state0(self, p, b):
        z = 0.0 * p
        return (z, z)

    def kernel(self, b):
        b1, b2 = self.betas
        eps_, maximize, where, sqrt = self.eps, self.maximize, b.where, b.sqrt
        w1, w2 = 1 - b1, 1 - b2

        def update(p, g, state, neg_step_size):
            m, v = state
            if maximize:
                g = -g
            # torch turns the dense gradient into a sparse one: only non-zero entries are materialized, and only
            # those coordinates of m, v and the parameter are touched.
            nz = g != 0
            m_update = (g - m) * w1
            v_update = (g * g - v) * w2
            numer = m_update + m
            denom = sqrt(v_update + v) + eps_
            p_new = p + neg_step_size * (numer / denom)
            return where(nz, p_new, p), (where(nz, m + m_update, m), where(nz, v + v_update, v))

        return update
