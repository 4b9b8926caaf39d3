"""SGD (with momentum, dampening, Nesterov, weight decay) and ASGD, in the order of torch.optim's algorithm boxes.

Each ``update`` mirrors ``torch.optim.sgd._single_tensor_sgd`` / ``asgd._single_tensor_asgd`` line for line with
the backend's torch-named operations (``add(t, u, alpha)`` is ``t.add(u, alpha=...)``, fused in ATen); scalars are
Python floats as in torch, so float64 results agree with torch's to the last bit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

from ..spec import MAXIMIZE, NO_STATE, Optimizer, OptimizerSpec, hp, p_lr, p_weight_decay, record, require


class SGDState(NamedTuple):
    """torch's ``state[p]`` once momentum is on (before the first step it is empty: :data:`NO_STATE`)."""

    momentum_buffer: Any


class SGDScalars(NamedTuple):
    lr: float
    momentum: float


@dataclass(frozen=True)
class SGD(Optimizer):
    lr: float = 1e-3
    momentum: float = 0.0
    dampening: float = 0.0
    weight_decay: float = 0.0
    nesterov: bool = False
    maximize: bool = False

    SCHEDULABLE: ClassVar = ("lr", "momentum")
    SPEC = OptimizerSpec(
        name="sgd",
        label="SGD",
        family="sgd",
        params=(
            p_lr(),
            hp("momentum", "float", 0.0, 1.0, slider=(0.0, 0.99),
               en="Momentum factor: how much of the last step's velocity carries over.",
               zh="动量系数：上一步的速度保留多少。"),
            hp("dampening", "float", 0.0, 1.0, slider=(0.0, 1.0),
               en="Dampening: scales down the new gradient's share of the momentum buffer.",
               zh="阻尼：减小新梯度在动量缓冲中的份额。"),
            p_weight_decay(),
            hp("nesterov", "bool",
               en="Nesterov momentum: look ahead along the velocity before taking the gradient step.",
               zh="Nesterov 动量：先沿速度方向“预看”一步再用梯度修正。"),
            MAXIMIZE,
        ),
        latex=(r"g_t = \nabla f(\theta_{t-1}) + \lambda\theta_{t-1};\quad "
               r"b_t = \mu b_{t-1} + (1-\tau) g_t \ (b_1 = g_1);\quad "
               r"g_t \leftarrow g_t + \mu b_t \text{ if nesterov else } b_t;\quad "
               r"\theta_t = \theta_{t-1} - \gamma g_t"),
        help_en="Stochastic gradient descent, optionally with (Nesterov) momentum.",
        help_zh="随机梯度下降，可加（Nesterov）动量。",
    )

    def _check(self) -> None:
        require(self.lr >= 0.0, f"Invalid learning rate: {self.lr} (lr must be >= 0)")
        require(self.momentum >= 0.0, f"Invalid momentum value: {self.momentum} (momentum must be >= 0)")
        require(self.weight_decay >= 0.0,
                f"Invalid weight_decay value: {self.weight_decay} (weight_decay must be >= 0)")
        require(not self.nesterov or (self.momentum > 0 and self.dampening == 0),
                "Nesterov momentum requires a momentum and zero dampening "
                f"(nesterov=true needs momentum > 0 and dampening = 0; got momentum={self.momentum}, "
                f"dampening={self.dampening})")

    def state0(self, p, b, lr):
        return NO_STATE  # torch creates momentum_buffer at the first step, as a copy of the gradient

    def scalar_steps(self, prev, values):
        for lr, momentum, _ in values:
            yield record(SGDScalars, (lr, momentum))

    def kernel(self, b):
        add = b.add
        dampening, weight_decay, nesterov, maximize = self.dampening, self.weight_decay, self.nesterov, self.maximize

        def update(param, grad, state, k):
            if maximize:
                grad = -grad
            if weight_decay != 0:
                grad = add(grad, param, weight_decay)
            momentum = k.momentum
            if momentum != 0:
                # torch: `if buf is None: buf = grad.detach().clone()`, else buf.mul_(momentum).add_(grad, ...)
                buf = grad if state is NO_STATE else add(state.momentum_buffer * momentum, grad, 1 - dampening)
                state = record(SGDState, (buf,))
                grad = add(grad, buf, momentum) if nesterov else buf
            return add(param, grad, -k.lr), state

        return update


