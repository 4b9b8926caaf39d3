"""Core benchmark: prints figures, asserts nothing. Run: python scripts/bench.py [--quick] [--against DIR]

1. All 13 optimizers on rosenbrock, 500 steps, one trajectory each: optim_core vs torch.optim (if importable),
   doing the same work (a student's loop: zero_grad, loss, backward, step; L-BFGS with step(closure)).
   ``--against DIR`` also times DIR's optim_core (another checkout, e.g. ``git worktree add /tmp/base main``),
   loaded in this same process, interleaved with ours, so the before/after ratio holds on a noisy machine.
2. adam on 100,000 start points x 200 steps: optim_core.run vs a plain NumPy loop over the same batch
   (the straightforward vectorized Adam a NumPy user would write, recording the path and loss too), on the
   compiled path (optim_core.compiled, numba) and on the NumPy path.
3. maps: a 200 x 200 basin map x 300 steps of Adam on Rosenbrock through optim_core.sweep (12 M point-steps;
   target <= 250 ms), compiled and NumPy, and 64 x 64 hyperparameter maps ((lr, beta2) stays on NumPy: beta2
   is a constant of the compiled kernel; (lr, beta1) compiles);
   numba's compile time for one setting, cold (empty cache) and from its disk cache, in fresh processes.
4. The scheduler row (issue 11: "a schedule must not slow the single-path step by more than 10%"): run() with and
   without a StepLR schedule, one start point, alternately, in thread CPU time; the ratio of the medians. Other
   schedulers and a scheduled batch are shown beside it. ``--scheduler`` runs this part only.
Medians of several repeats, measured in one run, so the ratios hold on a noisy machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from optim_core import OPTIMIZERS, SURFACES, compiled, run, sweep  # noqa: E402
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


def median_time(fn, repeats: int, *, warm: bool = False) -> float:
    if warm:  # one untimed call first: compiled code loaded, big arrays' pages faulted in once by malloc
        fn()
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
    ap.add_argument("--maps", action="store_true", help="parts 2 and 3 only (the batch and the maps)")
    ap.add_argument("--scheduler", action="store_true", help="part 4 (the scheduler row) only")
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

    if args.maps:
        batch_and_maps(args.quick, repeats)
        return
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
    batch_and_maps(args.quick, repeats)
    print()
    scheduler_row(11 if args.quick else 31)


def batch_and_maps(quick: bool, repeats: int) -> None:
    n, bsteps = (20_000, 200) if quick else (100_000, 200)
    workers = trajectory.WORKERS
    rng = np.random.default_rng(0)
    batch = np.column_stack([rng.uniform(-2, 2, n), rng.uniform(-1, 3, n)])
    reps = max(1, repeats // 2)
    adam = OPTIMIZERS["adam"].make(lr=0.01)
    compiled.ready(adam, SURFACES["rosenbrock"], wait=True)  # compiled (or loaded from disk) before timing
    exact_c = median_time(lambda: run("adam", "rosenbrock", batch, bsteps, lr=0.01), reps, warm=True)
    compiled.WORKERS = 1
    exact_c1 = median_time(lambda: run("adam", "rosenbrock", batch, bsteps, lr=0.01), reps, warm=True)
    compiled.WORKERS = workers
    compiled.ENABLED = False
    exact = median_time(lambda: run("adam", "rosenbrock", batch, bsteps, lr=0.01), reps, warm=True)
    fast = median_time(lambda: run("adam", "rosenbrock", batch, bsteps, lr=0.01, exact=False), reps, warm=True)
    trajectory.WORKERS = 1
    exact_1 = median_time(lambda: run("adam", "rosenbrock", batch, bsteps, lr=0.01), reps, warm=True)
    trajectory.WORKERS = workers
    compiled.ENABLED = True
    plain = median_time(lambda: plain_numpy_adam(batch, bsteps), reps, warm=True)
    work = n * bsteps
    print(f"\n2) adam, {n:,} start points x {bsteps} steps (median of {reps}; {workers} threads unless noted)")
    rows = [("optim_core.run (exact, compiled)", exact_c), ("optim_core.run (exact, compiled, 1 thread)", exact_c1),
            ("optim_core.run (exact, NumPy)", exact), ("optim_core.run (exact, NumPy, 1 thread)", exact_1),
            ("optim_core.run (exact=False, NumPy)", fast), ("plain NumPy loop", plain)]
    for label, sec in rows:
        print(f"   {label:42s} {sec:7.3f} s {work / sec / 1e6:7.2f} M point-steps/s   {plain / sec:5.2f}x the loop")
    print("   (target: the exact batch >= 2x the plain loop; 'exact' is torch's fused multiply-adds, bit for bit)")
    maps(repeats)
    print(f"\n   load average (uptime): {' '.join(f'{v:.2f}' for v in os.getloadavg())} on {os.cpu_count()} CPUs")


def maps(repeats: int) -> None:
    """Part 3: basin and hyperparameter maps through sweep(), and numba's compile times."""
    side, steps = 200, 300
    xs, ys = np.linspace(-2, 2, side), np.linspace(-1, 3, side)
    starts = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    work = starts.shape[0] * steps
    workers = compiled.WORKERS
    compiled.ready(OPTIMIZERS["adam"].make(lr=0.01), SURFACES["rosenbrock"], wait=True)
    def basin_map(engine):
        return lambda: sweep("adam", "rosenbrock", steps, starts=starts, lr=0.01, compiled=engine)

    basin = median_time(basin_map(True), repeats, warm=True)
    compiled.WORKERS = 1
    basin_1 = median_time(basin_map(True), repeats, warm=True)
    compiled.WORKERS = workers
    reps = max(1, repeats // 3)
    basin_np = median_time(basin_map(False), reps, warm=True)
    grid = {"lr": np.logspace(-4, 0, 64), "beta2": 1 - np.logspace(-4, -1, 64)}
    hyper = median_time(lambda: sweep("adam", "rosenbrock", steps, grid=grid), reps, warm=True)
    grid1 = {"lr": np.logspace(-4, 0, 64), "beta1": np.linspace(0.0, 0.99, 64)}
    hyper_c = median_time(lambda: sweep("adam", "rosenbrock", steps, grid=grid1, compiled=True), repeats, warm=True)
    hyper_n = median_time(lambda: sweep("adam", "rosenbrock", steps, grid=grid1, compiled=False), reps, warm=True)
    print(f"\n3) maps: Adam on rosenbrock, {steps} steps (median of {repeats}, NumPy rows of {reps})")
    rows = [(f"basin {side}x{side}, compiled, {workers} threads", basin, work),
            (f"basin {side}x{side}, compiled, 1 thread", basin_1, work),
            (f"basin {side}x{side}, NumPy", basin_np, work),
            ("hyperparameter 64x64 (lr, beta2), NumPy", hyper, 64 * 64 * steps),
            ("hyperparameter 64x64 (lr, beta1), compiled", hyper_c, 64 * 64 * steps),
            ("hyperparameter 64x64 (lr, beta1), NumPy", hyper_n, 64 * 64 * steps)]
    for label, sec, w in rows:
        print(f"   {label:42s} {sec * 1e3:8.1f} ms {w / sec / 1e6:7.2f} M point-steps/s")
    print(f"   (target: the {side}x{side} map in <= 250 ms: {basin * 1e3:.0f} ms, {250 / (basin * 1e3):.2f}x inside)")
    cold, warm = compile_seconds(empty_cache=True), compile_seconds(empty_cache=False)
    print(f"   numba compile of one setting (Adam, rosenbrock), fresh process: cold {cold:.2f} s, "
          f"from the disk cache {warm:.2f} s (the NumPy path answers meanwhile)")


def compile_seconds(empty_cache: bool) -> float:
    """Seconds to make one setting ready in a fresh process (imports excluded)."""
    import subprocess
    import tempfile

    code = ("import time; from optim_core import compiled, SURFACES, OPTIMIZERS; t=time.perf_counter(); "
            "compiled.ready(OPTIMIZERS['adam'].make(lr=0.01), SURFACES['rosenbrock'], wait=True); "
            "print(time.perf_counter()-t)")
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
        if empty_cache:
            env["NUMBA_CACHE_DIR"] = cache
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])

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
    print(f"4) scheduler row: adam, one start point x {steps} steps, with and without a schedule (median thread CPU "
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
