"""Dev-only: optim_core.schedulers against torch 2.13 on random settings, random optimizers and random lengths.

    /work/venv-torch/bin/python scripts/check_scheduler_parity.py [--cases 2000] [--seed N]

Every case runs torch's loop (lr and momentum/betas read before each ``optimizer.step()``, then
``scheduler.step()``) and ours on the same settings; a formula (lr_lambda, scale_fn) is the same Python function
on both sides. Where torch refuses a setting (at construction or mid-run), ours must refuse it too: with torch's
message first, or, for torch's arithmetic errors, at the same step. Prints per scheduler: cases, bit-exact
sequences, refusals agreed, and any mismatch.

``--paths N`` also runs N random optimizer + scheduler paths on the test surfaces through ``run(...,
scheduler=...)`` (once the run loop takes one) against torch's loop, and counts the bit-exact ones.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_golden_schedulers import build, torch_optimizer  # noqa: E402
from torch_reference import CLASSES, TORCH_SURFACES, torch_params, trace  # noqa: E402

from optim_core import OPTIMIZERS, run  # noqa: E402
from optim_core.schedulers import SCHEDULERS, make_scheduler  # noqa: E402

SIMPLE = ["LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR", "LinearLR", "ExponentialLR",
          "PolynomialLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts", "CyclicLR", "OneCycleLR"]


def formula(rng: random.Random, variable: str):
    a, b = rng.uniform(0.9, 1.0), rng.uniform(0.001, 0.2)
    return rng.choice([lambda t: a ** t, lambda t: 1 / (1 + b * t), lambda t: min(1, (t + 1) * b),
                       lambda t: a, lambda t: max(0.1, 1 - b * t / 10)])


def optimizer(rng: random.Random) -> tuple[str, dict]:
    name = rng.choice(["sgd", "asgd", "adagrad", "adadelta", "rmsprop", "adam", "adamw", "adamax", "nadam",
                       "radam", "rprop", "lbfgs"])
    params = {"lr": 10 ** rng.uniform(-4, 0)}
    if name in ("sgd", "rmsprop"):
        params["momentum"] = rng.choice([0.0, rng.uniform(0, 0.99)])
    if name in ("adam", "adamw", "adamax", "nadam", "radam"):
        params["betas"] = [rng.uniform(0, 0.99), rng.uniform(0.9, 0.9999)]
    return name, params


def scheduler(rng: random.Random, name: str, steps: int, depth: int = 0) -> list:
    u, ri = rng.uniform, rng.randint
    lr = lambda: 10 ** u(-4, 0)  # noqa: E731
    p: dict = {}
    if name in ("LambdaLR", "MultiplicativeLR"):
        p["lr_lambda"] = formula(rng, "t")
    elif name == "StepLR":
        p = {"step_size": ri(1, 100), "gamma": u(0, 1.5)}
    elif name == "MultiStepLR":
        p = {"milestones": [ri(0, steps) for _ in range(ri(0, 5))], "gamma": u(0, 1.2)}
    elif name == "ConstantLR":
        p = {"factor": rng.choice([u(0, 1), 0.0, 1.0]), "total_iters": ri(0, 100)}
    elif name == "LinearLR":
        p = {"start_factor": rng.choice([u(0, 1), 1.0]), "end_factor": rng.choice([u(0, 1), 0.0, 1.0]),
             "total_iters": ri(0, 200)}
    elif name == "ExponentialLR":
        p = {"gamma": u(0.9, 1.02)}
    elif name == "PolynomialLR":
        p = {"total_iters": ri(0, 400), "power": u(0, 5)}
    elif name == "CosineAnnealingLR":
        p = {"T_max": ri(1, 400), "eta_min": rng.choice([0.0, 10 ** u(-6, -1)])}
    elif name == "CosineAnnealingWarmRestarts":
        p = {"T_0": ri(1, 100), "T_mult": ri(1, 3), "eta_min": rng.choice([0.0, 10 ** u(-6, -2)])}
    elif name == "CyclicLR":
        p = {"base_lr": lr(), "max_lr": lr(), "step_size_up": ri(1, 100),
             "step_size_down": rng.choice([None, ri(0, 100)]), "mode": rng.choice(["triangular", "triangular2",
                                                                                  "exp_range"]),
             "gamma": u(0.95, 1.0), "scale_mode": rng.choice(["cycle", "iterations"]),
             "cycle_momentum": rng.random() < 0.7, "base_momentum": u(0.5, 0.9), "max_momentum": u(0.8, 0.99)}
        if rng.random() < 0.3:
            p["scale_fn"] = formula(rng, "x")
    elif name == "OneCycleLR":
        p = {"max_lr": lr(), "pct_start": rng.choice([u(0, 1), 0.0, 0.3, 1.0]),
             "anneal_strategy": rng.choice(["cos", "linear"]), "cycle_momentum": rng.random() < 0.7,
             "base_momentum": u(0.5, 0.9), "max_momentum": u(0.8, 0.99), "div_factor": 10 ** u(0, 3),
             "final_div_factor": 10 ** u(0, 5), "three_phase": rng.random() < 0.4}
        if rng.random() < 0.7:
            p["total_steps"] = steps + ri(-2, 200)
        else:
            p["epochs"], p["steps_per_epoch"] = ri(1, 40), ri(1, 20)
    elif name == "ReduceLROnPlateau":
        p = {"mode": rng.choice(["min", "max"]), "factor": u(0, 0.99), "patience": ri(0, 20),
             "threshold": 10 ** u(-6, -1), "threshold_mode": rng.choice(["rel", "abs"]), "cooldown": ri(0, 10),
             "min_lr": rng.choice([0.0, 10 ** u(-5, -2)]), "eps": 10 ** u(-10, -3)}
    elif name in ("SequentialLR", "ChainedScheduler"):
        pool = SIMPLE + (["SequentialLR", "ChainedScheduler"] if depth == 0 and rng.random() < 0.2 else [])
        children = [scheduler(rng, rng.choice(pool), steps, depth + 1) for _ in range(ri(1, 3))]
        p = {"schedulers": children}
        if name == "SequentialLR":
            p["milestones"] = sorted(ri(0, steps) for _ in range(len(children) - 1))
    return [name, p]


def torch_run(opt_name, opt_params, spec, steps, losses):
    opt = torch_optimizer(opt_name, opt_params)
    lrs, moms = [], []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sched = build(spec, opt)
            group = opt.param_groups[0]
            for t in range(steps + 1):
                lrs.append(float(group["lr"]))
                moms.append(tuple(group["betas"]) if "betas" in group else group.get("momentum"))
                if t == steps:
                    break
                if opt_name == "lbfgs":
                    opt.step(lambda: torch.zeros((), dtype=torch.float64))
                else:
                    opt.step()
                sched.step(losses[t]) if spec[0] == "ReduceLROnPlateau" else sched.step()
    except (ValueError, ZeroDivisionError, OverflowError, NotImplementedError, TypeError) as e:
        return None, None, (type(e).__name__, str(e), len(lrs))
    return lrs, moms, None


def ours_run(opt_name, opt_params, spec, steps, losses):
    try:
        sched = make_scheduler(spec, OPTIMIZERS[opt_name].make(**opt_params), steps=steps)
    except ValueError as e:
        return None, None, str(e)
    lrs, moms = [], []
    for t in range(steps + 1):
        lrs.append(sched.lr)
        moms.append(sched.momentum)
        if t < steps:
            sched.step(losses[t])
    return lrs, moms, None


def torch_path(name, params, surface, start, steps, spec):
    """torch's loop: loss and gradient, optimizer.step(), scheduler.step() (with that loss for the plateau)."""
    f = TORCH_SURFACES[surface]
    p = torch.tensor(list(start), dtype=torch.float64, requires_grad=True)
    opt = CLASSES[name]([p], **torch_params(name, params))
    xy = [p.detach().tolist()]

    def closure():
        opt.zero_grad()
        value = f(p[0], p[1])
        value.backward()
        return value

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sched = build(spec, opt)
        for _ in range(steps):
            if name == "lbfgs":
                loss = opt.step(closure)
            else:
                loss = closure()
                opt.step()
            sched.step(float(loss)) if spec[0] == "ReduceLROnPlateau" else sched.step()
            xy.append(p.detach().tolist())
    return xy


