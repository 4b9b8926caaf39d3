"""GET /api/limits: every limit the page needs, built from the constants where they live, and the work rule it
serves is the one the server holds requests to. Errors carry a code and params beside the message."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest

from app import limits as L
from app.limits import work
from optim_core import OPTIMIZERS, SURFACES
from optim_core import expression as E


def test_read_limits_has_the_page_contract(client):
    r = client.get("/api/limits")
    assert r.status_code == 200
    d = r.json()
    assert d["steps"] == {"min": 0, "max": L.MAX_STEPS}
    assert d["runs"] == {"min": 1, "max": L.MAX_RUNS}
    assert d["coord"] == {"min": -L.MAX_COORD, "max": L.MAX_COORD}
    assert d["noise"] == {"min": 0, "max": L.MAX_NOISE}
    assert d["seed"] == {"min": 0, "max": 2**53 - 1}
    assert d["label"] == {"max_length": 100}
    assert d["expression"] == {"max_length": E.MAX_LENGTH, "max_depth": E.MAX_DEPTH}
    assert d["grid"] == {"min": L.GRID_MIN, "max": L.GRID_MAX, "default": L.GRID_DEFAULT}
    (x0, x1), (y0, y1) = E.DEFAULT_DOMAIN
    assert d["typed_surface"]["domain"] == {"x": [x0, x1], "y": [y0, y1]}
    assert d["work"]["budget"] == L.MAX_WORK
    assert set(d["work"]["cost"]) == set(OPTIMIZERS)
    assert "max-age" in r.headers["cache-control"]


def test_read_limits_budget_follows_the_setting():
    from fastapi.testclient import TestClient

    from app.config import Settings
    from app.main import create_app

    with TestClient(create_app(Settings(max_work=1234))) as c:
        assert c.get("/api/limits").json()["work"]["budget"] == 1234


@pytest.mark.parametrize("formula", ["x^4 - 2x^2 + y^2", "x", "sin(x) cos(y)"])
def test_typed_default_start_is_served_as_the_api_uses_it(client, formula):
    """Drift 3 of issue 9: the page takes a typed surface's start from the API (the formula check answers it),
    never from a rule of its own."""
    checked = client.post("/api/expressions/check", json={"expression": formula}).json()
    body = {"surface": {"expression": formula}, "steps": 0, "runs": [{"optimizer": "sgd"}]}
    answer = client.post("/api/trajectories", json=body).json()
    assert checked["start"] == answer["start"] == list(E.parse_expression(formula).start)
    d = client.get("/api/limits").json()["typed_surface"]
    rule = d["start_rule"]
    if rule.get("kind") == "fraction_of_domain":  # the rule as data gives the same point (to rounding)
        (x0, x1), (y0, y1) = E.DEFAULT_DOMAIN
        assert math.isclose(x0 + rule["x"] * (x1 - x0), answer["start"][0], abs_tol=1e-12)
        assert math.isclose(y0 + rule["y"] * (y1 - y0), answer["start"][1], abs_tol=1e-12)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_read_limits_cost_rule_gives_the_servers_estimate_at_defaults(client, name):
    rule = client.get("/api/limits").json()["work"]["cost"][name]
    steps = 321
    max_eval = rule["evals_at_defaults"]
    page = steps * (rule["per_step"] + rule["per_eval"] * max_eval)
    assert page == pytest.approx(OPTIMIZERS[name].make().cost(steps), rel=1e-12)


def test_lbfgs_cost_rule_scales_with_history_and_line_search(client):
    rule = client.get("/api/limits").json()["work"]["cost"]["lbfgs"]
    opt = OPTIMIZERS["lbfgs"].make(max_iter=10, max_eval=30, history_size=40, line_search_fn="strong_wolfe")
    evals = 30 + rule["line_search_extra_evals"]
    page = 7 * (min(10, evals) * 40 * rule["per_iteration_pair"] + rule["per_eval"] * evals)
    assert page == pytest.approx(opt.cost(7), rel=1e-12)


def test_work_budget_is_the_cost_rule_against_the_budget(client):
    """Exactly at the budget passes, one unit over is refused (all 13 at the largest affordable step count)."""
    per_step = sum(OPTIMIZERS[n].make().cost(1) for n in OPTIMIZERS)
    steps = int(L.MAX_WORK // per_step)
    body = {"surface": "booth", "steps": steps + 1, "runs": [{"optimizer": n} for n in OPTIMIZERS]}
    r = client.post("/api/trajectories", json=body)
    assert r.status_code == 422
    err = r.json()["detail"][0]
    assert err["code"] == "work_budget"
    assert err["params"]["work"] == math.ceil(per_step * (steps + 1)) and err["params"]["limit"] == L.MAX_WORK
    assert err["params"]["runs"] == 13 and err["params"]["steps"] == steps + 1


def test_work_counts_the_surfaces_evaluation_cost():
    """Finding 3 of issue 14: a run's work is scaled by what one evaluation of the surface costs."""
    adam = OPTIMIZERS["adam"].make()
    assert work(adam, 1000, SURFACES["beale"]) == 1000 * getattr(SURFACES["beale"], "cost", 1.0)
    assert work(adam, 1000, SimpleNamespace(cost=7.5)) == 7500


