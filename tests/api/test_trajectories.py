"""POST /api/trajectories: the numbers over HTTP are optim_core.run's, to the last bit."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from pydantic import TypeAdapter

from app.schemas import Grid, OptimizerInfo, SurfaceInfo, TrajectoryResponse
from optim_core import OPTIMIZERS, SURFACES, run
from optim_core.expression import parse_expression
from tests.api.support import SEED_FIGURE


def direct(optimizer, surface, start, steps, noise=0.0, seed=0, **params):
    """What the answer must hold for one run, computed straight from the core."""
    tr = run(optimizer, surface, start, steps, noise=noise, seed=seed, **params)
    n = steps + 1 if tr.diverged_at is None else tr.diverged_at
    evals = None if tr.evals is None else ([[]] + [e.tolist() for e in tr.evals])[:n]
    return {"xy": tr.xy[:n].tolist(), "loss": tr.loss[:n].tolist(), "status": tr.status,
            "diverged_at": tr.diverged_at, "evals": evals, "params": json.loads(json.dumps(tr.hyperparameters))}


def same_bits(a: list, b: list) -> bool:
    """Equal as IEEE doubles, -0.0 and 0.0 told apart."""
    return np.array_equal(np.array(a, dtype=float).view(np.int64), np.array(b, dtype=float).view(np.int64))


def test_create_trajectory_seed_figure_equals_core_bit_for_bit(client):
    r = client.post("/api/trajectories", json=SEED_FIGURE)
    assert r.status_code == 200
    body = r.json()
    assert body["surface"] == "beale" and body["steps"] == 300 and body["start"] == [1.0, 1.5]
    assert len(body["runs"]) == 6
    for got, asked in zip(body["runs"], SEED_FIGURE["runs"], strict=True):
        want = direct(asked["optimizer"], "beale", [1.0, 1.5], 300, **asked["params"])
        assert got["status"] == want["status"] == "ok"
        assert len(got["xy"]) == len(got["loss"]) == 301
        assert same_bits(got["xy"], want["xy"])
        assert same_bits(got["loss"], want["loss"])


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_create_trajectory_each_optimizer_with_defaults_equals_core(client, name):
    r = client.post("/api/trajectories", json={"surface": "rosenbrock", "start": [-1.5, 2.0], "steps": 60,
                                               "runs": [{"optimizer": name}]})
    assert r.status_code == 200
    got = r.json()["runs"][0]
    want = direct(name, "rosenbrock", [-1.5, 2.0], 60)
    assert got["optimizer"] == name
    assert got["label"] == OPTIMIZERS[name].label
    assert got["params"] == want["params"]
    assert (got["status"], got["diverged_at"]) == (want["status"], want["diverged_at"])
    assert same_bits(got["xy"], want["xy"]) and same_bits(got["loss"], want["loss"])
    assert got["evals"] == want["evals"]


def test_create_trajectory_echoes_every_hyperparameter_with_defaults_filled(client):
    r = client.post("/api/trajectories", json={"surface": "booth", "start": [0, 0], "steps": 1,
                                               "runs": [{"optimizer": "adam", "params": {"lr": 0.1}}]})
    assert r.status_code == 200
    params = r.json()["runs"][0]["params"]
    assert params == {"lr": 0.1, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0.0, "amsgrad": False,
                      "maximize": False, "decoupled_weight_decay": False}


def test_create_trajectory_reports_divergence_without_nan(client):
    r = client.post("/api/trajectories", json={"surface": "saddle", "start": [1.0, 1e-3], "steps": 500,
                                               "runs": [{"optimizer": "sgd", "params": {"lr": 2.0}}]})
    assert r.status_code == 200
    assert "NaN" not in r.text and "Infinity" not in r.text
    got = r.json()["runs"][0]
    want = direct("sgd", "saddle", [1.0, 1e-3], 500, lr=2.0)
    assert got["status"] == "diverged"
    assert got["diverged_at"] == want["diverged_at"] > 0
    assert len(got["xy"]) == len(got["loss"]) == got["diverged_at"]  # the bad point is not sent
    assert same_bits(got["xy"], want["xy"])


def test_create_trajectory_start_outside_every_finite_loss_diverges_at_zero(client):
    r = client.post("/api/trajectories", json={"surface": {"expression": "log(x)"}, "start": [-1, 0], "steps": 5,
                                               "runs": [{"optimizer": "sgd"}]})
    assert r.status_code == 200
    got = r.json()["runs"][0]
    assert (got["status"], got["diverged_at"], got["xy"], got["loss"]) == ("diverged", 0, [], [])


def test_create_trajectory_lbfgs_evals_align_with_points(client):
    params = {"line_search_fn": "strong_wolfe", "lr": 1.0}
    r = client.post("/api/trajectories", json={"surface": "rosenbrock", "start": [-1.5, 2], "steps": 4,
                                               "runs": [{"optimizer": "lbfgs", "params": params}]})
    assert r.status_code == 200
    got = r.json()["runs"][0]
    want = direct("lbfgs", "rosenbrock", [-1.5, 2.0], 4, **params)
    assert len(got["evals"]) == len(got["xy"]) == 5
    assert got["evals"][0] == []
    assert got["evals"] == want["evals"]
    assert all(len(e) >= 1 for e in got["evals"][1:])


def test_create_trajectory_with_noise_is_reproducible_and_equals_core(client):
    body = {"surface": "quadratic", "start": [1, 1], "steps": 50, "noise": {"std": 0.5, "seed": 7},
            "runs": [{"optimizer": "sgd", "params": {"lr": 0.05}}, {"optimizer": "lbfgs"}]}
    first, second = client.post("/api/trajectories", json=body), client.post("/api/trajectories", json=body)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    got = first.json()
    assert got["noise"] == {"std": 0.5, "seed": 7}
    want = direct("sgd", "quadratic", [1.0, 1.0], 50, noise=0.5, seed=7, lr=0.05)
    assert same_bits(got["runs"][0]["xy"], want["xy"])
    clean = direct("sgd", "quadratic", [1.0, 1.0], 50, lr=0.05)
    assert not same_bits(got["runs"][0]["xy"], clean["xy"])


def test_create_trajectory_start_defaults_to_surface_start(client):
    r = client.post("/api/trajectories", json={"surface": "himmelblau", "steps": 3, "runs": [{"optimizer": "adam"}]})
    assert r.status_code == 200
    assert r.json()["start"] == list(SURFACES["himmelblau"].start)
    assert r.json()["runs"][0]["xy"][0] == list(SURFACES["himmelblau"].start)


def test_create_trajectory_on_typed_surface_equals_core(client):
    surface = {"expression": "x^4 - 2x^2 + y^2", "domain": {"x": [-2, 2], "y": [-2, 2]}}
    r = client.post("/api/trajectories", json={"surface": surface, "start": [0.1, 1.5], "steps": 100,
                                               "runs": [{"optimizer": "adam", "params": {"lr": 0.05}}]})
    assert r.status_code == 200
    body = r.json()
    assert body["surface"]["expression"] == "x^4 - 2x^2 + y^2"
    assert body["surface"]["domain"] == {"x": [-2.0, 2.0], "y": [-2.0, 2.0]}
    assert body["surface"]["latex"]
    parsed = parse_expression("x^4 - 2x^2 + y^2", domain=((-2.0, 2.0), (-2.0, 2.0)))
    want = direct("adam", parsed, [0.1, 1.5], 100, lr=0.05)
    assert same_bits(body["runs"][0]["xy"], want["xy"])
    assert body["runs"][0]["xy"][-1][0] == pytest.approx(1.0, abs=0.05)  # the minimum on the right


def test_create_trajectory_accepts_labels_and_zero_runs(client):
    r = client.post("/api/trajectories", json={"surface": "booth", "steps": 0, "runs": []})
    assert r.status_code == 200
    assert r.json()["runs"] == []
    r = client.post("/api/trajectories", json={"surface": "booth", "steps": 0,
                                               "runs": [{"optimizer": "sgd", "label": "一 plain <b>SGD</b>"}]})
    assert r.status_code == 200
    run0 = r.json()["runs"][0]
    assert run0["label"] == "一 plain <b>SGD</b>"
    assert run0["xy"] == [list(SURFACES["booth"].start)]


def test_create_trajectory_at_full_limits_is_served(client):
    runs = [{"optimizer": "sgd", "params": {"lr": 1e-4}}] * 16
    r = client.post("/api/trajectories", json={"surface": "quadratic", "steps": 10_000, "runs": runs})
    assert r.status_code == 200
    assert all(len(run["xy"]) == 10_001 for run in r.json()["runs"])
    assert r.headers.get("content-encoding") == "gzip"


def test_thirteen_optimizer_comparison_fits_the_budget(client):
    runs = [{"optimizer": name} for name in OPTIMIZERS]
    r = client.post("/api/trajectories", json={"surface": "rosenbrock", "steps": 500, "runs": runs})
    assert r.status_code == 200
    assert all(math.isfinite(run["loss"][-1]) for run in r.json()["runs"])


RESPONSE_CASES = {
    "seed": SEED_FIGURE,
    "lbfgs-typed": {"surface": {"expression": "x^2 + 3y^2"}, "steps": 5,
                    "runs": [{"optimizer": "lbfgs", "params": {"line_search_fn": "strong_wolfe"}}]},
    "diverged": {"surface": "saddle", "steps": 50, "runs": [{"optimizer": "sgd", "params": {"lr": 2.0}}]},
}


@pytest.mark.parametrize("body", RESPONSE_CASES.values(), ids=RESPONSE_CASES.keys())
def test_create_trajectory_answer_matches_documented_model(client, body):
    r = client.post("/api/trajectories", json=body)
    assert r.status_code == 200
    TrajectoryResponse.model_validate_json(r.content, strict=True)


def test_catalog_answers_match_documented_models(client):
    TypeAdapter(list[OptimizerInfo]).validate_json(client.get("/api/optimizers").content, strict=True)
    TypeAdapter(list[SurfaceInfo]).validate_json(client.get("/api/surfaces").content, strict=True)
    Grid.model_validate_json(client.get("/api/surfaces/custom/grid", params={"expression": "log(x)"}).content,
                             strict=True)


def test_create_trajectory_with_grad_sends_the_surface_gradient_at_every_point(client):
    body = {"surface": "beale", "start": [1.0, 1.5], "steps": 40, "grad": True,
            "runs": [{"optimizer": "adam", "params": {"lr": 0.05}}, {"optimizer": "sgd", "params": {"lr": 0.5}}]}
    r = client.post("/api/trajectories", json=body)
    assert r.status_code == 200
    ok, diverged = r.json()["runs"]
    assert ok["status"] == "ok" and len(ok["grad"]) == len(ok["xy"]) == 41
    np.testing.assert_array_equal(np.array(ok["grad"]), SURFACES["beale"].grad(np.array(ok["xy"])))
    assert diverged["status"] == "diverged" and len(diverged["grad"]) == len(diverged["xy"])
    plain = client.post("/api/trajectories", json={**body, "grad": False}).json()
    assert all(run["grad"] is None for run in plain["runs"])


def test_create_trajectory_rejects_a_non_boolean_grad(client):
    r = client.post("/api/trajectories", json={"surface": "beale", "steps": 5, "runs": [], "grad": "yes"})
    assert r.status_code == 422
    assert "grad must be true or false" in r.json()["detail"][0]["msg"]