def check_paths(rng: random.Random, n: int) -> int:
    """Random optimizer + scheduler paths, ours through run(..., scheduler=...) against torch's loop."""
    names = [s.label for s in SCHEDULERS.values()]
    surfaces = ["rosenbrock", "beale", "himmelblau", "booth", "matyas", "quadratic"]
    exact = mismatched = refused = optimizer_level = 0
    worst = 0.0
    for i in range(n):
        steps = rng.randint(1, 200)
        opt_name, opt_params = optimizer(rng)
        if opt_name in ("sgd", "lbfgs", "rprop", "adadelta"):
            opt_params["lr"] = opt_params["lr"] * (1.0 if opt_name == "adadelta" else 1e-2)
        spec = scheduler(rng, names[i % len(names)], steps)
        surface, start = rng.choice(surfaces), [rng.uniform(-1.5, 1.5), rng.uniform(-1.5, 1.5)]
        try:
            sched = make_scheduler(spec, OPTIMIZERS[opt_name].make(**opt_params), steps=steps)
        except ValueError:
            refused += 1
            continue
        ours = run(OPTIMIZERS[opt_name].make(**opt_params), surface, start, steps, scheduler=sched)
        theirs = np.array(torch_path(opt_name, opt_params, surface, start, steps, spec))
        finite = np.isfinite(ours.xy).all(axis=-1) & np.isfinite(theirs).all(axis=-1)
        if np.array_equal(ours.xy[finite], theirs[finite]) and finite[: ours.diverged_at or None].all():
            exact += 1
            continue
        # Does the same optimizer differ from torch without a schedule too? Then it is not the schedule.
        plain = run(OPTIMIZERS[opt_name].make(**opt_params), surface, start, steps).xy
        torch_plain = np.array(trace(opt_name, opt_params, surface, start, steps)[0])
        ok = np.isfinite(plain).all(axis=-1) & np.isfinite(torch_plain).all(axis=-1)
        scale = np.maximum(1.0, np.abs(theirs[finite]))
        worst = max(worst, float(np.max(np.abs(ours.xy[finite] - theirs[finite]) / scale, initial=0.0)))
        if not np.array_equal(plain[ok], torch_plain[ok]):
            optimizer_level += 1
        else:
            mismatched += 1
            if mismatched <= 5:
                print("PATH MISMATCH", opt_name, opt_params, surface, start, steps, spec)
    print(f"paths: {n} cases, {exact} bit-exact, {optimizer_level} differ as the same run without a schedule "
          f"does, {mismatched} differ only with the schedule, {refused} refused; worst relative difference "
          f"{worst:.1e}")
    return mismatched


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=2000)
    ap.add_argument("--paths", type=int, default=0)
    ap.add_argument("--seed", type=int, default=20260101)
    args = ap.parse_args()
    torch.set_default_dtype(torch.float64)
    rng = random.Random(args.seed)
    names = [s.label for s in SCHEDULERS.values()]
    stats = {n: Counter() for n in names}
    failures = []
    for i in range(args.cases):
        name = names[i % len(names)]
        steps = rng.randint(1, 500)
        opt_name, opt_params = optimizer(rng)
        spec = scheduler(rng, name, steps)
        walk, losses = 1.0, []
        for _ in range(steps):
            walk = walk * rng.uniform(0.97, 1.01) if rng.random() < 0.8 else walk
            losses.append(walk)
        t_lrs, t_moms, t_err = torch_run(opt_name, opt_params, spec, steps, losses)
        o_lrs, o_moms, o_err = ours_run(opt_name, opt_params, spec, steps, losses)
        s = stats[name]
        s["cases"] += 1
        if t_err is None and o_err is None:
            same_m = all(o is None or (tuple(o) if isinstance(o, tuple) else o) == t
                         for o, t in zip(o_moms, t_moms, strict=True))
            cycles = any(o is not None for o in o_moms)
            if t_lrs == o_lrs and same_m:
                s["bit-exact"] += 1
                s["momentum cycled"] += cycles
            else:
                failures.append((spec, opt_name, opt_params, steps, "sequences differ"))
        elif t_err is not None and o_err is not None:
            kind, message, at = t_err
            o_err = re.sub(r"^(schedulers\[\d+\]: )+", "", o_err)  # ours names the child; torch does not
            if o_err.startswith(message) or (kind in ("ZeroDivisionError", "OverflowError", "NotImplementedError")
                                             and kind in o_err):
                s["refused by both"] += 1
            else:
                failures.append((spec, opt_name, opt_params, steps, f"torch: {message!r} / ours: {o_err!r}"))
        elif o_err is not None:
            s["refused by our range only"] += 1  # settings outside our documented ranges, e.g. gamma > 1
            if "must be" not in o_err:
                failures.append((spec, opt_name, opt_params, steps, f"ours only, without a rule: {o_err}"))
        else:
            failures.append((spec, opt_name, opt_params, steps, f"torch refused {t_err}, ours accepted"))
    width = max(map(len, names))
    for n in names:
        s = stats[n]
        print(f"{n:<{width}}  cases {s['cases']:4d}  bit-exact {s['bit-exact']:4d}  (momentum cycled "
              f"{s['momentum cycled']:3d})  refused by both {s['refused by both']:3d}  ours only "
              f"{s['refused by our range only']:3d}")
    total = sum(s["cases"] for s in stats.values())
    exact = sum(s["bit-exact"] for s in stats.values())
    print(f"total {total} cases: {exact} bit-exact sequences, {len(failures)} mismatches")
    for f in failures[:20]:
        print("MISMATCH", f)
    bad_paths = check_paths(rng, args.paths) if args.paths else 0
    sys.exit(1 if failures or bad_paths else 0)


if __name__ == "__main__":
    main()
