"""Small fully connected models with exact, hand-written gradients (float64, vectorized, no autograd).

Every model is the equivalent of a torch ``nn.Sequential`` of ``nn.Linear`` layers, with ``nn.Tanh`` or
``nn.ReLU`` between them, and one output unit:

- ``line``: ``Linear(1, 1)`` with ``MSELoss``, y = w·x + b (P = 2);
- ``linear``: ``Linear(features, 1)`` with ``MSELoss``, the notes' ``nn.Linear(10, 1)`` (P = 11 on 10 features);
- ``logistic``: ``Linear(features, 1)`` with ``BCEWithLogitsLoss`` (P = 3 on 2-D points);
- ``mlp``: 1 to 3 hidden layers of 1 to 32 units, tanh or relu, then ``Linear(h, 1)`` and ``BCEWithLogitsLoss``.

The parameter vector is torch's ``model.parameters()`` flattened: each layer's weight (out, in) row-major, then
its bias, layer by layer, so ``torch.nn.utils.vector_to_parameters(torch.tensor(params[0]), model.parameters())``
loads it into the torch model. Losses are mean-reduced. The forward and backward passes follow torch's kernels
(``addmm(b, x, W.t())``, ``mse_loss_backward``: ``2/n * (out - y)``, ``binary_cross_entropy_with_logits``:
``(1 - y) * z - log_sigmoid(z)`` and ``(sigmoid(z) - y) / n``, ``tanh_backward``: ``g * (1 - a*a)``, relu's
``threshold_backward``), so the numbers differ from torch's only where BLAS sums a product in another order.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..spec import Hyperparameter
from .options import option

HIDDEN_LAYERS_RANGE = (1, 3)  # hidden layers of an MLP
HIDDEN_UNITS_RANGE = (1, 32)  # units in each hidden layer
ACTIVATIONS = ("tanh", "relu")


class Network:
    """A stack of Linear layers of the given ``sizes`` (inputs, hidden..., 1) and its loss, on flat parameters."""

    def __init__(self, sizes: tuple[int, ...], activation: str | None, loss: str):
        self.sizes = tuple(int(s) for s in sizes)
        self.activation = activation
        self.loss_kind = loss  # "mse" or "bce"
        self.classifier = loss == "bce"
        self._layers = []  # (weight slice, bias slice, weight shape)
        offset = 0
        for fan_in, fan_out in zip(self.sizes[:-1], self.sizes[1:], strict=True):
            w = slice(offset, offset + fan_out * fan_in)
            b = slice(w.stop, w.stop + fan_out)
            self._layers.append((w, b, (fan_out, fan_in)))
            offset = b.stop
        self.n_params = offset

    def parameter_names(self) -> list[tuple[str, tuple[int, ...]]]:
        """torch's ``named_parameters()`` of the equivalent ``nn.Sequential`` (an activation sits between Linears)."""
        out = []
        for i, (_, _, shape) in enumerate(self._layers):
            out += [(f"{2 * i}.weight", shape), (f"{2 * i}.bias", (shape[0],))]
        return out

    def init_params(self, seed: int) -> np.ndarray:
        """torch's default ``nn.Linear`` initialization, drawn with ``np.random.default_rng(seed)``.

        torch's ``kaiming_uniform_(weight, a=sqrt(5))`` is U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the bias has the
        same bound. Draws go layer by layer, the weight (row-major) then the bias: the same distribution as torch's,
        not torch's random stream.
        """
        rng = np.random.default_rng(seed)
        p = np.empty(self.n_params)
        for w, b, (fan_out, fan_in) in self._layers:
            bound = 1.0 / math.sqrt(fan_in)
            p[w] = rng.uniform(-bound, bound, fan_out * fan_in)
            p[b] = rng.uniform(-bound, bound, fan_out)
        return p

    def _hidden(self, z: np.ndarray) -> np.ndarray:
        return np.tanh(z) if self.activation == "tanh" else np.maximum(z, 0.0)

    def _forward(self, params: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        """The output (n,) and each layer's input, kept for the backward pass."""
        a, inputs = X, []
        last = len(self._layers) - 1
        for i, (w, b, shape) in enumerate(self._layers):
            inputs.append(a)
            z = a @ params[w].reshape(shape).T + params[b]  # torch: addmm(bias, input, weight.t())
            a = z if i == last else self._hidden(z)
        return a[:, 0], inputs

    def _loss(self, out: np.ndarray, y: np.ndarray) -> float:
        if self.classifier:
            log_sigmoid = np.minimum(out, 0.0) - np.log1p(np.exp(-np.abs(out)))
            return float(np.mean((1.0 - y) * out - log_sigmoid))
        d = out - y
        return float(np.mean(d * d))

    def _loss_grad(self, out: np.ndarray, y: np.ndarray) -> np.ndarray:
        """d(mean loss)/d(out), as torch's backward kernels compute it."""
        n = out.shape[0]
        if self.classifier:
            return (1.0 / (1.0 + np.exp(-out)) - y) / n  # binary_cross_entropy_with_logits_backward
        return (2.0 / n) * (out - y)  # mse_loss_backward: norm * (input - target) * grad_output

    def evaluate(self, params: np.ndarray, X: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        """(mean loss, output) without the backward pass."""
        out, _ = self._forward(params, X)
        return self._loss(out, y), out

    def loss_grad(self, params: np.ndarray, X: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """(mean loss, its gradient as a P-vector, output), torch's backward pass written out by hand."""
        out, inputs = self._forward(params, X)
        G = self._loss_grad(out, y)[:, None]
        grad = np.empty(self.n_params)
        for i in range(len(self._layers) - 1, -1, -1):
            w, b, shape = self._layers[i]
            a = inputs[i]
            np.matmul(G.T, a, out=grad[w].reshape(shape))  # weight.grad = grad_out.t() @ input
            grad[b] = G.sum(axis=0)
            if i:
                G = G @ params[w].reshape(shape)
                G = G * (1.0 - a * a) if self.activation == "tanh" else G * (a > 0.0)
        return self._loss(out, y), grad, out


def accuracy(out: np.ndarray, y: np.ndarray) -> float:
    """The share of points on the right side of the decision boundary (logit > 0 means class 1)."""
    return float(np.mean((out > 0.0) == (y > 0.5)))


@dataclass(frozen=True)
class ModelSpec:
    """A model family: its loss, its options, and how to build it for data with ``features`` inputs."""

    name: str
    task: str  # "regression" | "classification"
    options: tuple[Hyperparameter, ...]
    build: Callable[[dict[str, Any], int], Network]
    help_en: str
    help_zh: str

    def defaults(self) -> dict[str, Any]:
        return {o.name: o.default for o in self.options}


def _line(options: dict, features: int) -> Network:
    if features != 1:
        raise ValueError(f"Invalid data for line: {features} features (line needs exactly 1 feature, e.g. "
                         "regression with features=1)")
    return Network((1, 1), None, "mse")


def _mlp(options: dict, features: int) -> Network:
    return Network((features, *options["hidden"], 1), options["activation"], "bce")


MODELS: dict[str, ModelSpec] = {
    "line": ModelSpec("line", "regression", (), _line,
                      "A line y = w·x + b fitted by mean squared error: its loss is a 2-D surface over (w, b).",
                      "用均方误差拟合直线 y = w·x + b：损失是 (w, b) 上的二维曲面。"),
    "linear": ModelSpec("linear", "regression", (), lambda options, features: Network((features, 1), None, "mse"),
                        "The notes' nn.Linear(10, 1) with MSELoss (one weight per feature, plus a bias).",
                        "笔记中的 nn.Linear(10, 1) 加 MSELoss（每个特征一个权重，外加偏置）。"),
    "logistic": ModelSpec("logistic", "classification", (),
                          lambda options, features: Network((features, 1), None, "bce"),
                          "Logistic regression with BCEWithLogitsLoss: a straight decision boundary.",
                          "用 BCEWithLogitsLoss 的逻辑回归：决策边界是一条直线。"),
    "mlp": ModelSpec(
        "mlp", "classification",
        (option("hidden", "list", (16, 16), *HIDDEN_UNITS_RANGE,
            en="Units in each hidden layer (1 to 3 layers).", zh="每个隐藏层的单元数（1 到 3 层）。"),
         option("activation", "choice", "tanh", choices=ACTIVATIONS,
            en="Activation between the layers.", zh="层与层之间的激活函数。")),
        _mlp,
        "A small multilayer perceptron with BCEWithLogitsLoss: a curved decision boundary.",
        "带 BCEWithLogitsLoss 的小型多层感知机：决策边界可以弯曲。"),
}
