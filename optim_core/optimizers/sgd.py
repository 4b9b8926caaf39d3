"""SGD (with momentum, dampening, Nesterov, weight decay) and ASGD, in the order of torch.optim's algorithm boxes.

Each ``update`` mirrors ``torch.optim.sgd._single_tensor_sgd`` / ``asgd._single_tensor_asgd`` operation for
operation: ``t.add_(u, alpha=a)`` is ``fma(a, u, t)`` (ATen fuses it), ``t.mul_(c)`` is ``t * c``, and scalars
are Python floats as in torch, so float64 results agree with torch's to the last bit.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..spec import MAXIMIZE, Optimizer, OptimizerSpec, hp, p_lr, p_weight_decay, require


@dataclass(frozen=True)
class SGD(Optimizer):
    lr: float = 1e-3
    momentum: float = 0.0
    dampening: float = 0.0
    weight_decay: float = 0.0
    nesterov: bool = False
    maximize: bool = False

    SPEC = OptimizerSpec(
        name="sgd",
        label="SGD",
        family="sgd",
        params=(
            p_lr(1e-3),
            hp("momentum", "float", 0.0, 0.0, 1.0, slider=(0.0, 0.99),
               en="Momentum factor: how much of the last step's velocity carries over.",
               zh="动量系数：上一步的速度保留多少。"),
            hp("dampening", "float", 0.0, 0.0, 1.0, slider=(0.0, 1.0),
               en="Dampening: scales down the new gradient's share of the momentum buffer.",
               zh="阻尼：减小新梯度在动量缓冲中的份额。"),
            p_weight_decay(),
            hp("nesterov", "bool", False,
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

    def schedule(self, steps: int) -> list:
        return [t == 1 for t in range(1, steps + 1)]  # torch clones g into the buffer on the first step

    def state0(self, p, b):
        return 0.0 * p  # the momentum buffer; unused before step 1

    def kernel(self, b):
        fma = b.fma
        lr, momentum, wd, nesterov, maximize = self.lr, self.momentum, self.weight_decay, self.nesterov, self.maximize
        keep = 1 - self.dampening

        def update(p, g, buf, first):
            if maximize:
                g = -g
            if wd != 0:
                g = fma(wd, p, g)
            if momentum != 0:
                buf = g if first else fma(keep, g, buf * momentum)
                g = fma(momentum, buf, g) if nesterov else buf
            return fma(-lr, g, p), buf

        return update


@dataclass(frozen=True)
class ASGD(Optimizer):
    lr: float = 1e-2
    lambd: float = 1e-4
    alpha: float = 0.75
    t0: float = 1e6
    weight_decay: float = 0.0
    maximize: bool = False

    SPEC = OptimizerSpec(
        name="asgd",
        label="ASGD",
        family="sgd",
        params=(
            p_lr(1e-2),
            hp("lambd", "float", 1e-4, 0.0, 1.0, log=True, slider=(1e-6, 1e-1),
               en="Decay term: shrinks the weights and the step size over time.",
               zh="衰减项：随时间缩小参数和步长。"),
            hp("alpha", "float", 0.75, 0.0, 10.0, slider=(0.0, 2.0),
               en="Power of the step-size decay eta_t = lr / (1 + lambd*lr*t)^alpha.",
               zh="步长衰减的幂次：eta_t = lr / (1 + lambd*lr*t)^alpha。"),
            hp("t0", "float", 1e6, 0.0, 1e9, log=True, slider=(1.0, 1e6),
               en="Step at which averaging starts (the averaged point is not drawn; it does not move the path).",
               zh="开始取平均的步数（平均点不影响路径，也不绘制）。"),
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

    def schedule(self, steps: int) -> list:
        # eta and mu are per-tensor scalars in torch, updated after each step from the step count alone, so they
        # are the same for every coordinate and every start point. ax (the running average) never feeds back
        # into the parameters, so it is not computed.
        lr, lambd, alpha = self.lr, self.lambd, self.alpha
        out, eta = [], lr
        for t in range(1, steps + 1):
            out.append((1 - lambd * eta, -eta))
            eta = lr / ((1 + lambd * lr * float(t)) ** alpha)
        return out

    def state0(self, p, b):
        return None

    def kernel(self, b):
        fma = b.fma
        wd, maximize = self.weight_decay, self.maximize

        def update(p, g, state, k):
            decay, neg_eta = k
            if maximize:
                g = -g
            if wd != 0:
                g = fma(wd, p, g)
            return fma(neg_eta, g, p * decay), state

        return update
