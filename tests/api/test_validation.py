"""Every kind of bad input gets a 4xx whose message names the field and what it allows.

In the manner of torch's ``common_optimizers.py``: a table of invalid inputs, each beside the location and the
message fragment it must produce.
"""

from __future__ import annotations

import json

import pytest

from app.limits import MAX_BODY_BYTES

BASE = {"surface": "beale", "start": [1.0, 1.5], "steps": 10, "runs": [{"optimizer": "sgd"}]}


def with_(**changes):
    return {**BASE, **changes}


def run_(optimizer="sgd", **params):
    return {**BASE, "runs": [{"optimizer": "sgd", "params": {}}, {"optimizer": optimizer, "params": params}]}


# (id, body, loc, message fragment)
INVALID = [
    # wrong types
    ("steps-string", with_(steps="10"), ["body", "steps"], "steps must be an integer in [0, 10000]"),
    ("steps-float", with_(steps=10.5), ["body", "steps"], "steps must be an integer in [0, 10000]"),
    ("steps-bool", with_(steps=True), ["body", "steps"], "steps must be an integer in [0, 10000]"),
    ("start-string", with_(start="1,2"), ["body", "start"], "start must be a point [x, y] of two finite numbers"),
    ("start-three", with_(start=[1, 2, 3]), ["body", "start"], "start must be a point [x, y]"),
    ("start-bool", with_(start=[True, 1]), ["body", "start", 0], "start[0] must be a finite number"),
    ("runs-object", with_(runs={"optimizer": "sgd"}), ["body", "runs"], "runs must be a list of at most 16 runs"),
    ("params-list", with_(runs=[{"optimizer": "sgd", "params": [1]}]), ["body", "runs", 0, "params"],
     "runs[0].params: Input should be a valid dictionary"),
    ("lr-string", run_(lr="0.1"), ["body", "runs", 1, "params", "lr"],
     "runs[1].params.lr must be a number in [0, 100]"),
    ("nesterov-int", run_(nesterov=1), ["body", "runs", 1, "params", "nesterov"],
     "runs[1].params.nesterov must be true or false"),
    ("betas-scalar", run_("adam", betas=0.9), ["body", "runs", 1, "params", "betas"],
     "runs[1].params.betas must be a pair [a, b] of numbers, each in [0, 1]"),
    ("max-iter-float", run_("lbfgs", max_iter=2.5), ["body", "runs", 1, "params", "max_iter"],
     "runs[1].params.max_iter must be an integer in [1, 100]"),
    ("line-search-bad", run_("lbfgs", line_search_fn="armijo"), ["body", "runs", 1, "params", "line_search_fn"],
     'runs[1].params.line_search_fn must be one of: null, "strong_wolfe"'),
    ("label-number", with_(runs=[{"optimizer": "sgd", "label": 5}]), ["body", "runs", 0, "label"],
     "runs[0].label must be a string of at most 100 characters"),
    ("noise-string", with_(noise={"std": "0.1"}), ["body", "noise", "std"],
     "noise.std must be a finite number in [0, 1000]"),
    ("seed-negative", with_(noise={"seed": -1}), ["body", "noise", "seed"], "noise.seed must be an integer in [0, "),
    # out of range
    ("steps-over", with_(steps=10_001), ["body", "steps"], "steps must be an integer in [0, 10000]"),
    ("steps-negative", with_(steps=-1), ["body", "steps"], "steps must be an integer in [0, 10000]"),
    ("runs-over", with_(runs=[{"optimizer": "sgd"}] * 17), ["body", "runs"], "runs must be a list of at most 16 runs"),
    ("negative-lr", run_(lr=-0.1), ["body", "runs", 1, "params", "lr"],
     "runs[1].params.lr must be a number in [0, 100]"),
    ("huge-lr", run_(lr=1e300), ["body", "runs", 1, "params", "lr"], "must be a number in [0, 100]"),
    ("huge-int-lr", run_(lr=10**400), ["body", "runs", 1, "params", "lr"], "must be a number in [0, 100]"),
    ("beta-over", run_("adam", betas=[0.9, 1.5]), ["body", "runs", 1, "params", "betas"], "each in [0, 1]"),
    ("history-zero", run_("lbfgs", history_size=0), ["body", "runs", 1, "params", "history_size"],
     "must be an integer in [1, 1000]"),
    ("start-far", with_(start=[1e7, 0]), ["body", "start", 0],
     "start[0] must be a finite number in [-1000000, 1000000]"),
    ("noise-over", with_(noise={"std": 1e4}), ["body", "noise", "std"],
     "noise.std must be a finite number in [0, 1000]"),
    ("label-long", with_(runs=[{"optimizer": "sgd", "label": "x" * 101}]), ["body", "runs", 0, "label"],
     "at most 100 characters"),
    # unknown names
    ("unknown-optimizer", with_(runs=[{"optimizer": "adamx"}]), ["body", "runs", 0, "optimizer"],
     "runs[0].optimizer must be one of: sgd, asgd,"),
    ("unknown-surface", with_(surface="bael"), ["body", "surface"],
     "surface must be a surface name (rosenbrock, beale"),
    ("surface-number", with_(surface=3), ["body", "surface"], "surface must be a surface name"),
    ("unknown-param", run_(learning_rate=0.1), ["body", "runs", 1, "params", "learning_rate"],
     "runs[1].params.learning_rate is not a hyperparameter of sgd; allowed: lr, momentum,"),
    ("param-of-other-optimizer", run_("adagrad", momentum=0.9), ["body", "runs", 1, "params", "momentum"],
     "is not a hyperparameter of adagrad"),
    ("unknown-field", with_(step=10), ["body", "step"], "step is not an accepted field"),
    ("unknown-run-field", with_(runs=[{"optimizer": "sgd", "lr": 0.1}]), ["body", "runs", 0, "lr"],
     "runs[0].lr is not an accepted field"),
    ("missing-steps", {"surface": "beale", "runs": []}, ["body", "steps"], "steps is required"),
    ("missing-optimizer", with_(runs=[{"params": {}}]), ["body", "runs", 0, "optimizer"],
     "runs[0].optimizer is required"),
    # torch's cross-field rules
    ("nesterov-dampening", run_(momentum=0.9, nesterov=True, dampening=0.1), ["body", "runs", 1, "params"],
     "runs[1].params: Nesterov momentum requires a momentum and zero dampening"),
    ("nesterov-no-momentum", run_(nesterov=True), ["body", "runs", 1, "params"], "Nesterov momentum requires"),
    ("beta1-one", run_("adam", betas=[1.0, 0.999]), ["body", "runs", 1, "params"], "Invalid beta parameter at index 0"),
    # typed surfaces
    ("expression-syntax", with_(surface={"expression": "x +* y"}), ["body", "surface", "expression"],
     "surface.expression: syntax error"),
    ("expression-code", with_(surface={"expression": "__import__('os')"}), ["body", "surface", "expression"],
     "surface.expression: "),
    ("expression-type", with_(surface={"expression": 3}), ["body", "surface", "expression"],
     "surface.expression must be a formula of 1 to 300 characters"),
    ("expression-empty", with_(surface={"expression": ""}), ["body", "surface", "expression"],
     "surface.expression must be a formula of 1 to 300 characters"),
    ("domain-order", with_(surface={"expression": "x", "domain": {"x": [1, -1], "y": [0, 1]}}),
     ["body", "surface", "domain", "x"], "surface.domain.x must have min < max, got [1, -1]"),
    ("domain-far", with_(surface={"expression": "x", "domain": {"x": [0, 1e9], "y": [0, 1]}}),
     ["body", "surface", "domain", "x", 1], "surface.domain.x[1] must be a finite number in [-1000000, 1000000]"),
    ("surface-extra", with_(surface={"expression": "x", "f": 1}), ["body", "surface", "f"], "surface.f is not an"),
    # the work budget
    ("budget-lbfgs", with_(steps=10_000, runs=[{"optimizer": "lbfgs"}]), ["body"],
     "request body asks for 7,041,667 work units, more than the limit of 400,000"),
    ("budget-lbfgs-history", with_(steps=100, runs=[{"optimizer": "lbfgs", "params": {"history_size": 1000}}]),
     ["body"], "work units, more than the limit"),
]


