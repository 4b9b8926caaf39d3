"""optim_core against torch.optim 2.13's own trajectories (tests/data/golden.json, from scripts/make_golden.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from optim_core import OPTIMIZERS, run

GOLDEN = json.loads((Path(__file__).parent.parent / "data" / "golden.json").read_text())
CASES = GOLDEN["cases"]


def _id(case) -> str:
    flags = ",".join(f"{k}={v}" for k, v in case["params"].items())
    return f"{case['optimizer']}-{case['surface']}-{flags}"


def _run(case):
    params = {k: tuple(v) if isinstance(v, list) else v for k, v in case["params"].items()}
    return run(case["optimizer"], case["surface"], case["start"], case["steps"], **params)


def test_golden_file_covers_every_optimizer_flag_and_three_surfaces():
    assert GOLDEN["torch"].startswith("2.13") and GOLDEN["dtype"] == "float64"
    assert {c["optimizer"] for c in CASES} == set(OPTIMIZERS)
    assert len({c["surface"] for c in CASES}) >= 3
    assert all(c["steps"] == 200 for c in CASES)
    for name, spec in OPTIMIZERS.items():
        for hp in spec.params:
            if hp.kind == "bool":
                seen = {c["params"].get(hp.name, hp.default) for c in CASES if c["optimizer"] == name}
                assert seen == {True, False}, f"{name}.{hp.name} is not covered both on and off"


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_trajectory_is_bit_exact_to_torch(case):
    # The golden surfaces are polynomials, where torch autograd's order of operations is mirrored exactly (see
    # optim_core/surfaces.py) and torch's fused multiply-adds are emulated exactly (optim_core/backend.py).
    tr = _run(case)
    assert tr.status == "ok"
    assert tr.xy.tolist() == case["xy"]
    assert tr.loss.tolist() == case["loss"]


@pytest.mark.parametrize("case", [c for c in CASES if c["optimizer"] == "lbfgs"], ids=_id)
def test_lbfgs_evaluates_the_objective_where_torch_does(case):
    tr = _run(case)
    assert len(tr.evals) == case["steps"]
    for step, (ours, theirs) in enumerate(zip(tr.evals, case["evals"], strict=True)):
        assert ours.tolist() == theirs, f"step {step}"
