"""Dev-only: write tests/data/golden.json, torch.optim 2.13's own trajectories that the core tests must match.

    pip install torch==2.13.0   # the CPU wheel on this machine; never a runtime or test dependency
    python scripts/make_golden.py

Every optimizer, several hyperparameter settings with every boolean flag both on and off, on at least three
surfaces, 200 steps each, in float64. L-BFGS cases also record every point its closure was evaluated at.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from torch_reference import trace  # noqa: E402

STEPS = 200
OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "golden.json"

# (optimizer, params, surface, start): settings chosen to stay finite and away from chaos, so that a 1e-9 match
# over 200 steps tests the arithmetic rather than luck.
CASES = [
    ("sgd", {"lr": 1e-3}, "rosenbrock", [-1.5, 2.0]),
    ("sgd", {"lr": 1e-3, "momentum": 0.9}, "beale", [1.0, 1.5]),
    ("sgd", {"lr": 1e-3, "momentum": 0.9, "nesterov": True}, "beale", [1.0, 1.5]),
    ("sgd", {"lr": 5e-3, "momentum": 0.5, "dampening": 0.3, "weight_decay": 0.1}, "himmelblau", [-1.0, 0.5]),
    ("sgd", {"lr": 1e-2, "momentum": 0.8, "nesterov": True, "maximize": True, "weight_decay": 0.5}, "matyas",
     [3.0, -2.0]),
    ("sgd", {"lr": 1e-2}, "saddle", [1.0, 1e-3]),
    ("asgd", {"lr": 1e-3}, "rosenbrock", [-1.5, 2.0]),
    ("asgd", {"lr": 2e-3, "lambd": 1e-2, "alpha": 0.5, "t0": 50.0, "weight_decay": 0.01}, "himmelblau", [1.0, 1.0]),
    ("asgd", {"lr": 5e-3, "maximize": True}, "matyas", [1.0, 2.0]),
    ("adagrad", {"lr": 0.1}, "beale", [1.0, 1.5]),
    ("adagrad", {"lr": 0.05, "lr_decay": 0.01, "weight_decay": 0.01, "initial_accumulator_value": 0.1, "eps": 1e-6},
     "rosenbrock", [-1.5, 2.0]),
    ("adagrad", {"lr": 0.1, "maximize": True}, "matyas", [2.0, -1.0]),
    ("adadelta", {"lr": 1.0}, "beale", [1.0, 1.5]),
    ("adadelta", {"lr": 0.5, "rho": 0.95, "eps": 1e-5, "weight_decay": 0.01}, "himmelblau", [0.0, 0.0]),
    ("adadelta", {"lr": 1.0, "maximize": True}, "booth", [1.0, 3.0]),
    ("rmsprop", {"lr": 1e-2}, "beale", [1.0, 1.5]),
    ("rmsprop", {"lr": 1e-3, "centered": True}, "rosenbrock", [-1.5, 2.0]),
    ("rmsprop", {"lr": 1e-3, "momentum": 0.9, "alpha": 0.9, "weight_decay": 0.01}, "himmelblau", [1.0, 1.0]),
    ("rmsprop", {"lr": 5e-3, "momentum": 0.5, "centered": True, "eps": 1e-6}, "booth", [-2.0, 0.0]),
    ("rmsprop", {"lr": 1e-2, "maximize": True}, "matyas", [1.0, 1.0]),
    ("adam", {"lr": 1e-2}, "rosenbrock", [-1.5, 2.0]),
    ("adam", {"lr": 5e-2, "amsgrad": True}, "beale", [1.0, 1.5]),
    ("adam", {"lr": 1e-2, "weight_decay": 0.1}, "himmelblau", [0.5, 0.5]),
    ("adam", {"lr": 1e-2, "weight_decay": 0.1, "decoupled_weight_decay": True, "betas": [0.8, 0.99]}, "booth",
     [0.0, 0.0]),
    ("adam", {"lr": 1e-2, "maximize": True, "eps": 1e-4}, "matyas", [1.0, -1.0]),
    ("adamw", {"lr": 1e-2}, "rosenbrock", [-1.5, 2.0]),
    ("adamw", {"lr": 2e-2, "weight_decay": 0.5, "amsgrad": True}, "beale", [1.0, 1.5]),
    ("adamw", {"lr": 1e-2, "maximize": True, "betas": [0.5, 0.9]}, "matyas", [1.0, 2.0]),
    ("adamax", {"lr": 2e-2}, "beale", [1.0, 1.5]),
    ("adamax", {"lr": 1e-2, "betas": [0.8, 0.99], "weight_decay": 0.05, "eps": 1e-6}, "himmelblau", [0.0, 0.0]),
    ("adamax", {"lr": 1e-2, "maximize": True}, "matyas", [1.0, 1.0]),
    ("nadam", {"lr": 1e-2}, "rosenbrock", [-1.5, 2.0]),
    ("nadam", {"lr": 1e-2, "weight_decay": 0.1, "momentum_decay": 1e-2}, "beale", [1.0, 1.5]),
    ("nadam", {"lr": 1e-2, "weight_decay": 0.1, "decoupled_weight_decay": True}, "himmelblau", [1.0, 1.0]),
    ("nadam", {"lr": 1e-2, "maximize": True}, "matyas", [1.0, -2.0]),
    ("radam", {"lr": 1e-2}, "rosenbrock", [-1.5, 2.0]),
    ("radam", {"lr": 1e-2, "weight_decay": 0.1, "betas": [0.9, 0.99]}, "beale", [1.0, 1.5]),
    ("radam", {"lr": 1e-2, "weight_decay": 0.1, "decoupled_weight_decay": True}, "himmelblau", [-1.0, -1.0]),
    ("radam", {"lr": 1e-2, "maximize": True}, "matyas", [2.0, 1.0]),
    ("sparseadam", {"lr": 1e-2}, "rosenbrock", [-1.5, 2.0]),
    ("sparseadam", {"lr": 5e-2, "betas": [0.8, 0.9], "eps": 1e-3}, "beale", [1.0, 1.5]),
    ("sparseadam", {"lr": 1e-2, "maximize": True}, "matyas", [1.0, 1.0]),
    # saddle from (1, 0): df/dy is exactly 0 on the x-axis, so SparseAdam never touches y
    ("sparseadam", {"lr": 1e-2}, "saddle", [1.0, 0.0]),
    ("lbfgs", {}, "rosenbrock", [-1.5, 2.0]),
    ("lbfgs", {"line_search_fn": "strong_wolfe"}, "rosenbrock", [-1.5, 2.0]),
    ("lbfgs", {"lr": 0.1, "max_iter": 5, "history_size": 3}, "beale", [1.0, 1.5]),
    ("lbfgs", {"max_iter": 4, "max_eval": 6, "line_search_fn": "strong_wolfe", "history_size": 5}, "himmelblau",
     [0.0, 0.0]),
    ("lbfgs", {"lr": 0.5, "tolerance_grad": 1e-5, "tolerance_change": 1e-6}, "booth", [3.0, -3.0]),
    ("rprop", {}, "rosenbrock", [-1.5, 2.0]),
    ("rprop", {"lr": 0.05, "etas": [0.3, 1.5], "step_sizes": [1e-4, 1.0]}, "beale", [1.0, 1.5]),
    ("rprop", {"lr": 0.01, "maximize": True}, "matyas", [1.0, 1.0]),
]


def main() -> None:
    cases = []
    for name, params, surface, start in CASES:
        xy, loss, evals = trace(name, params, surface, start, STEPS)
        assert all(map(lambda v: abs(v) < 1e300, sum(xy, []))), (name, params, surface)
        cases.append({"optimizer": name, "params": params, "surface": surface, "start": start, "steps": STEPS,
                      "xy": xy, "loss": loss, "evals": evals})
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"torch": torch.__version__, "dtype": "float64", "cases": cases}, separators=(",", ":")))
    print(f"wrote {len(cases)} cases to {OUT} ({OUT.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
