"""Core benchmark: prints figures, asserts nothing. Run: python scripts/bench.py [--quick] [--against DIR]

1. All 13 optimizers on rosenbrock, 500 steps, one trajectory each: optim_core vs torch.optim (if importable),
   doing the same work (a student's loop: zero_grad, loss, backward, step; L-BFGS with step(closure)).
   ``--against DIR`` also times DIR's optim_core (another checkout, e.g. ``git worktree add /tmp/base main``),
   loaded in this same process, interleaved with ours, so the before/after ratio holds on a noisy machine.
2. adam on 100,000 start points x 200 steps: optim_core.run vs a plain NumPy loop over the same batch
   (the straightforward vectorized Adam a NumPy user would write, recording the path and loss too).
3. The scheduler row (issue 11: "a schedule must not slow the single-path step by more than 10%"): run() with and
   without a StepLR schedule, one start point, alternately, in thread CPU time; the ratio of the medians. Other
   schedulers and a scheduled batch are shown beside it. ``--scheduler`` runs this part only.
Medians of several repeats, measured in one run, so the ratios hold on a noisy machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from optim_core import OPTIMIZERS, SURFACES, run  # noqa: E402
from optim_core import batch as trajectory  # noqa: E402


def load_baseline(root: str):
    """Another checkout's optim_core, imported as the package ``baseline_optim_core``."""
    import importlib.util

    init = Path(root) / "optim_core" / "__init__.py"
    spec = importlib.util.spec_from_file_location("baseline_optim_core", init,
                                                  submodule_search_locations=[str(init.parent)])
    module = importlib.util.module_from_spec(spec)
    sys.modules["baseline_optim_core"] = module
    spec.loader.exec_module(module)
    return module


def median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


# torch.optim's defaults, except where a default diverges on rosenbrock from (-1.5, 2): a diverged run stops early
# here and computes NaN in torch, which would not be the same work.
SETTINGS = {"asgd": {"lr": 1e-3}}


