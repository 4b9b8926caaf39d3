"""Dev-only: export PyTorch training scripts for a few training bodies, run them with torch, keep what they print.

    /work/venv/bin/python scripts/make_golden_train_export.py [--torch-python /work/venv-torch/bin/python]

For each body below, the service in this checkout writes its script (``POST /api/export/pytorch`` with a training
body, in process), the script runs under a Python that has torch 2.13 (never this project's own environment), and
its ``--json`` output goes to tests/data/train_export_golden.json beside the script's SHA-256.
tests/api/test_train.py then checks, without torch, that the service's losses are within 1e-10 of torch's.
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
OUT = ROOT / "tests" / "data" / "train_export_golden.json"

CASES = {
    # the notes' comparison: nn.Linear(10, 1), MSELoss, randn(32, 10), Adam then RMSprop at lr 0.01, 100 epochs
    "notes_linear_adam_rmsprop": {
        "model": {"name": "linear"}, "data": {"name": "regression"}, "epochs": 100,
        "runs": [{"optimizer": "adam", "params": {"lr": 0.01}}, {"optimizer": "rmsprop", "params": {"lr": 0.01}}]},
    # SGD and Adam on line with minibatches of 4
    "line_minibatch": {
        "model": {"name": "line"}, "data": {"name": "regression", "options": {"features": 1, "n": 32}},
        "epochs": 30, "batch_size": 4, "seed": 7,
        "runs": [{"optimizer": "sgd", "params": {"lr": 0.05}}, {"optimizer": "adam", "params": {"lr": 0.05}}]},
    # an MLP on spiral with Adam, AdamW and SGD with momentum; relu, three layers
    "mlp_spiral": {
        "model": {"name": "mlp", "options": {"hidden": [16, 16], "activation": "relu"}},
        "data": {"name": "spiral", "options": {"n": 120, "noise": 0.05}}, "epochs": 40, "batch_size": 24,
        "runs": [{"optimizer": "adam", "params": {"lr": 0.01}}, {"optimizer": "adamw", "params": {"lr": 0.01}},
                 {"optimizer": "sgd", "params": {"lr": 0.05, "momentum": 0.9}, "label": "SGD + momentum"}]},
    # full batch, a classifier, L-BFGS's closure and Rprop
    "logistic_moons_full_batch": {
        "model": {"name": "logistic"}, "data": {"name": "moons", "options": {"n": 80}}, "epochs": 15,
        "runs": [{"optimizer": "lbfgs", "params": {"lr": 0.5}}, {"optimizer": "rprop"}]},
    # lr schedulers, stepped after each optimizer step: OneCycleLR cycling Adam's beta1 and CyclicLR cycling SGD's
    # momentum, over minibatches; SequentialLR with a LambdaLR formula then cosine annealing
    "mlp_moons_cycled_schedulers": {
        "model": {"name": "mlp", "options": {"hidden": [8], "activation": "tanh"}},
        "data": {"name": "moons", "options": {"n": 100, "noise": 0.1}}, "epochs": 20, "batch_size": 25, "seed": 2,
        "runs": [{"optimizer": "adam", "params": {"lr": 0.01},
                  "scheduler": {"name": "OneCycleLR", "params": {"max_lr": 0.05, "total_steps": 80}}},
                 {"optimizer": "sgd", "params": {"lr": 0.05, "momentum": 0.9},
                  "scheduler": {"name": "CyclicLR", "params": {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 10}}},
                 {"optimizer": "adamw", "params": {"lr": 0.02},
                  "scheduler": {"name": "SequentialLR", "params": {"milestones": [20], "schedulers": [
                      {"name": "LambdaLR", "params": {"lr_lambda": "min(1, (t+1)/20)"}},
                      {"name": "CosineAnnealingLR", "params": {"T_max": 60}}]}}}]},
    # ReduceLROnPlateau watching the minibatch losses (it reduces several times here), and MultiplicativeLR's formula
    "linear_plateau_minibatch": {
        "model": {"name": "linear"}, "data": {"name": "regression"}, "epochs": 40, "batch_size": 8, "seed": 1,
        "runs": [{"optimizer": "rmsprop", "params": {"lr": 0.02},
                  "scheduler": {"name": "ReduceLROnPlateau", "params": {"patience": 3, "factor": 0.5}}},
                 {"optimizer": "sgd", "params": {"lr": 0.05, "momentum": 0.5},
                  "scheduler": {"name": "MultiplicativeLR", "params": {"lr_lambda": "0.99"}}}]},
    # L-BFGS's closure with ReduceLROnPlateau on the full batch
    "logistic_lbfgs_plateau": {
        "model": {"name": "logistic"}, "data": {"name": "gaussians", "options": {"n": 100, "noise": 1.0}},
        "epochs": 15, "runs": [{"optimizer": "lbfgs", "params": {"lr": 0.5, "max_iter": 5},
                                "scheduler": {"name": "ReduceLROnPlateau", "params": {"patience": 1}}}]},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--torch-python", default="/work/venv-torch/bin/python")
    args = parser.parse_args()

    from fastapi.testclient import TestClient

    from app.config import Settings
    from app.main import create_app

    version = subprocess.run([args.torch_python, "-c", "import torch; print(torch.__version__)"], check=True,
                             capture_output=True, text=True).stdout.strip()
    out = {"generator": "scripts/make_golden_train_export.py", "torch": version, "machine": platform.machine(),
           "cases": {}}
    with TestClient(create_app(Settings())) as client, tempfile.TemporaryDirectory() as tmp:
        for name, body in CASES.items():
            r = client.post("/api/export/pytorch", json=body)
            r.raise_for_status()
            path = Path(tmp) / f"{name}.py"
            path.write_text(r.text)
            ran = subprocess.run([args.torch_python, str(path), "--json"], check=True, capture_output=True, text=True)
            printed = subprocess.run([args.torch_python, str(path)], check=True, capture_output=True, text=True)
            out["cases"][name] = {"body": body, "sha256": hashlib.sha256(r.text.encode()).hexdigest(),
                                  "runs": json.loads(ran.stdout)["runs"], "printed": printed.stdout}
            print(name, [len(run["loss"]) for run in out["cases"][name]["runs"]])
    OUT.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
