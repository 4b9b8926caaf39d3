"""Dev-only: write tests/data/golden_schedulers.json, torch 2.13's own lr (and momentum/betas) sequences.

    /work/venv-torch/bin/python scripts/make_golden_schedulers.py

Every scheduler of torch.optim.lr_scheduler in at least three settings, every mode and flag, on SGD with momentum,
Adam and others, 300 steps each in float64, in torch's loop: read the group's lr (and momentum or betas), take
``optimizer.step()``, then ``scheduler.step()`` (ReduceLROnPlateau's with a recorded loss, stored in the case).
``lr[t]`` is the lr step t+1 uses; the last entry is the lr after the last ``scheduler.step()``.

Settings torch refuses are recorded too, each with torch's own message, which ours must begin with.

Formulas (``lr_lambda``, ``scale_fn``) are stored as the text a user would type; this script and the tests map
each text to the same Python lambda (:data:`FORMULAS`), until typed formulas can be parsed by the core.
"""

from __future__ import annotations

import json
import math
import sys
import warnings
from pathlib import Path

import numpy as np
import torch
from torch.optim import lr_scheduler as L

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "golden_schedulers.json"
STEPS = 300

# text -> the Python function torch is given; tests/core/test_schedulers.py holds the same table.
FORMULAS = {
    "0.95^t": lambda t: 0.95 ** t,
    "min(1, (t+1)/10)": lambda t: min(1, (t + 1) / 10),
    "1/(1+0.05*t)": lambda t: 1 / (1 + 0.05 * t),
    "0.99": lambda t: 0.99,
    "min(1, 0.9 + t/1000)": lambda t: min(1, 0.9 + t / 1000),
    "(t+1)/(t+2)": lambda t: (t + 1) / (t + 2),
    "0.5^x": lambda x: 0.5 ** x,
    "1/(1+0.01*x)": lambda x: 1 / (1 + 0.01 * x),
}

OPTIMIZERS = {"sgd": "SGD", "asgd": "ASGD", "adagrad": "Adagrad", "adadelta": "Adadelta", "rmsprop": "RMSprop",
              "adam": "Adam", "adamw": "AdamW", "adamax": "Adamax", "nadam": "NAdam", "radam": "RAdam",
              "lbfgs": "LBFGS", "rprop": "Rprop"}


def torch_optimizer(name: str, params: dict) -> torch.optim.Optimizer:
    p = torch.nn.Parameter(torch.tensor([1.0, -1.0], dtype=torch.float64))
    kw = {k: tuple(v) if isinstance(v, list) else v for k, v in params.items()}
    return getattr(torch.optim, OPTIMIZERS[name])([p], **kw)


def build(spec, opt):
    """The torch scheduler a spec [name, params] describes, children built first as a user would."""
    name, params = spec
    params = dict(params)
    for key in ("lr_lambda", "scale_fn"):
        if isinstance(params.get(key), str):
            params[key] = FORMULAS[params[key]]
    if name == "SequentialLR":
        children = [build(c, opt) for c in params.pop("schedulers")]
        return L.SequentialLR(opt, children, **params)
    if name == "ChainedScheduler":
        children = [build(c, opt) for c in params.pop("schedulers")]
        return L.ChainedScheduler(children, optimizer=opt)
    return getattr(L, name)(opt, **params)


def _momentum(group: dict):
    if "betas" in group:
        return [float(b) for b in group["betas"]]
    return float(group["momentum"]) if "momentum" in group else None