def test_create_trajectory_refuses_a_costly_formula_that_a_cheap_one_would_pass(client, monkeypatch):
    import app.api.trajectories as T

    resolve = T.resolve_surface

    class Priced:  # the resolved surface as the expression engine will price it (Surface.cost)
        def __init__(self, surface, cost):
            self._surface, self.cost = surface, cost

        def __getattr__(self, name):
            return getattr(self._surface, name)

    async def priced(ref, loc=("body", "surface")):
        resolved = await resolve(ref, loc)
        return SimpleNamespace(surface=Priced(resolved.surface, 30.0), echo=resolved.echo)

    body = {"surface": {"expression": "sin(x) + cos(y)"}, "steps": 1000, "runs": [{"optimizer": "adam"}] * 16}
    monkeypatch.setattr(T, "resolve_surface", priced)
    r = client.post("/api/trajectories", json=body)
    assert r.status_code == 422
    assert r.json()["detail"][0]["params"]["work"] == 16 * 1000 * 30


@pytest.mark.parametrize(("path", "body", "code", "params"), [
    ("/api/trajectories", {"surface": "beale", "steps": 10_001, "runs": []}, "integer_range",
     {"field": "steps", "min": 0, "max": 10_000}),
    ("/api/trajectories", {"surface": "beale", "steps": 1, "runs": [{"optimizer": "sgd", "params": {"lr": -1}}]},
     "hyperparameter_range", {"field": "runs[0].params.lr", "name": "lr", "min": 0.0, "max": 100.0}),
    ("/api/trajectories", {"surface": "beale", "steps": 1, "runs": [{"optimizer": "sgd", "params": {"lr": "x"}}]},
     "hyperparameter_type", {"field": "runs[0].params.lr", "name": "lr", "kind": "float"}),
    ("/api/trajectories", {"surface": "beale", "steps": 1, "runs": [{"optimizer": "sgd", "label": "x" * 101}]},
     "label", {"field": "runs[0].label", "max_length": 100}),
    ("/api/trajectories", {"surface": "beale", "steps": 1, "runs": [], "noise": {"seed": 2**53}}, "integer_range",
     {"field": "noise.seed", "min": 0, "max": 2**53 - 1}),
    ("/api/trajectories", {"surface": {"expression": "x +* y"}, "steps": 1, "runs": []}, "expression",
     {"field": "surface.expression", "position": 3}),
    ("/api/trajectories", {"surface": "nope", "steps": 1, "runs": []}, "unknown_surface",
     {"field": "surface", "choices": list(SURFACES)}),
    ("/api/trajectories", {"surface": {"expression": "x", "domain": {"x": [1, 1], "y": [0, 1]}}, "steps": 1,
                           "runs": []}, "range_order", {"field": "surface.domain.x", "min": 1, "max": 1}),
])
def test_errors_carry_code_and_params(client, path, body, code, params):
    r = client.post(path, json=body)
    assert r.status_code == 422
    err = r.json()["detail"][0]
    assert err["code"] == code
    assert params.items() <= err["params"].items(), err


def test_errors_outside_422_carry_code_and_params(client):
    r = client.get("/api/surfaces/nope/grid")
    assert r.status_code == 404
    assert r.json()["code"] == "unknown_surface" and r.json()["params"]["name"] == "nope"
    r = client.get("/api/no-such-thing")
    assert r.status_code == 404
    assert r.json() == {"detail": "Not Found", "code": "not_found", "params": {"status": 404}}


def test_label_and_seed_limits_are_the_pages(client):
    """Drifts 1 and 2 of issue 9: a 100-character label and a seed of 2^53 - 1 are accepted."""
    body = {"surface": "booth", "steps": 3, "runs": [{"optimizer": "sgd", "label": "é" * 100}],
            "noise": {"std": 0.1, "seed": 2**53 - 1}}
    r = client.post("/api/trajectories", json=body)
    assert r.status_code == 200
    assert r.json()["runs"][0]["label"] == "é" * 100