def torch_runner(name: str, steps: int, params: dict):
    import torch

    torch.set_default_dtype(torch.float64)
    cls = {"sgd": torch.optim.SGD, "asgd": torch.optim.ASGD, "adagrad": torch.optim.Adagrad,
           "adadelta": torch.optim.Adadelta, "rmsprop": torch.optim.RMSprop, "adam": torch.optim.Adam,
           "adamw": torch.optim.AdamW, "adamax": torch.optim.Adamax, "nadam": torch.optim.NAdam,
           "radam": torch.optim.RAdam, "sparseadam": torch.optim.SparseAdam, "lbfgs": torch.optim.LBFGS,
           "rprop": torch.optim.Rprop}[name]

    def go():
        p = torch.tensor([-1.5, 2.0], requires_grad=True)
        opt = cls([p], **params)
        path, losses = [p.detach().clone()], []

        def closure():
            opt.zero_grad()
            loss = (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2
            loss.backward()
            if name == "sparseadam":
                p.grad = p.grad.to_sparse()
            return loss

        for _ in range(steps):
            if name == "lbfgs":
                losses.append(float(opt.step(closure).detach()))
            else:
                losses.append(float(closure().detach()))
                opt.step()
            path.append(p.detach().clone())
        return path, losses

    return go


def plain_numpy_adam(start: np.ndarray, steps: int, lr=0.01, b1=0.9, b2=0.999, eps=1e-8):
    """What a NumPy user writes: whole-batch arrays, one expression per line, path and loss recorded."""
    p = start.copy()
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    path = np.empty((steps + 1,) + p.shape)
    loss = np.empty((steps + 1, p.shape[0]))
    path[0] = p
    for t in range(1, steps + 1):
        x, y = p[:, 0], p[:, 1]
        loss[t - 1] = (1 - x) ** 2 + 100 * (y - x**2) ** 2
        g = np.stack([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)], axis=-1)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        mhat = m / (1 - b1**t)
        vhat = v / (1 - b2**t)
        p = p - lr * mhat / (np.sqrt(vhat) + eps)
        path[t] = p
    x, y = p[:, 0], p[:, 1]
    loss[steps] = (1 - x) ** 2 + 100 * (y - x**2) ** 2
    return path, loss


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer repeats and a smaller batch")
    ap.add_argument("--against", metavar="DIR", help="also time DIR's optim_core in part 1 (before/after)")
    ap.add_argument("--part1", action="store_true", help="part 1 only")
    ap.add_argument("--scheduler", action="store_true", help="part 3 (the scheduler row) only")
    args = ap.parse_args()
    if args.scheduler:
        scheduler_row(11 if args.quick else 31)
        return
    if args.against:
        before_after(load_baseline(args.against), 31 if not args.quick else 11)
    repeats = 3 if args.quick else 7
    steps = 500
    try:
        import torch  # noqa: F401
        have_torch = True
    except ImportError:
        have_torch = False

    print(f"1) 13 optimizers x rosenbrock x {steps} steps, single trajectory (median of {repeats})")
    print(f"   {'optimizer':11s} {'optim_core':>12s} {'torch.optim':>12s} {'speedup':>9s}")
    total_ours = total_torch = 0.0
    ratios: list[float] = []
    start = SURFACES["rosenbrock"].start
    for name in OPTIMIZERS:
        ours = median_time(lambda n=name: run(n, "rosenbrock", start, steps, **SETTINGS.get(n, {})), repeats)
        total_ours += ours
        if have_torch:
            theirs = median_time(torch_runner(name, steps, SETTINGS.get(name, {})), max(1, repeats // 2))
            total_torch += theirs
            ratios.append(theirs / ours)
            print(f"   {name:11s} {ours * 1e3:9.2f} ms {theirs * 1e3:9.2f} ms {theirs / ours:8.1f}x")
        else:
            print(f"   {name:11s} {ours * 1e3:9.2f} ms {'(no torch)':>12s}")
    if have_torch:
        print(f"   {'all 13':11s} {total_ours * 1e3:9.2f} ms {total_torch * 1e3:9.2f} ms "
              f"{total_torch / total_ours:8.1f}x   (target >= 50x)")
        print(f"   {'median of 13':11s} {'':12s} {'':12s} {statistics.median(ratios):8.1f}x")

    if args.part1:
        return
    n, bsteps = (20_000, 200) if args.quick else (100_000, 200)
    workers = trajectory.WORKERS
    rng = np.random.default_rng(0)
    batch = np.column_stack([rng.uniform(-2, 2, n), rng.uniform(-1, 3, n)])
    reps = max(1, repeats // 2)
    exact = median_time(lambda: run("adam", "rosenbrock", batch, bsteps, lr=0.01), reps)
    fast = median_time(lambda: run("adam", "rosenbrock", batch, bsteps, lr=0.01, exact=False), reps)
    trajectory.WORKERS = 1
    exact_1 = median_time(lambda: run("adam", "rosenbrock", batch, bsteps, lr=0.01), reps)
    fast_1 = median_time(lambda: run("adam", "rosenbrock", batch, bsteps, lr=0.01, exact=False), reps)
    trajectory.WORKERS = workers
    plain = median_time(lambda: plain_numpy_adam(batch, bsteps), reps)
    work = n * bsteps
    print(f"\n2) adam, {n:,} start points x {bsteps} steps (median of {reps}; {workers} threads unless noted)")
    rows = [("optim_core.run (exact, default)", exact), ("optim_core.run (exact=False)", fast),
            ("optim_core.run (exact, 1 thread)", exact_1), ("optim_core.run (exact=False, 1 thread)", fast_1),
            ("plain NumPy loop", plain)]
    for label, sec in rows:
        print(f"   {label:40s} {sec:7.3f} s {work / sec / 1e6:7.2f} M point-steps/s   {plain / sec:5.2f}x the loop")
    print("   (target >= 1x the plain loop, aim 2x; 'exact' emulates torch's fused multiply-adds bit for bit)")
    print()
    scheduler_row(11 if args.quick else 31)


def cpu_time(fn) -> float:
    t0 = time.thread_time()
    fn()
    return time.thread_time() - t0


def before_after(baseline, repeats: int) -> None:
    """Part 1's single paths, this checkout against another, timed alternately in one process.

    Timed in this thread's CPU time, the least of ``repeats`` runs of each: on a shared machine a wall clock
    counts the time the process waits for a core, which swamps a 1 ms run (medians of wall time moved by 20x).
    """
    steps = 500
    start = SURFACES["rosenbrock"].start
    print(f"1a) 13 optimizers x rosenbrock x {steps} steps: this checkout against --against (least CPU time of "
          f"{repeats}, interleaved)")
    print(f"   {'optimizer':11s} {'before':>10s} {'after':>10s} {'after/before':>13s}")
    total_before = total_after = 0.0
    for name in OPTIMIZERS:
        kw = SETTINGS.get(name, {})
        before, after = [], []
        for _ in range(repeats):
            before.append(cpu_time(lambda n=name, kw=kw: baseline.run(n, "rosenbrock", start, steps, **kw)))
            after.append(cpu_time(lambda n=name, kw=kw: run(n, "rosenbrock", start, steps, **kw)))
        b, a = min(before), min(after)
        total_before += b
        total_after += a
        print(f"   {name:11s} {b * 1e3:7.2f} ms {a * 1e3:7.2f} ms {a / b:12.2f}x")
    print(f"   {'all 13':11s} {total_before * 1e3:7.2f} ms {total_after * 1e3:7.2f} ms "
          f"{total_after / total_before:12.2f}x   (target <= 1.10x)\n")


SCHEDULES = [("StepLR", {"step_size": 100, "gamma": 0.5}), ("CosineAnnealingLR", {"T_max": 2000}),
             ("OneCycleLR", {"max_lr": 0.05, "total_steps": 2000}), ("ReduceLROnPlateau", {}),
             ("LambdaLR", {"lr_lambda": "0.999^t"})]


def scheduler_row(repeats: int, steps: int = 2000) -> None:
    """Part 3: the single path with and without a schedule, interleaved, medians of thread CPU time."""
    start = SURFACES["rosenbrock"].start
    print(f"3) scheduler row: adam, one start point x {steps} steps, with and without a schedule (median thread CPU "
          f"time of {repeats}, interleaved)")
    print(f"   {'schedule':20s} {'plain':>9s} {'scheduled':>10s} {'ratio':>7s} {'per step':>10s}")
    for name, params in SCHEDULES:
        plain, scheduled = [], []
        for _ in range(repeats):
            plain.append(cpu_time(lambda: run("adam", "rosenbrock", start, steps, lr=0.01)))
            scheduled.append(cpu_time(lambda n=name, p=params: run("adam", "rosenbrock", start, steps, lr=0.01,
                                                                     scheduler=(n, p))))
        a, b = statistics.median(plain), statistics.median(scheduled)
        target = "   (target <= 1.10x)" if name == "StepLR" else ""
        print(f"   {name:20s} {a * 1e3:6.2f} ms {b * 1e3:7.2f} ms {b / a:6.2f}x {(b - a) / steps * 1e6:6.2f} us"
              f"{target}")
    n, bsteps = 20_000, 200
    rng = np.random.default_rng(0)
    batch = np.column_stack([rng.uniform(-2, 2, n), rng.uniform(-1, 3, n)])
    reps = max(3, repeats // 6)
    a = median_time(lambda: run("adam", "rosenbrock", batch, bsteps, lr=0.01), reps)
    b = median_time(lambda: run("adam", "rosenbrock", batch, bsteps, lr=0.01,
                                scheduler=("StepLR", {"step_size": 20, "gamma": 0.5})), reps)
    print(f"   {'batch StepLR':20s} {a * 1e3:6.1f} ms {b * 1e3:7.1f} ms {b / a:6.2f}x   ({n:,} start points x "
          f"{bsteps} steps, wall time, one shared plan)")


if __name__ == "__main__":
    main()
