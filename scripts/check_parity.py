"""Dev-only: optim_core against torch.optim 2.13 on random hyperparameters, random starts and random schedulers.

    /work/venv-torch/bin/python scripts/check_parity.py [--cases 260] [--steps 150] [--seed N] [--ieee-sqrt]

For each case it compares the path and, after every step, every key of torch's ``opt.state[p]`` with what
``run(..., record_state=True)`` records, plus the gradient and the lr. About a third of the cases run under a
random torch lr scheduler (StepLR, ExponentialLR, LambdaLR, CyclicLR cycling momentum or beta1), which ours
follows through ``run(scheduler=...)`` by replaying torch's values step by step. Prints, per optimizer, how many
cases agree to the bit (path and state), and the worst relative error. Needs torch.

torch's float64 CPU ``sqrt`` is not correctly rounded for ~1.3% of inputs (see scripts/make_golden_state.py);
``--ieee-sqrt`` swaps in the correctly rounded one, to show that everything else agrees to the bit.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import make_golden_state as golden  # noqa: E402
from torch_reference import TORCH_SURFACES  # noqa: E402

from optim_core import OPTIMIZERS, SURFACES, run  # noqa: E402


def random_params(rng: random.Random, name: str) -> dict:
    spec = OPTIMIZERS[name]
    out = {}
    for hp in spec.params:
        if hp.kind == "bool":
            out[hp.name] = rng.random() < 0.5
        elif hp.kind == "choice":
            out[hp.name] = rng.choice(hp.choices)
        elif hp.kind == "int":
            if hp.nullable and rng.random() < 0.5:
                out[hp.name] = None
            else:
                out[hp.name] = rng.randint(int(hp.slider[0]), int(hp.slider[1]))
        elif hp.kind == "pair":
            if hp.name == "betas":
                out[hp.name] = [rng.uniform(0.0, 0.99), rng.uniform(0.5, 0.9999)]
            elif hp.name == "etas":
                out[hp.name] = [rng.uniform(0.1, 0.9), rng.uniform(1.05, 2.0)]
            else:
                out[hp.name] = [10 ** rng.uniform(-8, -3), 10 ** rng.uniform(-1, 2)]
        else:
            if hp.name == "lr":
                lo, hi = {"adadelta": (-1, 0.5), "lbfgs": (-2, 0)}.get(name, (-4, -1))
                out[hp.name] = 10 ** rng.uniform(lo, hi)
            elif hp.name == "weight_decay":
                out[hp.name] = rng.choice([0.0, 10 ** rng.uniform(-3, 0)])
            elif hp.name == "dampening":
                out[hp.name] = 0.0 if out.get("nesterov") else rng.uniform(0, 1)
            elif hp.name == "momentum":
                out[hp.name] = rng.uniform(0.05, 0.95) if out.get("nesterov", False) or rng.random() < 0.7 else 0.0
            elif hp.name == "t0":
                out[hp.name] = rng.choice([1e6, float(rng.randint(0, 30))])  # also reach ASGD's averaging
            elif hp.log:
                lo, hi = hp.slider
                out[hp.name] = 10 ** rng.uniform(math.log10(lo), math.log10(hi))
            else:
                out[hp.name] = rng.uniform(*hp.slider)
    if name == "sgd" and out["nesterov"]:
        out["dampening"], out["momentum"] = 0.0, max(out["momentum"], 0.1)
    return out


def random_scheduler(rng: random.Random, name: str, params: dict, steps: int):
    """None, or (torch scheduler name, kwargs) as make_golden_state.trace_state takes them."""
    if rng.random() < 0.65:
        return None
    cycles = name in ("sgd", "rmsprop") and params.get("momentum", 0) > 0 or "betas" in params
    kinds = ["StepLR", "ExponentialLR", "LambdaLR"] + ["CyclicLR"] * cycles
    kind = rng.choice(kinds)
    if kind == "StepLR":
        return kind, {"step_size": rng.randint(1, 20), "gamma": rng.uniform(0.3, 0.95)}
    if kind == "ExponentialLR":
        return kind, {"gamma": rng.uniform(0.9, 0.999)}
    if kind == "LambdaLR":
        return kind, {"lambda": rng.uniform(0.2, 2.0)}
    lr = params.get("lr", OPTIMIZERS[name].defaults()["lr"])
    return kind, {"base_lr": lr / 10, "max_lr": lr, "step_size_up": rng.randint(2, 20),
                  "base_momentum": rng.uniform(0.5, 0.85), "max_momentum": rng.uniform(0.86, 0.98)}


class Replay:
    """torch's recorded lr and momentum/beta1, handed to run() step by step."""

    def __init__(self, lrs, momenta):
        self.lrs, self.momenta, self.i = lrs, momenta, 0

    @property
    def lr(self):
        return self.lrs[self.i]

    @property
    def momentum(self):
        return None if self.momenta is None else self.momenta[self.i]

    def step(self, loss):
        self.i += 1


