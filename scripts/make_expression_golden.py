"""Dev-only: torch autograd values and gradients for typed formulas, written to tests/data/expression_golden.json.

Each formula string sits beside a hand-written torch lambda meaning the same thing, so the golden checks our
parser (precedence, implicit products) as well as our symbolic derivatives. Needs torch (2.13, CPU); the tests
only read the JSON. Run: .venv/bin/python scripts/make_expression_golden.py
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import torch

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
    "e^x * pi y": lambda x, y: torch.exp(x) * PI * y,
    "x^y + y^3/x": lambda x, y: x**y + y**3 / x,
    "(1-x)^2 + 100(y-x^2)^2": lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
    "exp(exp(x/4)) - cos(x y)^3": lambda x, y: torch.exp(torch.exp(x / 4)) - torch.cos(x * y) ** 3,
    "(x^2 + y - 11)^2 + (x + y^2 - 7)^2": lambda x, y: (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2,
    "2 sin(x)^2 / (x - y)^-2": lambda x, y: 2 * torch.sin(x) ** 2 / (x - y) ** -2,
    "e^(-(x^2+y^2)/2) * log(x)": lambda x, y: E ** (-(x**2 + y**2) / 2) * torch.log(x),
}


def main() -> None:
    cases = []
    for text, f in CASES.items():
        values, grads = [], []
        for px, py in POINTS:
            x = torch.tensor(px, requires_grad=True)
            y = torch.tensor(py, requires_grad=True)
            value = f(x, y)
            gx, gy = torch.autograd.grad(value, (x, y))
            values.append(value.item())
            grads.append([gx.item(), gy.item()])
        cases.append({"text": text, "points": [list(p) for p in POINTS], "f": values, "grad": grads})
    head = json.dumps({"generator": "scripts/make_expression_golden.py", "torch": torch.__version__})[:-1]
    body = ",\n  ".join(json.dumps(c) for c in cases)  # one formula per line, for readable diffs
    OUT.write_text(f'{head}, "cases": [\n  {body}\n]}}\n')
    print(f"wrote {len(cases)} formulas x {len(POINTS)} points to {OUT}")


if __name__ == "__main__":
    main()