@pytest.mark.parametrize(("body", "loc", "fragment"), [case[1:] for case in INVALID], ids=[c[0] for c in INVALID])
def test_create_trajectory_rejects_invalid_input(client, body, loc, fragment):
    for path in ("/api/trajectories", "/api/trajectories/stream"):
        r = client.post(path, json=body)
        assert r.status_code == 422, (path, r.text)
        errors = r.json()["detail"]
        assert any(e["loc"] == loc and fragment in e["msg"] for e in errors), errors
        assert all(set(e) >= {"loc", "msg", "type"} and "input" not in e for e in errors)


# Python's json reads these non-standard literals; they must be refused, not computed with.
NON_FINITE = [
    ('{"surface": "beale", "steps": NaN, "runs": []}', ["body", "steps"], "steps must be an integer"),
    ('{"surface": "beale", "steps": 5, "start": [NaN, 1], "runs": []}', ["body", "start", 0],
     "start[0] must be a finite number"),
    ('{"surface": "beale", "steps": 5, "start": [1, -Infinity], "runs": []}', ["body", "start", 1],
     "start[1] must be a finite number"),
    ('{"surface": "beale", "steps": 5, "runs": [{"optimizer": "sgd", "params": {"lr": NaN}}]}',
     ["body", "runs", 0, "params", "lr"], "runs[0].params.lr must be a number in [0, 100]"),
    ('{"surface": "beale", "steps": 5, "runs": [{"optimizer": "adam", "params": {"betas": [0.9, Infinity]}}]}',
     ["body", "runs", 0, "params", "betas"], "runs[0].params.betas must be a pair"),
    ('{"surface": "beale", "steps": 5, "runs": [], "noise": {"std": Infinity}}', ["body", "noise", "std"],
     "noise.std must be a finite number"),
    ('{"surface": "beale", "steps": 5, "runs": [], "noise": {"std": 1e999}}', ["body", "noise", "std"],
     "noise.std must be a finite number"),
    ('{"surface": {"expression": "x", "domain": {"x": [NaN, 1], "y": [0, 1]}}, "steps": 5, "runs": []}',
     ["body", "surface", "domain", "x", 0], "must be a finite number"),
]


