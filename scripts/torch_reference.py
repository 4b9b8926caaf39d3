"""Dev-only: run torch.optim on our surfaces, the way a student would. Needs `pip install torch==2.13.0`.

Shared by scripts/make_golden.py (goldens the tests read), scripts/make_expression_golden.py and
scripts/check_parity.py (random settings). Never imported by the package or the tests.

The surfaces are not restated here: each is its ``Surface.expression`` text, parsed by optim_core's own parser
into a Term tree and evaluated by :func:`torch_formula` with x and y as tensors, each number a Python float and
each function torch's, as a student would write the formula in a torch script. Nothing runs the text as code.
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from optim_core import SURFACES  # noqa: E402
from optim_core.expression import evaluate, parse_term  # noqa: E402

torch.set_default_dtype(torch.float64)  # float64 throughout, including torch's per-step scalar state

CLASSES = {
    "sgd": torch.optim.SGD, "asgd": torch.optim.ASGD, "adagrad": torch.optim.Adagrad,
    "adadelta": torch.optim.Adadelta, "rmsprop": torch.optim.RMSprop, "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW, "adamax": torch.optim.Adamax, "nadam": torch.optim.NAdam,
    "radam": torch.optim.RAdam, "sparseadam": torch.optim.SparseAdam, "lbfgs": torch.optim.LBFGS,
    "rprop": torch.optim.Rprop,
}


def _tensor(v):
    return v if isinstance(v, torch.Tensor) else torch.tensor(v)


# Term op -> what the torch script does: Python's operators (so a number on the left is Tensor.__radd__,
# __rsub__, __rdiv__, __rpow__...) and torch's functions; min and max take tensors.
TORCH_OPS = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b, "div": lambda a, b: a / b,
    "pow": lambda a, b: a ** b, "neg": lambda a: -a,
    "sin": torch.sin, "cos": torch.cos, "tan": torch.tan, "exp": torch.exp, "log": torch.log, "sqrt": torch.sqrt,
    "abs": torch.abs, "tanh": torch.tanh, "sinh": torch.sinh, "cosh": torch.cosh, "atan": torch.atan,
    "min": lambda a, b: torch.minimum(_tensor(a), _tensor(b)),
    "max": lambda a, b: torch.maximum(_tensor(a), _tensor(b)),
}


def torch_formula(text: str, ops: dict | None = None):
    """f(x, y) on tensors for a formula in the expression language, built from its parsed tree."""
    term, _ = parse_term(text)
    ops = TORCH_OPS if ops is None else ops
    return lambda x, y: evaluate(term, (x, y), ops)


TORCH_SURFACES = {name: torch_formula(s.expression) for name, s in SURFACES.items()}


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
