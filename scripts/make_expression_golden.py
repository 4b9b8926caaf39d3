"""Dev-only: torch autograd values and gradients for formulas, written to tests/data/expression_golden.json.

Three sets, all in float64 on torch 2.13's CPU build:

- ``cases``: typed formulas, each beside a hand-written torch lambda meaning the same thing, so the golden checks
  our parser (precedence, implicit products) as well as the gradient engine. The script also checks that the
  lambda and the formula's parsed tree, evaluated in torch, agree to the bit.
- ``surfaces``: every built-in surface at random points of its domain, from its ``Surface.expression`` through
  scripts/torch_reference.py, with the gradient taken through ``p[0], p[1]`` as a student's script does.
- ``random``: seeded random formulas (the grammar's operations nested at random) at a few points each: the order
  of autograd's accumulation, replayed over many shapes of tree.

Each point carries ``exact``: whether torch's elementary functions (sin, exp, sqrt, ... and the ones their
backward calls) returned libm's value at every argument met there. torch's vectorized kernels do not always round
as libm does (sqrt included), and the tests demand the bit only where they did. The CPU that made the file is
recorded too. Run: /work/venv-torch/bin/python scripts/make_expression_golden.py
"""

from __future__ import annotations

import json
import math
import random
import subprocess
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from torch_reference import TORCH_OPS, torch_formula  # noqa: E402

from optim_core import SURFACES  # noqa: E402
from optim_core.expression import ExpressionError, parse_term  # noqa: E402

torch.set_default_dtype(torch.float64)

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "expression_golden.json"
PI, E = math.pi, math.e

# x > 0 at every point, so x^y and log(x) are real; no point sits on a kink of abs, min or max.
POINTS = [(0.5, 0.25), (1.3, -0.7), (2.1, 1.6), (0.9, -1.9)]

CASES = {
    "x^4 - 2x^2 + y^2": lambda x, y: x**4 - 2 * x**2 + y**2,
    "sin(x)cos(y)": lambda x, y: torch.sin(x) * torch.cos(y),
    "(x+1)(y-1) + 3(x+y)": lambda x, y: (x + 1) * (y - 1) + 3 * (x + y),
    "1e-3*x^2 - x y": lambda x, y: 1e-3 * x**2 - x * y,
    "-x^2 + 2^-y": lambda x, y: -(x**2) + 2 ** (-y),
    "max(x, y^2) + min(sin(x), cos(y))": lambda x, y: torch.maximum(x, y**2)
    + torch.minimum(torch.sin(x), torch.cos(y)),
    "sqrt(x^2 + y^2 + 1)": lambda x, y: torch.sqrt(x**2 + y**2 + 1),
    "log(1 + x^2) / (1 + abs(y))": lambda x, y: torch.log(1 + x**2) / (1 + torch.abs(y)),
    "tanh(x y) + sinh(x)/cosh(y)": lambda x, y: torch.tanh(x * y) + torch.sinh(x) / torch.cosh(y),
    "atan(y/(x^2+1)) * tan(x/3)": lambda x, y: torch.atan(y / (x**2 + 1)) * torch.tan(x / 3),
    "e^x * pi y": lambda x, y: E**x * PI * y,
    "x^y + y^3/x": lambda x, y: x**y + y**3 / x,
    "(1-x)^2 + 100(y-x^2)^2": lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
    "exp(exp(x/4)) - cos(x y)^3": lambda x, y: torch.exp(torch.exp(x / 4)) - torch.cos(x * y) ** 3,
    "(x^2 + y - 11)^2 + (x + y^2 - 7)^2": lambda x, y: (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2,
    "2 sin(x)^2 / (x - y)^-2": lambda x, y: 2 * torch.sin(x) ** 2 / (x - y) ** -2,
    "e^(-(x^2+y^2)/2) * log(x)": lambda x, y: E ** (-(x**2 + y**2) / 2) * torch.log(x),
    # a number over a tensor is t.reciprocal() * c in torch, one rounding more than c / t
    "3/x + 7/(x y + 2)": lambda x, y: 3 / x + 7 / (x * y + 2),
    "x*x*x + y*y*x - x/y": lambda x, y: x * x * x + y * y * x - x / y,
    "x^0.5 + y^2 * x^-0.5 + x^1.5 - x^-1 + x^-2 + x^2.5": lambda x, y: x**0.5 + y**2 * x**-0.5 + x**1.5 - x**-1
    + x**-2 + x**2.5,
    "tanh(x - y)^2 + tanh(x) tanh(y)": lambda x, y: torch.tanh(x - y) ** 2 + torch.tanh(x) * torch.tanh(y),
    "max(x, 1) * min(y, 0.5) + max(0, y)": lambda x, y: torch.maximum(x, torch.tensor(1.0))
    * torch.minimum(y, torch.tensor(0.5)) + torch.maximum(torch.tensor(0.0), y),
    "x^x - 0.5^y + (x x + 1)^(x-y)": lambda x, y: x**x - 0.5**y + (x * x + 1) ** (x - y),
}

_CHECKED = {"sin": ("sin", "cos"), "cos": ("cos", "sin"), "tan": ("tan",), "exp": ("exp",), "log": ("log",),
            "sqrt": ("sqrt",), "tanh": ("tanh",), "sinh": ("sinh", "cosh"), "cosh": ("cosh", "sinh"),
            "atan": ("atan",)}


def _agree(name: str, t) -> bool:
    """Whether torch's `name` at tensor t's value is libm's (math's) value."""
    v = float(t.detach()) if isinstance(t, torch.Tensor) else float(t)
    try:
        want = getattr(math, name)(v)
    except (ValueError, OverflowError):
        return True  # torch's inf or nan; the comparison below is about finite numbers
    return getattr(torch, name)(torch.tensor(v)).item() == want


def instrumented_ops(flags: list) -> dict:
    """TORCH_OPS, recording in `flags` whether each elementary function (and its backward's) agreed with libm."""
    ops = dict(TORCH_OPS)
    for op, names in _CHECKED.items():
        def wrapped(a, op=op, names=names):
            flags.extend(_agree(n, a) for n in names)
            return TORCH_OPS[op](a)
        ops[op] = wrapped

    def power(a, b):
        if isinstance(b, float) and isinstance(a, torch.Tensor):
            if b in (0.5, -0.5) or b - 1.0 in (0.5, -0.5):  # Tensor.pow's sqrt and rsqrt kernels
                flags.append(_agree("sqrt", a))
        elif isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor):
            flags.append(_agree("log", a))  # the exponent's gradient is result * log(self)
        return TORCH_OPS["pow"](a, b)
    ops["pow"] = power
    return ops


