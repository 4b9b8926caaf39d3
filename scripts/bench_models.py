"""Dev-only: how long optim_core.models.train takes, against torch running the same loop. Prints medians, no asserts.

    /work/venv-torch/bin/python scripts/bench_models.py [--repeat 7]   # ours and torch's
    /work/venv/bin/python scripts/bench_models.py                      # ours only (no torch there)

"The same loop" is scripts/make_golden_models.py's torch_train: per step, zero_grad, forward and backward on the
minibatch, optimizer.step(), then the full-batch loss and accuracy under no_grad, as train() records them.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from optim_core.models import train  # noqa: E402

try:
    from make_golden_models import torch_train
except ImportError:  # no torch in this environment
    torch_train = None

MLP = ("mlp", {"hidden": [16, 16], "activation": "tanh"})
MOONS = ("moons", {"n": 200, "noise": 0.1, "seed": 0})
ROWS = [  # label, model, data, optimizer, hyperparameters, epochs, batch_size
    ("MLP [16,16] tanh, 200 moons, Adam, 100 epochs, full batch", MLP, MOONS, "adam", {"lr": 0.01}, 100, None),
    ("MLP [16,16] tanh, 200 moons, Adam, 100 epochs, batch 32", MLP, MOONS, "adam", {"lr": 0.01}, 100, 32),
    ("MLP [16,16] tanh, 200 moons, SGD, 100 epochs, batch 32", MLP, MOONS, "sgd", {"lr": 0.1}, 100, 32),
    ("the notes' Linear(10, 1), randn(32, 10), Adam, 100 epochs", ("linear", {}), ("regression", {}), "adam",
     {"lr": 0.01}, 100, None),
    ("line, 32 points, SGD, 100 epochs, batch 4", ("line", {}), ("regression", {"features": 1}), "sgd",
     {"lr": 0.05}, 100, 4),
]


def median_seconds(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    print(f"{'case':62s} {'steps':>6s} {'ours ms':>9s} {'torch ms':>9s} {'torch/ours':>10s}")
    for label, model, data, optimizer, hyper, epochs, batch_size in ROWS:
        def ours(model=model, data=data, optimizer=optimizer, hyper=hyper, epochs=epochs, batch_size=batch_size):
            return train(model, data, optimizer, epochs, batch_size=batch_size, **hyper)

        ref = ours()
        t_ours = median_seconds(ours, args.repeat)
        line = f"{label:62s} {ref.steps:6d} {t_ours * 1e3:9.1f}"
        if torch_train is not None:
            case = {"model": list(model), "optimizer": optimizer, "hyperparameters": hyper, "batch_size": batch_size}
            t_torch = median_seconds(lambda case=case, ref=ref: torch_train(case, ref), args.repeat)
            line += f" {t_torch * 1e3:9.1f} {t_torch / t_ours:10.2f}"
        print(line, flush=True)


if __name__ == "__main__":
    main()
