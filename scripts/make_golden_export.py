"""Dev-only: export PyTorch scripts for a set of request bodies, run them with torch, keep what they print.

    /work/venv/bin/python scripts/make_golden_export.py [--torch-python /work/venv-torch/bin/python]

For each body below, the service in this checkout writes its script (``POST /api/export/pytorch``, in process),
the script runs under a Python that has torch 2.13 (never this project's own environment), and its ``--json``
output goes to tests/data/export_golden.json beside the script's SHA-256. tests/api/test_export.py then checks,
without torch, that the service writes the same script and computes the same numbers.

``exact`` marks bodies whose surfaces use + - * / and powers only, where torch's kernels round as optim_core
does, so the numbers must agree bit for bit; the others (exp, sin, cos, sqrt, and typed formulas whose gradient
optim_core sums in another order than autograd) are held to a tolerance. One more source of difference is torch's
own sqrt inside Adam, RMSprop and friends: on the AMD EPYC (AVX-512) that made these goldens it is one ulp off
math.sqrt for about 1.3% of inputs, so a run now and then departs by an ulp; tests/api/test_export.py lists those
runs (TORCH_SQRT), each checked by replaying torch's optimizer state. Regenerating on another CPU may change that
list, which is why the CPU is recorded in the file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "tests" / "data" / "export_golden.json"

ALL = ["sgd", "asgd", "adagrad", "adadelta", "rmsprop", "adam", "adamw", "adamax", "nadam", "radam", "sparseadam",
       "lbfgs", "rprop"]


def _race(surface, steps, runs, start, **extra):
    """A body with its start point spelled out, so that no default start the service may change later is baked in."""
    return {"surface": surface, "start": start, "steps": steps, "runs": runs, **extra}


def _pair(surface):
    """A quick Adam and a strong-Wolfe L-BFGS on one surface, from what is its default start today."""
    from optim_core import SURFACES

    return _race(surface, 40, [{"optimizer": "adam", "params": {"lr": 0.05}},
                               {"optimizer": "lbfgs", "params": {"line_search_fn": "strong_wolfe", "max_iter": 4}}],
                 list(SURFACES[surface].start))


POLYNOMIALS = ["rosenbrock", "beale", "booth", "matyas", "quadratic", "ill_conditioned", "himmelblau",
               "goldstein_price", "six_hump_camel", "three_hump_camel", "styblinski_tang", "saddle", "monkey_saddle"]
TRANSCENDENTAL = ["rastrigin", "ackley", "levi", "plateau"]

CASES = [
    # every optimizer with torch's defaults, the page's "All 13"
    ("all_defaults_rosenbrock", True, _race("rosenbrock", 120, [{"optimizer": o} for o in ALL], [-1.5, 2.0])),
    # flags switched on, labels chosen by the user
    ("flags_beale", True, _race("beale", 150, [
        {"optimizer": "sgd", "params": {"lr": 1e-3, "momentum": 0.9, "nesterov": True}, "label": "NAG"},
        {"optimizer": "sgd", "params": {"lr": 5e-3, "momentum": 0.5, "dampening": 0.3, "weight_decay": 0.1,
                                        "maximize": False}, "label": "Momentum, damped"},
        {"optimizer": "asgd", "params": {"lr": 2e-3, "lambd": 1e-2, "alpha": 0.5, "t0": 50.0}},
        {"optimizer": "adagrad", "params": {"lr": 0.05, "lr_decay": 0.01, "initial_accumulator_value": 0.1}},
        {"optimizer": "adadelta", "params": {"lr": 0.5, "rho": 0.95, "eps": 1e-5, "weight_decay": 0.01}},
        {"optimizer": "rmsprop", "params": {"lr": 5e-3, "momentum": 0.5, "centered": True, "eps": 1e-6}},
        {"optimizer": "adam", "params": {"lr": 5e-2, "amsgrad": True}, "label": "AMSGrad"},
        {"optimizer": "adam", "params": {"lr": 1e-2, "weight_decay": 0.1, "decoupled_weight_decay": True,
                                         "betas": [0.8, 0.99]}},
        {"optimizer": "adamw", "params": {"lr": 2e-2, "weight_decay": 0.5, "amsgrad": True}},
        {"optimizer": "adamax", "params": {"lr": 1e-2, "betas": [0.8, 0.99], "weight_decay": 0.05}},
        {"optimizer": "nadam", "params": {"lr": 1e-2, "weight_decay": 0.1, "decoupled_weight_decay": True}},
        {"optimizer": "radam", "params": {"lr": 1e-2, "weight_decay": 0.1, "betas": [0.9, 0.99]}},
        {"optimizer": "sparseadam", "params": {"lr": 5e-2, "betas": [0.8, 0.9], "eps": 1e-3}},
        {"optimizer": "rprop", "params": {"lr": 0.05, "etas": [0.3, 1.5], "step_sizes": [1e-4, 2.0]}},
        {"optimizer": "lbfgs", "params": {"lr": 0.1, "max_iter": 5, "history_size": 3}},
    ], [1.0, 1.5])),
    ("maximize_matyas", True, _race("matyas", 80, [
        {"optimizer": o, "params": {"maximize": True, "lr": 1e-2}} for o in ALL if o != "lbfgs"], [1.0, 2.0])),
    ("lbfgs_strong_wolfe", True, _race("rosenbrock", 30, [
        {"optimizer": "lbfgs", "params": {"line_search_fn": "strong_wolfe"}},
        {"optimizer": "lbfgs", "params": {"max_iter": 4, "max_eval": 6, "line_search_fn": "strong_wolfe",
                                          "history_size": 5}},
        {"optimizer": "lbfgs", "params": {"lr": 0.5, "tolerance_grad": 1e-5, "tolerance_change": 1e-6}},
    ], [-1.5, 2.0])),
    ("noise", True, _race("booth", 150, [
        {"optimizer": "sgd", "params": {"lr": 1e-2, "momentum": 0.9}},
        {"optimizer": "adam", "params": {"lr": 0.1}},
        {"optimizer": "sparseadam", "params": {"lr": 0.1}},
        {"optimizer": "rprop"},
        {"optimizer": "lbfgs", "params": {"line_search_fn": "strong_wolfe", "max_iter": 5}},
        {"optimizer": "lbfgs", "params": {"lr": 0.1, "max_iter": 3}},
    ], [-8.0, 8.0], noise={"std": 0.5, "seed": 12345})),
    ("diverging", True, _race("quadratic", 60, [
        {"optimizer": "sgd", "params": {"lr": 1.5}, "label": "SGD, too fast"},
        {"optimizer": "sgd", "params": {"lr": 0.2, "momentum": 0.99, "maximize": True}},
        {"optimizer": "adam", "params": {"lr": 0.1}},
        {"optimizer": "lbfgs", "params": {"lr": 3.0, "max_iter": 3}},
    ], [-1.5, 1.0])),
    ("lbfgs_unbounded_saddle", True, _race("saddle", 40, [{"optimizer": "lbfgs"}, {"optimizer": "rmsprop"}],
                                          [1.0, 1e-3])),
    # The page's example formula, and one with a division: optim_core's typed gradient happens to add up in
    # autograd's order here, so these are exact.
    ("typed_exact_example", True, _race({"expression": "x^4 - 2x^2 + y^2"}, 100, [
        {"optimizer": "sgd", "params": {"lr": 0.02, "momentum": 0.5}},
        {"optimizer": "adam", "params": {"lr": 0.05}},
        {"optimizer": "lbfgs", "params": {"line_search_fn": "strong_wolfe"}},
    ], [0.3, 1.2])),
    ("typed_exact_division", True, _race({"expression": "x/(4 + y^2) + x^2 + y^2",
                                          "domain": {"x": [-2, 2], "y": [-3, 1]}}, 100, [
        {"optimizer": "rmsprop", "params": {"lr": 0.02}},
        {"optimizer": "nadam", "params": {"lr": 0.05}},
        {"optimizer": "lbfgs", "params": {"history_size": 4}},
    ], [1.5, 0.5], noise={"std": 0.1, "seed": 3})),
    # Not exact: optim_core differentiates a typed formula forward (d(3u^2) = 3 (2u du)) where autograd goes
    # backward ((3 * 2u) du), one rounding apart; and torch's sqrt is not correctly rounded on every CPU. (No typed
# golden has "c / x" or "e^x": the older engine and main's write those differently, and the goldens serve both.)
    ("typed_polynomial", False, _race({"expression": "(x - 1)^2 + 3(y + x^2)^2 - x y/2",
                                       "domain": {"x": [-2, 2], "y": [-3, 1]}}, 100, [
        {"optimizer": "sgd", "params": {"lr": 0.01, "momentum": 0.8}},
        {"optimizer": "adam", "params": {"lr": 0.05}},
        {"optimizer": "lbfgs", "params": {"line_search_fn": "strong_wolfe"}},
    ], [1.5, 0.5])),
    ("typed_powers_sqrt_abs_max", False, _race(
        {"expression": "-(1 + x^2 + y^2)^-1 + sqrt(x^2 + y^2 + 1) + abs(x - 0.5)/3 + max(x, y)^2 + x^-2/10",
         "domain": {"x": [0.2, 3], "y": [-2, 2]}}, 80, [{"optimizer": "adagrad", "params": {"lr": 0.1}},
                                                        {"optimizer": "lbfgs", "params": {"lr": 0.2}}],
        [2.5, 1.5])),
    ("typed_transcendental", False, _race({"expression": "sin(x) cos(y) + exp(-(x^2 + y^2)/4) + log(2 + x^2)"},
                                          60, [{"optimizer": "adam", "params": {"lr": 0.05}},
                                               {"optimizer": "lbfgs", "params": {"lr": 0.5, "max_iter": 5}}],
                                          [-1.2, 1.2])),
    # Learning-rate schedulers (issue 11): each built with torch's class and the run's keywords, a formula written
    # as a lambda from its parsed tree, stepped after each optimizer step (ReduceLROnPlateau with the loss).
    ("scheduled_rosenbrock", True, _race("rosenbrock", 120, [
        {"optimizer": "adam", "params": {"lr": 0.01}, "scheduler": {"name": "OneCycleLR", "params": {
            "max_lr": 0.05, "total_steps": 120}}},
        {"optimizer": "sgd", "params": {"lr": 1e-3, "momentum": 0.9, "nesterov": True}, "scheduler": {
            "name": "CyclicLR", "params": {"base_lr": 1e-4, "max_lr": 2e-3, "step_size_up": 15,
                                           "mode": "triangular2"}}},
        {"optimizer": "rmsprop", "params": {"lr": 0.01, "momentum": 0.5}, "scheduler": {
            "name": "ReduceLROnPlateau", "params": {"patience": 3, "factor": 0.5, "threshold": 0.01}}},
        {"optimizer": "lbfgs", "params": {"lr": 0.5, "max_iter": 4}, "scheduler": {
            "name": "StepLR", "params": {"step_size": 10, "gamma": 0.5}}},
        {"optimizer": "nadam", "params": {"lr": 0.05}, "scheduler": {
            "name": "LambdaLR", "params": {"lr_lambda": "min(1, (t+1)/10) / (1 + t/50)"}}},
        {"optimizer": "adagrad", "params": {"lr": 0.3}, "scheduler": {"name": "SequentialLR", "params": {
            "schedulers": [["LinearLR", {"start_factor": 0.1, "total_iters": 10}],
                           {"name": "CosineAnnealingWarmRestarts",
                            "params": {"T_0": 10, "T_mult": 2, "eta_min": 0.01}}],
            "milestones": [10]}}},
        {"optimizer": "adamw", "params": {"lr": 0.02}, "scheduler": {"name": "ChainedScheduler", "params": {
            "schedulers": [["ConstantLR", {"factor": 0.5, "total_iters": 30}], ["ExponentialLR", {"gamma": 0.98}]]}}},
        {"optimizer": "asgd", "params": {"lr": 2e-3}, "scheduler": {"name": "MultiStepLR", "params": {
            "milestones": [30, 60, 90], "gamma": 0.5}}},
        {"optimizer": "rprop", "params": {"lr": 0.01}, "scheduler": {"name": "PolynomialLR", "params": {
            "total_iters": 100, "power": 2.0}}},
        {"optimizer": "adamax", "params": {"lr": 0.05}, "scheduler": {"name": "MultiplicativeLR", "params": {
            "lr_lambda": "0.99"}}},
        {"optimizer": "radam", "params": {"lr": 0.05}, "scheduler": {"name": "CosineAnnealingLR", "params": {
            "T_max": 60, "eta_min": 1e-3}}},
        {"optimizer": "adam", "params": {"lr": 0.01}, "scheduler": {"name": "CyclicLR", "params": {
            "base_lr": 1e-3, "max_lr": 0.05, "step_size_up": 20, "scale_fn": "0.5^x", "base_momentum": 0.8,
            "max_momentum": 0.95}}},
        {"optimizer": "sgd", "params": {"lr": 1e-3, "momentum": 0.8}, "scheduler": {"name": "OneCycleLR", "params": {
            "max_lr": 2e-3, "total_steps": 130, "anneal_strategy": "linear", "three_phase": True}}},
        {"optimizer": "adadelta", "params": {"lr": 1.0}, "scheduler": {"name": "linearlr", "params": {
            "start_factor": 1.0, "end_factor": 0.1, "total_iters": 80}}},
    ], [-1.5, 2.0])),
    ("scheduled_noise_booth", True, _race("booth", 80, [
        {"optimizer": "sgd", "params": {"lr": 1e-2, "momentum": 0.9}, "scheduler": {
            "name": "CyclicLR", "params": {"base_lr": 1e-3, "max_lr": 2e-2, "step_size_up": 10, "mode": "exp_range",
                                           "gamma": 0.99}}},
        {"optimizer": "lbfgs", "params": {"lr": 0.5, "line_search_fn": "strong_wolfe", "max_iter": 3},
         "scheduler": {"name": "ReduceLROnPlateau", "params": {"patience": 2, "mode": "min", "cooldown": 1}}},
    ], [-8.0, 8.0], noise={"std": 0.5, "seed": 7})),
    *[(f"surface_{s}", True, _pair(s)) for s in POLYNOMIALS],
    *[(f"surface_{s}", False, _pair(s)) for s in TRANSCENDENTAL],
]


def _torch_versions(python: str) -> dict:
    code = "import json, numpy, torch; print(json.dumps({'torch': torch.__version__, 'numpy': numpy.__version__}))"
    return json.loads(subprocess.run([python, "-c", code], check=True, capture_output=True, text=True).stdout)


def _cpu() -> str:
    out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    fields = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
    model = fields.get("Model name", "unknown").strip()
    flags = fields.get("Flags", "")
    simd = [f for f in ("avx512f", "avx2", "fma") if f" {f}" in f" {flags}"]
    return f"{model}, {fields.get('Architecture', platform.machine()).strip()}, {'/'.join(simd)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--torch-python", default="/work/venv-torch/bin/python")
    parser.add_argument("--only", nargs="+", metavar="NAME",
                        help="run only these cases; the others are kept as they are in the file")
    args = parser.parse_args()
    kept = {c["name"]: c for c in json.loads(OUT.read_text())["cases"]} if args.only else {}

    from fastapi.testclient import TestClient

    from app.config import Settings
    from app.main import create_app

    versions = _torch_versions(args.torch_python)
    cases = []
    with TestClient(create_app(Settings())) as client, tempfile.TemporaryDirectory() as tmp:
        for name, exact, body in CASES:
            if args.only and name not in args.only and name in kept:
                cases.append(kept[name])
                continue
            answer = client.post("/api/export/pytorch", json=body)
            answer.raise_for_status()
            script = Path(tmp) / f"{name}.py"
            script.write_text(answer.text)
            ran = subprocess.run([args.torch_python, str(script), "--json"], capture_output=True, text=True)
            if ran.returncode:
                raise SystemExit(f"{name}: the script failed\n{ran.stderr}")
            runs = json.loads(ran.stdout)["runs"]
            cases.append({"name": name, "exact": exact, "body": body,
                          "script_sha256": hashlib.sha256(answer.text.encode()).hexdigest(), "runs": runs})
            print(f"{name}: {len(runs)} runs, {sum(len(r['xy']) for r in runs)} points")
    head = {"generator": "scripts/make_golden_export.py", **versions, "python": platform.python_version(),
            "cpu": _cpu()}
    body = ",\n  ".join(json.dumps(c, separators=(",", ":")) for c in cases)  # one case per line
    OUT.write_text(json.dumps(head)[:-1] + ', "cases": [\n  ' + body + "\n]}\n")
    print(f"wrote {len(cases)} cases to {OUT.relative_to(ROOT)} ({OUT.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
