"""Dev-only: optim_core against torch.optim 2.13 on random hyperparameters and random starts.

    python scripts/check_parity.py [--cases 300] [--steps 150] [--seed N]

Prints the worst relative error per optimizer. Needs torch (see scripts/torch_reference.py).
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

from torch_reference import TORCH_SURFACES, trace  # noqa: E402

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
            elif hp.log:
                lo, hi = hp.slider
                out[hp.name] = 10 ** rng.uniform(math.log10(lo), math.log10(hi))
            else:
                out[hp.name] = rng.uniform(*hp.slider)
    if name == "sgd" and out["nesterov"]:
        out["dampening"], out["momentum"] = 0.0, max(out["momentum"], 0.1)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=260)
    ap.add_argument("--steps", type=int, default=150)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--surfaces", default=",".join(TORCH_SURFACES), help="comma-separated names")
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    print(f"seed {seed}")
    worst: dict[str, tuple[float, str]] = {}
    surfaces = args.surfaces.split(",")
    exact = total = 0
    for i in range(args.cases):
        name = list(OPTIMIZERS)[i % len(OPTIMIZERS)]
        params = random_params(rng, name)
        surface = rng.choice(surfaces)
        (x0, x1), (y0, y1) = SURFACES[surface].domain
        start = [rng.uniform(x0, x1), rng.uniform(y0, y1)]
        ours = run(name, surface, start, args.steps, **{k: tuple(v) if isinstance(v, list) else v
                                                       for k, v in params.items()})
        try:
            txy, tloss, _ = trace(name, params, surface, start, args.steps)
        except Exception as err:  # torch itself can fail (e.g. an IndexError inside its strong-Wolfe search)
            print(f"torch raised {type(err).__name__}: {err} for {name} {surface} start={start} params={params}")
            continue
        txy = np.array(txy)
        n = len(txy) if ours.diverged_at is None else ours.diverged_at
        ok = np.isfinite(txy[:n]).all(axis=1)
        n = int(np.argmin(ok)) if not ok.all() else n
        scale = np.maximum(np.abs(txy[:n]), 1e-3 * np.max(np.abs(txy[:n]) + 1e-300))
        err = float(np.max(np.abs(ours.xy[:n] - txy[:n]) / scale)) if n else 0.0
        total += 1
        exact += bool(n) and np.array_equal(ours.xy[:n], txy[:n])
        if err > worst.get(name, (-1.0, ""))[0]:
            worst[name] = (err, f"{surface} start={start} params={params} compared={n}")
    print(f"bit-exact over the compared steps: {exact} of {total} cases")
    for name, (err, where) in worst.items():
        flag = "OK " if err <= 1e-7 else "BAD"
        print(f"{flag} {name:10s} max rel err {err:.2e}   worst: {where}")


if __name__ == "__main__":
    main()