class ASGDState(NamedTuple):
    step: float
    eta: float
    mu: float
    ax: Any


class ASGDScalars(NamedTuple):
    """The per-tensor state after the step: torch updates eta and mu from the new step count (and lr)."""

    step: float
    eta: float
    mu: float


@dataclass(frozen=True)
class ASGD(Optimizer):
    lr: float = 1e-2
    lambd: float = 1e-4
    alpha: float = 0.75
    t0: float = 1e6
    weight_decay: float = 0.0
    maximize: bool = False

    TENSOR_SCALARS: ClassVar = ("step", "eta", "mu")
    SPEC = OptimizerSpec(
        name="asgd",
        label="ASGD",
        family="sgd",
        params=(
            p_lr(),
            hp("lambd", "float", 0.0, 1.0, log=True, slider=(1e-6, 1e-1),
               en="Decay term: shrinks the weights and the step size over time.",
               zh="衰减项：随时间缩小参数和步长。"),
            hp("alpha", "float", 0.0, 10.0, slider=(0.0, 2.0),
               en="Power of the step-size decay eta_t = lr / (1 + lambd*lr*t)^alpha.",
               zh="步长衰减的幂次：eta_t = lr / (1 + lambd*lr*t)^alpha。"),
            hp("t0", "float", 0.0, 1e9, log=True, slider=(1.0, 1e6),
               en="Step at which averaging starts (the average ax is not drawn; it does not move the path).",
               zh="开始取平均的步数（平均值 ax 不影响路径，也不绘制）。"),
            p_weight_decay(),
            MAXIMIZE,
        ),
        latex=(r"g_t = \nabla f(\theta_{t-1}) + \lambda\theta_{t-1};\quad "
               r"\theta_t = \theta_{t-1}(1-\lambda_d\eta_{t-1}) - \eta_{t-1} g_t;\quad "
               r"\eta_t = \gamma / (1+\lambda_d\gamma t)^\alpha"),
        help_en="Averaged SGD: SGD with a slowly decaying step size (the average itself is kept off the path).",
        help_zh="平均随机梯度下降：步长缓慢衰减的 SGD（平均值不影响路径）。",
    )

    def _check(self) -> None:
        require(self.lr >= 0.0, f"Invalid learning rate: {self.lr} (lr must be >= 0)")
        require(self.weight_decay >= 0.0,
                f"Invalid weight_decay value: {self.weight_decay} (weight_decay must be >= 0)")

    def state0(self, p, b, lr):
        return record(ASGDState, (0.0, lr, 1.0, 0.0 * p))

    def scalar_steps(self, prev, values):
        # eta and mu are per-tensor in torch, recomputed after each step from the step count and the group's lr.
        lambd, alpha, t0, step = self.lambd, self.alpha, self.t0, prev.step
        for lr, _, _ in values:
            step += 1
            eta = lr / ((1 + lambd * lr * step) ** alpha)
            mu = 1 / max(1, step - t0)
            yield record(ASGDScalars, (step, eta, mu))

    def kernel(self, b):
        add = b.add
        lambd, weight_decay, maximize = self.lambd, self.weight_decay, self.maximize

        def update(param, grad, state, k):
            if maximize:
                grad = -grad
            if weight_decay != 0:
                grad = add(grad, param, weight_decay)
            eta_value = state.eta
            param = param * (1 - lambd * eta_value)  # decay term
            param = add(param, grad, -eta_value)  # update parameter
            ax, mu = state.ax, state.mu
            ax = ax + (param - ax) * mu if mu != 1 else param  # averaging
            return param, record(ASGDState, (k.step, k.eta, k.mu, ax))

        return update
