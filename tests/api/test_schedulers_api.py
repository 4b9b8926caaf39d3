"""Schedulers through the API: GET /api/schedulers, runs with a scheduler equal the core bit for bit (JSON and SSE),
and bad settings give 422s that name the field and its range."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from pydantic import TypeAdapter

from app.scheduling import SCHEDULER_STEP_COST
from app.schemas import SchedulerInfo, TrajectoryResponse
from optim_core import OPTIMIZERS, SCHEDULERS, run
from tests.api.support import parse_sse, reassemble

SCHEDULED = [
    ("adam", {"lr": 0.05}, {"name": "OneCycleLR", "params": {"max_lr": 0.1, "total_steps": 60}}),
    ("sgd", {"lr": 0.001, "momentum": 0.9}, {"name": "CyclicLR", "params": {"base_lr": 1e-4, "max_lr": 2e-3,
                                                                            "step_size_up": 7, "mode": "exp_range",
                                                                            "gamma": 0.99}}),
    ("rmsprop", {"lr": 0.01}, {"name": "ReduceLROnPlateau", "params": {"patience": 2, "factor": 0.5}}),
    ("lbfgs", {"lr": 0.5}, {"name": "StepLR", "params": {"step_size": 5, "gamma": 0.5}}),
    ("nadam", {"lr": 0.05}, {"name": "lambdalr", "params": {"lr_lambda": "1/(1 + t/10)"}}),
    ("adagrad", {"lr": 0.2}, {"name": "SequentialLR", "params": {
        "schedulers": [{"name": "LinearLR", "params": {"start_factor": 0.1, "total_iters": 10}},
                       ["CosineAnnealingWarmRestarts", {"T_0": 10, "T_mult": 2}]], "milestones": [10]}}),
]
BODY = {"surface": "rosenbrock", "start": [-1.5, 2.0], "steps": 60,
        "runs": [{"optimizer": o, "params": p, "scheduler": s} for o, p, s in SCHEDULED] + [{"optimizer": "sgd"}]}


def bits(a) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in a], dtype=float).view(np.int64)


def test_list_schedulers_names_every_scheduler_with_help_and_params(client):
    r = client.get("/api/schedulers")
    assert r.status_code == 200
    body = r.json()
    TypeAdapter(list[SchedulerInfo]).validate_python(body)
    assert [s["name"] for s in body] == list(SCHEDULERS)
    step = next(s for s in body if s["label"] == "StepLR")
    assert step["required"] == ["step_size"]
    size = next(p for p in step["params"] if p["name"] == "step_size")
    assert size["kind"] == "int" and size["min"] == 1 and size["required"] and size["help"]["zh"]
    lam = next(s for s in body if s["label"] == "LambdaLR")["params"][0]
    assert lam["kind"] == "expression" and lam["variable"] == "t"
    assert all(s["help"]["en"] and s["help"]["zh"] for s in body)


def test_scheduled_runs_equal_the_core_bit_for_bit(client):
    r = client.post("/api/trajectories", json=BODY)
    assert r.status_code == 200
    answer = r.json()
    TypeAdapter(TrajectoryResponse).validate_python(answer)
    for (optimizer, params, sched), got in zip(SCHEDULED, answer["runs"], strict=False):
        tr = run(optimizer, "rosenbrock", [-1.5, 2.0], 60, scheduler=(sched["name"], sched["params"]), **params)
        n = len(got["xy"])
        assert n == (61 if tr.diverged_at is None else tr.diverged_at)
        assert np.array_equal(np.array(got["xy"]).view(np.int64), tr.xy[:n].view(np.int64))
        assert np.array_equal(bits(got["lr"]), tr.lr[:n].view(np.int64))
        assert got["lr"][0] is None and len(got["lr"]) == n
        label = SCHEDULERS[sched["name"].lower()].label
        assert got["scheduler"]["name"] == label
        assert got["scheduler"]["params"] == {**SCHEDULERS[label.lower()].defaults(), **sched["params"]}
        cycles = sched["name"] in ("OneCycleLR", "CyclicLR")
        assert (got["momentum"] is not None) == cycles
        if cycles:
            assert np.array_equal(bits(got["momentum"]), tr.momentum[:n].view(np.int64))
    plain = answer["runs"][-1]
    assert plain["scheduler"] is None and plain.get("lr") is None and plain.get("momentum") is None


def test_a_schedule_changes_the_path(client):
    runs = [{"optimizer": "sgd", "params": {"lr": 0.001}},
            {"optimizer": "sgd", "params": {"lr": 0.001}, "scheduler": {"name": "StepLR", "params": {"step_size": 5}}}]
    a, b = client.post("/api/trajectories", json={"surface": "rosenbrock", "steps": 30, "runs": runs}).json()["runs"]
    assert a["xy"][:2] == b["xy"][:2] and a["xy"][-1] != b["xy"][-1]


def test_scheduled_stream_reassembled_equals_json(client):
    whole = client.post("/api/trajectories", json=BODY).json()
    events = parse_sse(client.post("/api/trajectories/stream", json=BODY).text)
    rebuilt = reassemble(events)
    for i, r in enumerate(rebuilt["runs"]):  # the windows' lr and momentum rows, concatenated
        pieces = [d for name, d in events if name == "points" and d["run"] == i]
        for key in ("lr", "momentum"):
            if any(key in d for d in pieces):
                r[key] = None if pieces[0][key] is None else [v for d in pieces for v in d[key]]
    assert len([name for name, _ in events if name == "points"]) > len(BODY["runs"])  # it is windowed
    assert json.dumps(rebuilt, sort_keys=True) == json.dumps(whole, sort_keys=True)


BAD = [
    ({"name": "StepLR", "params": {"step_size": 0}}, "runs[0].scheduler.params.step_size", "scheduler_value",
     "[1, 1000000000]"),
    ({"name": "StepLR", "params": {}}, "runs[0].scheduler.params.step_size", "scheduler_missing_parameter",
     "step_size"),
    ({"name": "StepLR", "params": {"step_size": 2, "gama": 0.5}}, "runs[0].scheduler.params.gama",
     "scheduler_unknown_parameter", "allowed: gamma, step_size"),
    ({"name": "WarmupLR"}, "runs[0].scheduler.name", "scheduler_name", "choose one of"),
    ({"name": "OneCycleLR", "params": {"max_lr": 0.1, "total_steps": 10, "cycle_momentum": False}},
     "runs[0].scheduler.params.total_steps",
     "scheduler_rule", "at least the run's 20 steps"),
    ({"name": "CyclicLR", "params": {"base_lr": 0.01, "max_lr": 0.1}}, "runs[0].scheduler.params.cycle_momentum",
     "scheduler_rule", "adagrad has neither"),
    ({"name": "StepLR", "params": {"step_size": "ten"}}, "runs[0].scheduler.params.step_size", "scheduler_value",
     "must be an integer"),
    ({"name": "LambdaLR", "params": {"lr_lambda": "__import__('os').system('x')"}},
     "runs[0].scheduler.params.lr_lambda", "scheduler_formula", "unknown function"),
    ({"name": "SequentialLR", "params": {"schedulers": [["StepLR", {"step_size": 3}], ["ExponentialLR", {"gamma": -1}]],
                                         "milestones": [5]}},
     "runs[0].scheduler.params.schedulers[1].params.gamma", "scheduler_value", "[0, 10]"),
    ({"name": "CosineAnnealingWarmRestarts", "params": {"T_0": 0}}, "runs[0].scheduler.params.T_0", "scheduler_rule",
     "Expected positive integer T_0"),
    ({"name": "StepLR", "params": {"step_size": 5}, "extra": 1}, "runs[0].scheduler.extra", "extra_forbidden", ""),
    ({"name": 5}, "runs[0].scheduler.name", "scheduler_name", "scheduler name"),
]


@pytest.mark.parametrize("scheduler, field, code, words", BAD, ids=[b[1].split(".")[-1] + "-" + b[2] for b in BAD])
def test_bad_scheduler_settings_are_422_naming_the_field(client, scheduler, field, code, words):
    body = {"surface": "booth", "steps": 20, "runs": [{"optimizer": "adagrad", "scheduler": scheduler}]}
    r = client.post("/api/trajectories", json=body)
    assert r.status_code == 422
    (item,) = r.json()["detail"]
    assert item["params"]["field"] == field and item["code"] == code
    assert item["msg"].startswith(field) and words in item["msg"]


def test_a_refused_value_carries_its_range_as_params(client):
    body = {"surface": "booth", "steps": 20,
            "runs": [{"optimizer": "sgd", "scheduler": {"name": "ExponentialLR", "params": {"gamma": 11}}}]}
    (item,) = client.post("/api/trajectories", json=body).json()["detail"]
    assert {k: item["params"][k] for k in ("scheduler", "name", "min", "max")} == {
        "scheduler": "ExponentialLR", "name": "gamma", "min": 0.0, "max": 10.0}


def test_the_work_estimate_counts_the_schedule(client):
    # L-BFGS at as many steps as the budget holds: the scheduler's units then tip the request over it
    limit = client.app.state.settings.max_work
    lbfgs = OPTIMIZERS["lbfgs"].make(max_iter=4)
    steps = max(s for s in range(1, 10_001) if lbfgs.cost(s) <= limit)
    assert lbfgs.cost(steps) + SCHEDULER_STEP_COST * steps > limit
    run_ = {"optimizer": "lbfgs", "params": {"max_iter": 4}}
    body = {"surface": "booth", "steps": steps, "runs": [run_]}
    assert client.post("/api/export/pytorch", json=body).status_code == 200  # same validation, no computing
    scheduled = {**run_, "scheduler": {"name": "StepLR", "params": {"step_size": 10}}}
    r = client.post("/api/export/pytorch", json={**body, "runs": [scheduled]})
    assert r.status_code == 422 and r.json()["detail"][0]["code"] == "work_budget"
    assert r.json()["detail"][0]["params"]["work"] == math.ceil(lbfgs.cost(steps) + SCHEDULER_STEP_COST * steps)
    assert client.get("/api/limits").json()["work"]["scheduler_per_step"] == SCHEDULER_STEP_COST


# ------------------------------------------------------------------------------ the exported PyTorch script
EXPORT_GOLDEN = json.loads((__import__("pathlib").Path(__file__).resolve().parents[1] / "data"
                            / "export_golden.json").read_text())


def test_export_goldens_build_every_scheduler_with_torch():
    # each of these scripts ran under torch 2.13; tests/api/test_export.py holds the service to their numbers
    def names(spec):  # a scheduler and the ones inside it
        name, params = (spec["name"], spec.get("params", {})) if isinstance(spec, dict) else spec
        yield name.lower()
        for child in params.get("schedulers", []):
            yield from names(child)

    found = {n for c in EXPORT_GOLDEN["cases"] for r in c["body"]["runs"] if "scheduler" in r
             for n in names(r["scheduler"])}
    assert found == set(SCHEDULERS)
    optimizers = {r["optimizer"] for c in EXPORT_GOLDEN["cases"] for r in c["body"]["runs"] if "scheduler" in r}
    assert {"lbfgs", "adam", "sgd", "rmsprop"} <= optimizers


def test_export_writes_the_scheduler_and_steps_it_after_the_optimizer(client):
    body = {"surface": "booth", "steps": 30, "runs": [
        {"optimizer": "sgd", "params": {"momentum": 0.9},
         "scheduler": {"name": "LambdaLR", "params": {"lr_lambda": "min(1,(t+1)/10)  /(1+t/50)"}}},
        {"optimizer": "adam", "scheduler": {"name": "ChainedScheduler", "params": {"schedulers": [
            ["ConstantLR", {"factor": 0.5}], ["ExponentialLR", {"gamma": 0.9}]]}}}]}
    r = client.post("/api/export/pytorch", json=body)
    assert r.status_code == 200
    text = r.text
    # the formula as written from its parsed tree, not as typed
    assert "lr_lambda=lambda t: min(1, (t + 1) / 10) / (1 + t / 50)" in text
    assert "min(1,(t+1)/10)  /(1+t/50)" not in text
    assert ("torch.optim.lr_scheduler.ChainedScheduler([\n        torch.optim.lr_scheduler.ConstantLR(optimizer, "
            "factor=0.5),\n        torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.9),\n    ], "
            "optimizer=optimizer)") in text
    assert text.index("optimizer.step()") < text.index("scheduler.step()")
    assert "ReduceLROnPlateau" not in text  # the plateau branch only when a run has one
    __import__("ast").parse(text)


def test_export_without_schedulers_is_the_script_it_always_was(client):
    case = next(c for c in EXPORT_GOLDEN["cases"] if c["name"] == "noise")
    text = client.post("/api/export/pytorch", json=case["body"]).text
    assert "scheduler" not in text


def test_export_refuses_a_hostile_factor_as_the_trajectories_route_does(client):
    body = {"surface": "booth", "steps": 10, "runs": [{"optimizer": "sgd", "scheduler": {
        "name": "LambdaLR", "params": {"lr_lambda": "__import__('os').system('rm -rf /')"}}}]}
    r = client.post("/api/export/pytorch", json=body)
    assert r.status_code == 422 and r.json()["detail"][0]["params"]["field"] == "runs[0].scheduler.params.lr_lambda"