def state_rows(theirs: list, key: str, width: int) -> np.ndarray:
    rows = [state.get(key) for state in theirs]
    return np.array([(np.full(width, np.nan) if width else np.nan) if v is None else v for v in rows], dtype=float)


def compare(ours, theirs: dict) -> tuple[bool, bool, float, int]:
    """(path bit-exact, state bit-exact, worst relative error, steps compared) over the steps both kept finite."""
    txy = np.array(theirs["xy"], dtype=float)
    n = len(txy) if ours.diverged_at is None else ours.diverged_at
    finite = np.isfinite(txy[:n]).all(axis=1)
    n = int(np.argmin(finite)) if not finite.all() else n
    if n <= 1:
        return True, True, 0.0, 0
    pairs = [(ours.xy[:n], txy[:n])]
    keys_match = set(ours.state) == {k for s in theirs["state"][: n - 1] for k in s}
    for key, arr in ours.state.items():
        pairs.append((arr[1:n], state_rows(theirs["state"][: n - 1], key, 2 if arr.ndim == 2 else 0)))
    pairs.append((ours.grad[1:n], np.array(theirs["grad"][: n - 1], dtype=float)))
    err = 0.0
    for a, b in pairs:
        both = np.isfinite(a) & np.isfinite(b)
        scale = np.maximum(np.abs(b[both]), 1e-300)
        if both.any():
            err = max(err, float(np.max(np.abs(a[both] - b[both]) / scale)))
    path_exact = np.array_equal(pairs[0][0], pairs[0][1])
    state_exact = keys_match and all(np.array_equal(a, b, equal_nan=True) for a, b in pairs[1:])
    return path_exact, state_exact, err, n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=260)
    ap.add_argument("--steps", type=int, default=150)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--surfaces", default=",".join(TORCH_SURFACES), help="comma-separated names")
    ap.add_argument("--ieee-sqrt", action="store_true", help="give torch a correctly rounded sqrt")
    args = ap.parse_args()
    if args.ieee_sqrt:
        golden.use_ieee_sqrt()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    print(f"seed {seed}{' (torch with a correctly rounded sqrt)' if args.ieee_sqrt else ''}")
    stats: dict[str, list] = {}
    surfaces = args.surfaces.split(",")
    for i in range(args.cases):
        name = list(OPTIMIZERS)[i % len(OPTIMIZERS)]
        params = random_params(rng, name)
        surface = rng.choice(surfaces)
        (x0, x1), (y0, y1) = SURFACES[surface].domain
        start = [rng.uniform(x0, x1), rng.uniform(y0, y1)]
        sched = random_scheduler(rng, name, params, args.steps)
        try:
            theirs = golden.trace_state(name, params, surface, start, args.steps, sched, check_finite=False)
        except Exception as err:  # torch itself can fail (e.g. an IndexError inside its strong-Wolfe search)
            print(f"torch raised {type(err).__name__}: {err} for {name} {surface} start={start} params={params}")
            continue
        cycles = sched is not None and sched[0] == "CyclicLR"
        replay = Replay(theirs["lr"], theirs["momentum"] if cycles else None) if sched else None
        ours = run(name, surface, start, args.steps, record_state=True, scheduler=replay,
                   **{k: tuple(v) if isinstance(v, list) else v for k, v in params.items()})
        path_exact, state_exact, err, n = compare(ours, theirs)
        row = stats.setdefault(name, [0, 0, 0, 0, -1.0, "", 0])
        row[0] += 1
        row[1] += path_exact
        row[2] += state_exact
        row[3] += theirs["sqrt_misrounded"] > 0
        row[6] += sched is not None
        if err > row[4]:
            row[4], row[5] = err, f"{surface} start={start} params={params} sched={sched} compared={n}"
    total = [sum(r[j] for r in stats.values()) for j in range(4)]
    print(f"bit-exact: path {total[1]} of {total[0]} cases, path and every state key {total[2]} of {total[0]}; "
          f"{total[3]} cases met a misrounded torch sqrt")
    print(f"   {'optimizer':10s} {'cases':>5s} {'sched':>5s} {'path=':>5s} {'state=':>6s} {'sqrt!':>5s}  max rel err")
    for name, (n, path, state, sqrt_off, err, where, scheduled) in stats.items():
        flag = "OK " if err <= 1e-7 else "BAD"
        print(f"{flag}{name:10s} {n:5d} {scheduled:5d} {path:5d} {state:6d} {sqrt_off:5d}  {err:.2e}   worst: {where}")


if __name__ == "__main__":
    main()
