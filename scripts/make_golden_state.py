"""Dev-only: write tests/data/golden_state.json, torch.optim 2.13's ``opt.state[p]`` after every step.

    /work/venv-torch/bin/python scripts/make_golden_state.py

Every case of scripts/make_golden.py (every optimizer, every flag both on and off, several surfaces), plus runs
driven by torch's own lr schedulers (LambdaLR, StepLR, ExponentialLR, CyclicLR and OneCycleLR cycling momentum
or beta1, ReduceLROnPlateau). For each step it keeps: the gradient the optimizer received, every key of
``opt.state[p]`` (None where torch has no such key yet), and for scheduled runs the lr and momentum/beta1 the
step used and the loss handed to ``scheduler.step``. float64 throughout.

torch 2.13's CPU ``sqrt`` on float64 (MKL's vector math, here) is not correctly rounded: about 1.3% of inputs come
out one ulp from the IEEE square root that NumPy and ``math.sqrt`` give. Each case counts the square roots torch
took that were off (``sqrt_misrounded``); the tests hold a case with none to the bit, and say how close the others
are.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_golden import CASES as TRAJECTORY_CASES  # noqa: E402
from torch_reference import CLASSES, TORCH_SURFACES, torch_params  # noqa: E402

torch.set_default_dtype(torch.float64)
STEPS = 40
MISROUNDED = [0]
_SQRT, _SQRT_ = torch.Tensor.sqrt, torch.Tensor.sqrt_


def _count(x: torch.Tensor, out: torch.Tensor) -> None:
    if x.dtype == torch.float64 and not x.is_sparse:
        MISROUNDED[0] += int(np.sum(np.sqrt(x.detach().numpy()) != out.detach().numpy()))


def _sqrt(self):
    out = _SQRT(self)
    _count(self, out)
    return out


def _sqrt_(self):
    x = self.detach().clone()
    out = _SQRT_(self)
    _count(x, out)
    return out


torch.Tensor.sqrt, torch.Tensor.sqrt_ = _sqrt, _sqrt_  # counts torch's misrounded square roots; same results


def use_ieee_sqrt() -> None:
    """For checks only (never for goldens): make torch's Tensor.sqrt the correctly rounded one, as NumPy's."""

    def ieee(x: torch.Tensor) -> torch.Tensor:
        return torch.from_numpy(np.asarray(np.sqrt(x.detach().numpy()))).reshape(x.shape)

    def sqrt(self):
        return _SQRT(self) if self.is_sparse else ieee(self)

    def sqrt_(self):
        return self.copy_(ieee(self))

    torch.Tensor.sqrt, torch.Tensor.sqrt_ = sqrt, sqrt_
OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "golden_state.json"

# (optimizer, params, surface, start, scheduler name, scheduler kwargs): torch's schedulers, which the tests replay
# value for value through run(scheduler=...) to test the hook, not the schedulers themselves.
SCHEDULED = [
    ("sgd", {"lr": 0.002, "momentum": 0.9}, "beale", [1.0, 1.5], "StepLR", {"step_size": 7, "gamma": 0.5}),
    ("sgd", {"lr": 0.004}, "himmelblau", [-1.0, 0.5], "LambdaLR", "halve"),
    ("sgd", {"lr": 0.002, "momentum": 0.9, "nesterov": True}, "rosenbrock", [-1.5, 2.0], "CyclicLR",
     {"base_lr": 1e-4, "max_lr": 2e-3, "step_size_up": 5, "base_momentum": 0.8, "max_momentum": 0.95}),
    ("rmsprop", {"lr": 0.01, "momentum": 0.5, "centered": True}, "booth", [-2.0, 0.0], "CyclicLR",
     {"base_lr": 1e-3, "max_lr": 1e-2, "step_size_up": 4, "base_momentum": 0.4, "max_momentum": 0.9}),
    ("adam", {"lr": 0.05, "amsgrad": True}, "beale", [1.0, 1.5], "OneCycleLR", {"max_lr": 0.05, "total_steps": STEPS}),
    ("adamw", {"lr": 0.05, "weight_decay": 0.5}, "himmelblau", [1.0, 1.0], "ExponentialLR", {"gamma": 0.9}),
    ("nadam", {"lr": 0.02, "weight_decay": 0.1, "decoupled_weight_decay": True}, "booth", [0.0, 0.0],
     "OneCycleLR", {"max_lr": 0.05, "total_steps": STEPS, "base_momentum": 0.7, "max_momentum": 0.95}),
    ("radam", {"lr": 0.02}, "beale", [1.0, 1.5], "LambdaLR", "halve"),
    ("adamax", {"lr": 0.02}, "matyas", [1.0, 1.0], "StepLR", {"step_size": 3, "gamma": 0.7}),
    ("sparseadam", {"lr": 0.05}, "beale", [1.0, 1.5], "ExponentialLR", {"gamma": 0.95}),
    ("asgd", {"lr": 0.01, "t0": 5.0, "lambd": 0.01}, "himmelblau", [1.0, 1.0], "StepLR",
     {"step_size": 4, "gamma": 0.5}),
    ("adagrad", {"lr": 0.5, "lr_decay": 0.01}, "rosenbrock", [-1.5, 2.0], "ReduceLROnPlateau",
     {"factor": 0.5, "patience": 1, "threshold": 0.05}),
    ("adadelta", {"lr": 1.0}, "beale", [1.0, 1.5], "LambdaLR", "halve"),
    ("rprop", {"lr": 0.01}, "rosenbrock", [-1.5, 2.0], "LambdaLR", {"lambda": 3.0}),
    ("lbfgs", {"line_search_fn": "strong_wolfe", "max_iter": 4}, "rosenbrock", [-1.5, 2.0], "StepLR",
     {"step_size": 2, "gamma": 0.5}),
    ("lbfgs", {"lr": 0.5, "max_iter": 3}, "beale", [1.0, 1.5], "LambdaLR", "halve"),
]


def _plain(value):
    """A state value as JSON: a 0-dim tensor or number as a float, a tensor as a list, a list of tensors skipped."""
    if isinstance(value, torch.Tensor):
        value = value.to_dense() if value.is_sparse else value
        return float(value) if value.dim() == 0 else value.tolist()
    if isinstance(value, (int, float)):
        return float(value)
    return None  # L-BFGS's history lists (old_dirs...) are not recorded


def _scheduler(opt, name, kwargs):
    cls = getattr(torch.optim.lr_scheduler, name)
    if kwargs == "halve":
        return cls(opt, lambda epoch: 0.5**epoch)
    if name == "LambdaLR":
        return cls(opt, lambda epoch, c=kwargs["lambda"]: c ** min(epoch, 3))
    return cls(opt, **kwargs)


def trace_state(name, params, surface, start, steps, scheduler=None, *, check_finite=True):
    f = TORCH_SURFACES[surface]
    p = torch.tensor(list(start), dtype=torch.float64, requires_grad=True)
    opt = CLASSES[name]([p], **torch_params(name, params))
    sched = _scheduler(opt, *scheduler) if scheduler else None
    group = opt.param_groups[0]
    out = {"xy": [p.detach().tolist()], "grad": [], "state": [], "lr": [], "momentum": [], "sched_loss": []}
    MISROUNDED[0] = 0
    grads: list = []

    def closure():
        opt.zero_grad()
        value = f(p[0], p[1])
        value.backward()
        grads.append(p.grad.tolist())
        if name == "sparseadam":
            p.grad = p.grad.to_sparse()
        return value

    for _ in range(steps):
        grads.clear()
        out["lr"].append(float(group["lr"]))
        out["momentum"].append(float(group["betas"][0]) if "betas" in group else
                               float(group["momentum"]) if "momentum" in group else None)
        if name == "lbfgs":
            loss = float(opt.step(closure).detach())
        else:
            loss = float(closure().detach())
            opt.step()
        out["grad"].append(grads[0])
        if sched is not None:
            if isinstance(sched, torch.optim.lr_scheduler.ReduceLROnPlateau):
                sched.step(loss)
            else:
                sched.step()
            out["sched_loss"].append(loss)
        state = opt.state[p]
        out["state"].append({k: _plain(v) for k, v in state.items() if _plain(v) is not None})
        out["xy"].append(p.detach().tolist())
    if check_finite:
        assert all(abs(v) < 1e4 for point in out["xy"] for v in point), (name, params, surface, scheduler)
    out["sqrt_misrounded"] = MISROUNDED[0]
    return out


def main() -> None:
    cases = []
    for name, params, surface, start in TRAJECTORY_CASES:
        cases.append({"optimizer": name, "params": params, "surface": surface, "start": start, "steps": STEPS,
                      **trace_state(name, params, surface, start, STEPS)})
    for name, params, surface, start, sched, kwargs in SCHEDULED:
        cases.append({"optimizer": name, "params": params, "surface": surface, "start": start, "steps": STEPS,
                      "scheduler": {"name": sched, "kwargs": kwargs},
                      **trace_state(name, params, surface, start, STEPS, (sched, kwargs))})
    off = [(c["optimizer"], c["surface"], c["sqrt_misrounded"]) for c in cases if c["sqrt_misrounded"]]
    print(f"cases where torch's sqrt was misrounded at least once: {len(off)} of {len(cases)}: {off}")
    OUT.write_text(json.dumps({"torch": torch.__version__, "dtype": "float64", "cases": cases}, separators=(",", ":")))
    print(f"wrote {len(cases)} cases to {OUT} ({OUT.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