@pytest.mark.parametrize(("raw", "loc", "fragment"), NON_FINITE)
def test_create_trajectory_rejects_nan_and_infinity(client, raw, loc, fragment):
    r = client.post("/api/trajectories", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 422
    errors = r.json()["detail"]
    assert any(e["loc"] == loc and fragment in e["msg"] for e in errors), errors
    assert "NaN" not in r.text and "Infinity" not in r.text


def test_create_trajectory_rejects_malformed_json(client):
    r = client.post("/api/trajectories", content=b'{"steps": 1,', headers={"content-type": "application/json"})
    assert r.status_code == 422
    err = r.json()["detail"][0]
    assert err["type"] == "json_invalid"
    assert err["msg"].startswith("request body is not valid JSON")


def test_create_trajectory_rejects_non_object_body(client):
    r = client.post("/api/trajectories", json=[1, 2])
    assert r.status_code == 422
    assert r.json()["detail"][0]["msg"].startswith("request body must be a JSON object")


def test_create_trajectory_rejects_deeply_nested_json_with_4xx(client):
    r = client.post("/api/trajectories", content=b"[" * 50_000, headers={"content-type": "application/json"})
    assert 400 <= r.status_code < 500


def test_create_trajectory_rejects_body_over_cap_by_content_length(client):
    body = json.dumps(with_(runs=[{"optimizer": "sgd", "label": "x" * 100}] * 16)) + " " * MAX_BODY_BYTES
    r = client.post("/api/trajectories", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert r.json() == {"detail": f"Request body too large: the limit is {MAX_BODY_BYTES} bytes",
                        "code": "body_too_large", "params": {"limit": MAX_BODY_BYTES}}


def test_create_trajectory_rejects_streamed_body_over_cap(client):
    def chunks():  # no Content-Length: the limit must count the bytes as they come
        yield b'{"surface": "beale", "steps": 1, "runs": [], "pad": "'
        for _ in range(MAX_BODY_BYTES // 1000 + 1):
            yield b"x" * 1000
        yield b'"}'

    for path in ("/api/trajectories", "/api/trajectories/stream", "/api/expressions/check"):
        r = client.post(path, content=chunks(), headers={"content-type": "application/json"})
        assert r.status_code == 413, path
        assert "too large" in r.json()["detail"]


def test_create_trajectory_accepts_body_just_under_cap(client):
    body = json.dumps(BASE).encode()
    body = body[:-1] + b" " * (MAX_BODY_BYTES - len(body)) + b"}"
    assert len(body) == MAX_BODY_BYTES
    r = client.post("/api/trajectories", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 200


@pytest.mark.parametrize("value", [0.0, 100.0])
def test_create_trajectory_accepts_lr_at_range_ends(client, value):
    r = client.post("/api/trajectories", json=run_(lr=value))
    assert r.status_code == 200


def test_each_problem_is_reported_once(client):
    # The body is declared by the route and by its admission gate; FastAPI reports an error per declaration.
    answer = client.post("/api/trajectories", json={"surface": "beale", "steps": -1, "runs": [{"optimizer": "adam"}]})
    assert answer.status_code == 422
    assert [e["loc"] for e in answer.json()["detail"]] == [["body", "steps"]]
