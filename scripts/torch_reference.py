"""Dev-only: run torch.optim on our surfaces, the way a student would. Needs `pip install torch==2.13.0`.

Shared by scripts/make_golden.py (goldens the tests read) and scripts/check_parity.py (random settings).
Never imported by the package or the tests.
"""

from __future__ import annotations

import math

import torch

torch.set_default_dtype(torch.float64)  # float64 throughout, including torch's per-step scalar state

CLASSES = {
    "sgd": torch.optim.SGD, "asgd": torch.optim.ASGD, "adagrad": torch.optim.Adagrad,
    "adadelta": torch.optim.Adadelta, "rmsprop": torch.optim.RMSprop, "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW, "adamax": torch.optim.Adamax, "nadam": torch.optim.NAdam,
    "radam": torch.optim.RAdam, "sparseadam": torch.optim.SparseAdam, "lbfgs": torch.optim.LBFGS,
    "rprop": torch.optim.Rprop,
}

PI = math.pi


def _beale(x, y):
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2


TORCH_SURFACES = {
    "rosenbrock": lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
    "beale": _beale,
    "booth": lambda x, y: (x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2,
    "himmelblau": lambda x, y: (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2,
    "matyas": lambda x, y: 0.26 * (x**2 + y**2) - 0.48 * x * y,
    "saddle": lambda x, y: x**2 - y**2,
    "monkey_saddle": lambda x, y: x**3 - 3 * x * y**2,
    "rastrigin": lambda x, y: 20 + x**2 - 10 * torch.cos(2 * PI * x) + y**2 - 10 * torch.cos(2 * PI * y),
    "three_hump_camel": lambda x, y: 2 * x**2 - 1.05 * x**4 + x**6 / 6 + x * y + y**2,
    "six_hump_camel": lambda x, y: (4 - 2.1 * x**2 + x**4 / 3) * x**2 + x * y + (-4 + 4 * y**2) * y**2,
    "styblinski_tang": lambda x, y: 0.5 * ((x**4 - 16 * x**2 + 5 * x) + (y**4 - 16 * y**2 + 5 * y)),
    "quadratic": lambda x, y: x**2 + y**2,
    "ill_conditioned": lambda x, y: 0.25 * (x + y) ** 2 + 25 * (x - y) ** 2,
    "plateau": lambda x, y: 1 - torch.exp(-(x**2 + y**2) / 2),
    "ackley": lambda x, y: (-20 * torch.exp(-0.2 * torch.sqrt(0.5 * (x**2 + y**2)))
                            - torch.exp(0.5 * (torch.cos(2 * PI * x) + torch.cos(2 * PI * y))) + math.e + 20),
    "levi": lambda x, y: (torch.sin(3 * PI * x) ** 2 + (x - 1) ** 2 * (1 + torch.sin(3 * PI * y) ** 2)
                          + (y - 1) ** 2 * (1 + torch.sin(2 * PI * y) ** 2)),
    "goldstein_price": lambda x, y: (
        (1 + (x + y + 1) ** 2 * (19 - 14 * x + 3 * x**2 - 14 * y + 6 * x * y + 3 * y**2))
        * (30 + (2 * x - 3 * y) ** 2 * (18 - 32 * x + 12 * x**2 + 48 * y - 36 * x * y + 27 * y**2))),
}


def torch_params(name: str, params: dict) -> dict:
    """Our JSON-ish params -> torch keyword arguments (pairs become tuples)."""
    out = {}
    for k, v in params.items():
        out[k] = tuple(v) if isinstance(v, list) else v
    return out


def trace(name: str, params: dict, surface: str, start, steps: int):
    """Returns (xy list, loss list, evals per step or None) exactly as torch.optim produces them."""
    f = TORCH_SURFACES[surface]
    p = torch.tensor(list(start), dtype=torch.float64, requires_grad=True)
    opt = CLASSES[name]([p], **torch_params(name, params))
    xy, loss, evals = [p.detach().tolist()], [], []
    step_evals: list = []

    def closure():
        opt.zero_grad()
        value = f(p[0], p[1])
        value.backward()
        if name == "sparseadam":
            p.grad = p.grad.to_sparse()
        step_evals.append(p.detach().tolist())
        return value

    for _ in range(steps):
        with torch.no_grad():
            loss.append(float(f(p[0], p[1])))
        step_evals = []
        if name == "lbfgs":
            opt.step(closure)
            evals.append(step_evals)
        else:
            closure()
            opt.step()
        xy.append(p.detach().tolist())
    with torch.no_grad():
        loss.append(float(f(p[0], p[1])))
    return xy, loss, (evals if name == "lbfgs" else None)