def autograd(f, x: float, y: float, through_vector: bool):
    """(value, [df/dx, df/dy]) of torch autograd, with x and y as leaves or as p[0], p[1] of one tensor p."""
    if through_vector:
        p = torch.tensor([x, y], requires_grad=True)
        value = f(p[0], p[1])
        if not isinstance(value, torch.Tensor):
            raise ValueError("a constant formula")
        (g,) = torch.autograd.grad(value, p)
        return value.item(), g.tolist()
    tx, ty = torch.tensor(x, requires_grad=True), torch.tensor(y, requires_grad=True)
    value = f(tx, ty)
    if not isinstance(value, torch.Tensor):
        raise ValueError("a constant formula")
    gx, gy = torch.autograd.grad(value, (tx, ty), allow_unused=True, materialize_grads=True)
    return value.item(), [gx.item(), gy.item()]


def record(text: str, points, through_vector: bool, reference=None) -> dict | None:
    out = {"text": text, "points": [list(p) for p in points], "f": [], "grad": [], "exact": []}
    for x, y in points:
        flags: list = []
        try:
            value, grad = autograd(torch_formula(text, instrumented_ops(flags)), x, y, through_vector)
        except (ZeroDivisionError, ValueError, OverflowError, RuntimeError):
            return None
        if not all(math.isfinite(v) for v in (value, *grad)):
            return None
        if reference is not None:
            assert autograd(reference, x, y, through_vector) == (value, grad), ("lambda != parsed tree", text)
        out["f"].append(value)
        out["grad"].append(grad)
        out["exact"].append(all(flags))
    return out


def random_formula(rng: random.Random, depth: int) -> str:
    if depth == 0 or rng.random() < 0.25:
        return rng.choice(["x", "y", "x", "y", "2", "0.5", "3", "pi", "1.5", "e", "0.3"])
    kind = rng.random()
    a = random_formula(rng, depth - 1)
    if kind < 0.55:
        b = random_formula(rng, depth - 1)
        op = rng.choice(["+", "-", "*", "/", "+", "-", "*", "^"])
        if op == "^":
            b = rng.choice(["2", "3", "0.5", "-1", "-2", "1.5", "-0.5", "4", "y", "x"])
            return f"({a})^{b}"
        return f"({a}) {op} ({b})"
    if kind < 0.65:
        return f"-({a})"
    if kind < 0.72:
        return f"{rng.choice(['min', 'max'])}({a}, {random_formula(rng, depth - 1)})"
    return f"{rng.choice(['sin', 'cos', 'exp', 'tanh', 'atan', 'sqrt', 'log', 'abs', 'sinh', 'cosh', 'tan'])}({a})"


def main() -> None:
    rng = random.Random(2026)
    cases = [c for text, f in CASES.items() if (c := record(text, POINTS, False, f)) is not None]
    assert len(cases) == len(CASES), "a hand-written case failed to evaluate"
    surfaces = []
    for name, s in SURFACES.items():
        (x0, x1), (y0, y1) = s.domain
        pts = [(rng.uniform(x0, x1), rng.uniform(y0, y1)) for _ in range(40)]
        rec = record(s.expression, pts, True)
        assert rec is not None, name
        surfaces.append({"name": name, **rec})
    randoms = []
    while len(randoms) < 150:
        text = random_formula(rng, 5)
        try:
            parse_term(text)
        except ExpressionError:
            continue
        pts = [(rng.uniform(0.2, 2.0), rng.uniform(-2.0, 2.0)) for _ in range(3)]
        rec = record(text, pts, False)
        if rec is not None:
            randoms.append(rec)
    cpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines()
    model = next((line.split(":", 1)[1].strip() for line in cpu if line.startswith("Model name")), "unknown")
    head = json.dumps({"generator": "scripts/make_expression_golden.py", "torch": torch.__version__,
                       "cpu": model})[:-1]
    parts = []
    for key, items in (("cases", cases), ("surfaces", surfaces), ("random", randoms)):
        body = ",\n  ".join(json.dumps(c) for c in items)  # one formula per line, for readable diffs
        parts.append(f'"{key}": [\n  {body}\n]')
    OUT.write_text(f"{head}, " + ", ".join(parts) + "}\n")
    exact = sum(sum(c["exact"]) for c in cases + surfaces + randoms)
    total = sum(len(c["exact"]) for c in cases + surfaces + randoms)
    print(f"wrote {len(cases)} cases, {len(surfaces)} surfaces, {len(randoms)} random formulas to {OUT}; "
          f"{exact} of {total} points where torch's elementary functions agree with libm")


if __name__ == "__main__":
    main()