def sequence(optimizer: str, opt_params: dict, spec, steps: int, losses=None) -> dict:
    """torch's lr and momentum before each step, and after the last one (steps + 1 entries)."""
    opt = torch_optimizer(optimizer, opt_params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sched = build(spec, opt)
        group = opt.param_groups[0]
        lrs, moms = [], []
        for t in range(steps):
            lrs.append(float(group["lr"]))
            moms.append(_momentum(group))
            if optimizer == "lbfgs":
                opt.step(lambda: torch.zeros((), dtype=torch.float64))
            else:
                opt.step()
            if losses is None:
                sched.step()
            else:
                sched.step(losses[t])
        lrs.append(float(group["lr"]))
        moms.append(_momentum(group))
    return {"lr": lrs, "momentum": moms}


def plateau_losses(kind: str, steps: int = STEPS) -> list[float]:
    """Loss-like sequences with plateaus, noise and spikes, so that every branch of ReduceLROnPlateau fires."""
    rng = np.random.default_rng({"falling": 1, "stairs": 2, "rising": 3}[kind])
    t = np.arange(steps, dtype=np.float64)
    if kind == "falling":
        y = 1.0 / (1.0 + t / 30.0) + 0.02 * rng.standard_normal(steps)
    elif kind == "stairs":
        y = 2.0 - 0.5 * np.floor(t / 60.0) + 1e-4 * rng.standard_normal(steps)
    else:
        y = 1.0 - np.exp(-t / 80.0) + 0.01 * rng.standard_normal(steps)
    return [float(v) for v in y]


SGDM = ("sgd", {"lr": 0.1, "momentum": 0.9})
ADAM = ("adam", {"lr": 0.01})
RMSM = ("rmsprop", {"lr": 0.01, "momentum": 0.5})
ADAGRAD = ("adagrad", {"lr": 0.05})

# (optimizer, scheduler spec, losses kind or None)
CASES = [
    (SGDM, ["LambdaLR", {"lr_lambda": "0.95^t"}], None),
    (ADAM, ["LambdaLR", {"lr_lambda": "min(1, (t+1)/10)"}], None),
    (RMSM, ["LambdaLR", {"lr_lambda": "1/(1+0.05*t)"}], None),
    (SGDM, ["MultiplicativeLR", {"lr_lambda": "0.99"}], None),
    (ADAM, ["MultiplicativeLR", {"lr_lambda": "min(1, 0.9 + t/1000)"}], None),
    (ADAGRAD, ["MultiplicativeLR", {"lr_lambda": "(t+1)/(t+2)"}], None),
    (SGDM, ["StepLR", {"step_size": 30}], None),
    (ADAM, ["StepLR", {"step_size": 7, "gamma": 0.5}], None),
    (RMSM, ["StepLR", {"step_size": 1, "gamma": 0.99}], None),
    (("lbfgs", {"lr": 1.0}), ["StepLR", {"step_size": 100, "gamma": 2.0}], None),
    (SGDM, ["MultiStepLR", {"milestones": [50, 100, 200]}], None),
    (ADAM, ["MultiStepLR", {"milestones": [30, 30, 90], "gamma": 0.5}], None),
    (ADAGRAD, ["MultiStepLR", {"milestones": [0, 10], "gamma": 0.3}], None),
    (SGDM, ["MultiStepLR", {"milestones": [200, 100], "gamma": 0.7}], None),
    (SGDM, ["ConstantLR", {}], None),
    (ADAM, ["ConstantLR", {"factor": 0.5, "total_iters": 40}], None),
    (RMSM, ["ConstantLR", {"factor": 1.0, "total_iters": 10}], None),
    (ADAGRAD, ["ConstantLR", {"factor": 0.25, "total_iters": 0}], None),
    (SGDM, ["LinearLR", {}], None),
    (ADAM, ["LinearLR", {"start_factor": 0.1, "end_factor": 1.0, "total_iters": 50}], None),
    (RMSM, ["LinearLR", {"start_factor": 1.0, "end_factor": 0.1, "total_iters": 200}], None),
    (ADAGRAD, ["LinearLR", {"start_factor": 0.5, "end_factor": 0.0, "total_iters": 100}], None),
    (SGDM, ["LinearLR", {"start_factor": 0.2, "end_factor": 0.9, "total_iters": 0}], None),
    (SGDM, ["ExponentialLR", {"gamma": 0.99}], None),
    (ADAM, ["ExponentialLR", {"gamma": 0.9}], None),
    (("adadelta", {"lr": 1.0}), ["ExponentialLR", {"gamma": 1.01}], None),
    (SGDM, ["PolynomialLR", {}], None),
    (ADAM, ["PolynomialLR", {"total_iters": 100, "power": 2.0}], None),
    (RMSM, ["PolynomialLR", {"total_iters": 300, "power": 0.5}], None),
    (ADAGRAD, ["PolynomialLR", {"total_iters": 50, "power": 0.0}], None),
    (SGDM, ["CosineAnnealingLR", {"T_max": 100}], None),
    (ADAM, ["CosineAnnealingLR", {"T_max": 50, "eta_min": 1e-4}], None),
    (RMSM, ["CosineAnnealingLR", {"T_max": 300, "eta_min": 0.001}], None),
    (ADAGRAD, ["CosineAnnealingLR", {"T_max": 1}], None),
    (ADAM, ["CosineAnnealingLR", {"T_max": 7, "eta_min": 0.05}], None),
    (SGDM, ["CosineAnnealingWarmRestarts", {"T_0": 10}], None),
    (ADAM, ["CosineAnnealingWarmRestarts", {"T_0": 10, "T_mult": 2}], None),
    (RMSM, ["CosineAnnealingWarmRestarts", {"T_0": 50, "eta_min": 1e-3}], None),
    (ADAGRAD, ["CosineAnnealingWarmRestarts", {"T_0": 3, "T_mult": 3, "eta_min": 0.0}], None),
    (SGDM, ["CyclicLR", {"base_lr": 1e-3, "max_lr": 1e-2, "step_size_up": 20}], None),
    (ADAM, ["CyclicLR", {"base_lr": 1e-4, "max_lr": 1e-2, "step_size_up": 10, "step_size_down": 30,
                         "mode": "triangular2"}], None),
    (RMSM, ["CyclicLR", {"base_lr": 1e-3, "max_lr": 0.1, "step_size_up": 25, "mode": "exp_range",
                         "gamma": 0.99}], None),
    (SGDM, ["CyclicLR", {"base_lr": 0.01, "max_lr": 0.5, "step_size_up": 15, "scale_fn": "0.5^x"}], None),
    (ADAM, ["CyclicLR", {"base_lr": 0.001, "max_lr": 0.05, "step_size_up": 15, "scale_fn": "1/(1+0.01*x)",
                         "scale_mode": "iterations", "base_momentum": 0.7, "max_momentum": 0.95}], None),
    (ADAGRAD, ["CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 40, "cycle_momentum": False}], None),
    (("nadam", {"lr": 0.002}), ["CyclicLR", {"base_lr": 0.001, "max_lr": 0.004, "step_size_up": 7,
                                             "step_size_down": 0}], None),
    (SGDM, ["CyclicLR", {"base_lr": 0.001, "max_lr": 0.01, "step_size_up": 33, "mode": "exp_range",
                         "gamma": 0.995, "cycle_momentum": False}], None),
    (SGDM, ["OneCycleLR", {"max_lr": 0.5, "total_steps": 300}], None),
    (ADAM, ["OneCycleLR", {"max_lr": 0.05, "total_steps": 300, "anneal_strategy": "linear"}], None),
    (("adamw", {"lr": 0.01}), ["OneCycleLR", {"max_lr": 0.02, "total_steps": 350, "three_phase": True}], None),
    (ADAGRAD, ["OneCycleLR", {"max_lr": 0.1, "total_steps": 300, "three_phase": True,
                              "anneal_strategy": "linear", "cycle_momentum": False}], None),
    (RMSM, ["OneCycleLR", {"max_lr": 0.1, "epochs": 30, "steps_per_epoch": 10, "pct_start": 0.25,
                           "div_factor": 10.0, "final_div_factor": 100.0, "base_momentum": 0.6,
                           "max_momentum": 0.9}], None),
    (("radam", {"lr": 0.001}), ["OneCycleLR", {"max_lr": 0.01, "total_steps": 400, "pct_start": 0.0}], None),
    (SGDM, ["ReduceLROnPlateau", {}], "falling"),
    (ADAM, ["ReduceLROnPlateau", {"mode": "min", "threshold_mode": "abs", "threshold": 0.01, "patience": 5,
                                  "cooldown": 3, "factor": 0.5}], "falling"),
    (RMSM, ["ReduceLROnPlateau", {"mode": "max", "patience": 3, "factor": 0.7}], "rising"),
    (ADAGRAD, ["ReduceLROnPlateau", {"mode": "max", "threshold_mode": "abs", "threshold": 0.001, "patience": 2,
                                     "cooldown": 1}], "rising"),
    (SGDM, ["ReduceLROnPlateau", {"patience": 2, "factor": 0.3, "min_lr": 0.004}], "stairs"),
    (ADAM, ["ReduceLROnPlateau", {"patience": 1, "factor": 0.9, "eps": 1e-3}], "stairs"),
    (SGDM, ["SequentialLR", {"schedulers": [["LinearLR", {"start_factor": 0.1, "total_iters": 20}],
                                            ["CosineAnnealingLR", {"T_max": 280}]], "milestones": [20]}], None),
    (ADAM, ["SequentialLR", {"schedulers": [["ConstantLR", {"factor": 0.5, "total_iters": 5}],
                                            ["ExponentialLR", {"gamma": 0.98}],
                                            ["StepLR", {"step_size": 40, "gamma": 0.5}]],
                             "milestones": [10, 100]}], None),
    (SGDM, ["SequentialLR", {"schedulers": [["LinearLR", {"start_factor": 0.5, "total_iters": 10}],
                                            ["OneCycleLR", {"max_lr": 0.3, "total_steps": 300}]],
                             "milestones": [30]}], None),
    (RMSM, ["SequentialLR", {"schedulers": [["CyclicLR", {"base_lr": 0.001, "max_lr": 0.01,
                                                          "step_size_up": 10}],
                                            ["CosineAnnealingWarmRestarts", {"T_0": 25, "T_mult": 2}],
                                            ["MultiplicativeLR", {"lr_lambda": "0.99"}]],
                             "milestones": [60, 200]}], None),
    (ADAGRAD, ["SequentialLR", {"schedulers": [["StepLR", {"step_size": 5}], ["ExponentialLR", {"gamma": 0.99}]],
                                "milestones": [0]}], None),
    (ADAM, ["SequentialLR", {"schedulers": [["SequentialLR", {"schedulers": [["LinearLR", {"total_iters": 10}],
                                                                             ["ConstantLR", {"factor": 0.5}]],
                                                              "milestones": [15]}],
                                            ["PolynomialLR", {"total_iters": 100, "power": 1.5}],
                                            ["LambdaLR", {"lr_lambda": "0.95^t"}]],
                             "milestones": [50, 150]}], None),
    (SGDM, ["ChainedScheduler", {"schedulers": [["ConstantLR", {"factor": 0.5, "total_iters": 50}],
                                                ["ExponentialLR", {"gamma": 0.99}]]}], None),
    (ADAM, ["ChainedScheduler", {"schedulers": [["LinearLR", {"start_factor": 0.1, "total_iters": 30}],
                                                ["CosineAnnealingLR", {"T_max": 300, "eta_min": 1e-5}]]}], None),
    (SGDM, ["ChainedScheduler", {"schedulers": [["CyclicLR", {"base_lr": 0.01, "max_lr": 0.1,
                                                              "step_size_up": 20}],
                                                ["StepLR", {"step_size": 50, "gamma": 0.5}]]}], None),
    (RMSM, ["ChainedScheduler", {"schedulers": [["SequentialLR", {"schedulers": [["LinearLR", {}],
                                                                                 ["StepLR", {"step_size": 30}]],
                                                                  "milestones": [5]}],
                                                ["ExponentialLR", {"gamma": 0.995}],
                                                ["MultiStepLR", {"milestones": [100, 250], "gamma": 0.5}]]}], None),
]

# Settings torch refuses: (optimizer, spec, steps). torch's message is recorded; ours must start with it.
REFUSED = [
    (SGDM, ["ConstantLR", {"factor": 1.5}], 1),
    (SGDM, ["LinearLR", {"start_factor": 0.0}], 1),
    (SGDM, ["LinearLR", {"end_factor": 1.5}], 1),
    (SGDM, ["CosineAnnealingWarmRestarts", {"T_0": 0}], 1),
    (SGDM, ["CosineAnnealingWarmRestarts", {"T_0": 5, "T_mult": 0}], 1),
    (SGDM, ["OneCycleLR", {"max_lr": 0.1}], 1),
    (SGDM, ["OneCycleLR", {"max_lr": 0.1, "total_steps": 0}], 1),
    (SGDM, ["OneCycleLR", {"max_lr": 0.1, "epochs": 0, "steps_per_epoch": 10}], 1),
    (SGDM, ["OneCycleLR", {"max_lr": 0.1, "epochs": 10, "steps_per_epoch": 0}], 1),
    (SGDM, ["OneCycleLR", {"max_lr": 0.1, "total_steps": 100, "pct_start": 1.5}], 1),
    (SGDM, ["OneCycleLR", {"max_lr": 0.1, "total_steps": 100, "anneal_strategy": "cosine"}], 1),
    (SGDM, ["OneCycleLR", {"max_lr": 0.1, "total_steps": 100}], 101),
    (SGDM, ["OneCycleLR", {"max_lr": 0.1, "epochs": 5, "steps_per_epoch": 20}], 150),
    (ADAGRAD, ["OneCycleLR", {"max_lr": 0.1, "total_steps": 100}], 1),
    (ADAGRAD, ["CyclicLR", {"base_lr": 0.01, "max_lr": 0.1}], 1),
    (("lbfgs", {"lr": 1.0}), ["CyclicLR", {"base_lr": 0.01, "max_lr": 0.1}], 1),
    (SGDM, ["CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "mode": "sawtooth"}], 1),
    (SGDM, ["ReduceLROnPlateau", {"factor": 1.0}], 1),
    (SGDM, ["ReduceLROnPlateau", {"mode": "maximum"}], 1),
    (SGDM, ["ReduceLROnPlateau", {"threshold_mode": "relative"}], 1),
    (SGDM, ["SequentialLR", {"schedulers": [], "milestones": []}], 1),
    (SGDM, ["SequentialLR", {"schedulers": [["StepLR", {"step_size": 5}], ["ExponentialLR", {"gamma": 0.9}]],
                             "milestones": [5, 10]}], 1),
    (SGDM, ["SequentialLR", {"schedulers": [["StepLR", {"step_size": 5}], ["ReduceLROnPlateau", {}]],
                             "milestones": [5]}], 1),
    (SGDM, ["ChainedScheduler", {"schedulers": []}], 1),
    (SGDM, ["ChainedScheduler", {"schedulers": [["ReduceLROnPlateau", {}], ["StepLR", {"step_size": 5}]]}], 1),
]


def refusal(optimizer, spec, steps) -> str:
    opt = torch_optimizer(*optimizer)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sched = build(spec, opt)
            for _ in range(steps):
                opt.step()
                sched.step()
    except (ValueError, IndexError) as e:
        return str(e)
    raise AssertionError(f"torch accepted {spec} for {steps} steps")


def main() -> None:
    torch.set_default_dtype(torch.float64)
    cases = []
    for (optimizer, opt_params), spec, losses_kind in CASES:
        losses = plateau_losses(losses_kind) if losses_kind else None
        seq = sequence(optimizer, opt_params, spec, STEPS, losses)
        assert all(math.isfinite(v) for v in seq["lr"]), spec
        cases.append({"optimizer": optimizer, "params": opt_params, "scheduler": spec, "steps": STEPS,
                      "losses": losses, **seq})
    refused = [{"optimizer": o, "params": p, "scheduler": spec, "steps": steps,
                "error": refusal((o, p), spec, steps)} for (o, p), spec, steps in REFUSED]
    names = {c["scheduler"][0] for c in cases}
    assert len(names) == 15, sorted(names)
    OUT.write_text(json.dumps({"torch": torch.__version__, "cases": cases, "refused": refused}, indent=None))
    print(f"wrote {len(cases)} sequences and {len(refused)} refusals to {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
