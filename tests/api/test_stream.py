"""POST /api/trajectories/stream: the events, put together, are the JSON answer, byte for byte in every float."""

from __future__ import annotations

import pytest

from optim_core import OPTIMIZERS
from tests.api.support import SEED_FIGURE, parse_sse, reassemble

CASES = {
    "seed-figure": SEED_FIGURE,
    "all-thirteen": {"surface": "rosenbrock", "steps": 120, "runs": [{"optimizer": n} for n in OPTIMIZERS]},
    "lbfgs-line-search": {"surface": "beale", "start": [1, 1.5], "steps": 30, "runs": [
        {"optimizer": "lbfgs", "params": {"line_search_fn": "strong_wolfe"}}, {"optimizer": "lbfgs"}]},
    "diverging": {"surface": "saddle", "steps": 400, "runs": [
        {"optimizer": "sgd", "params": {"lr": 2.0}}, {"optimizer": "sgd", "params": {"lr": 0.05}},
        {"optimizer": "adam", "params": {"lr": 0.1}}, {"optimizer": "lbfgs", "params": {"lr": 5.0}}]},
    "noise": {"surface": "ill_conditioned", "steps": 333, "noise": {"std": 0.3, "seed": 11}, "runs": [
        {"optimizer": "rmsprop"}, {"optimizer": "lbfgs", "params": {"max_iter": 3}}]},
    "typed": {"surface": {"expression": "sin(x) cos(y) + x^2/10", "domain": {"x": [-5, 5], "y": [-5, 5]}},
              "start": [2, 1], "steps": 77, "runs": [{"optimizer": "nadam", "params": {"lr": 0.05}}]},
    "zero-steps": {"surface": "booth", "steps": 0, "runs": [{"optimizer": "sgd"}, {"optimizer": "lbfgs"}]},
    "no-runs": {"surface": "booth", "steps": 10, "runs": []},
    "with-gradients": {"surface": "himmelblau", "steps": 90, "grad": True, "runs": [
        {"optimizer": "adam", "params": {"lr": 0.1}}, {"optimizer": "sgd", "params": {"lr": 0.2}}]},
    "diverged-at-start": {"surface": {"expression": "sqrt(x)"}, "start": [-1, 0], "steps": 10,
                          "runs": [{"optimizer": "sgd"}, {"optimizer": "lbfgs"}]},
}


@pytest.mark.parametrize("body", CASES.values(), ids=CASES.keys())
def test_stream_trajectory_reassembled_equals_json(client, body):
    whole = client.post("/api/trajectories", json=body)
    streamed = client.post("/api/trajectories/stream", json=body)
    assert whole.status_code == streamed.status_code == 200
    assert streamed.headers["content-type"].startswith("text/event-stream")
    assert reassemble(parse_sse(streamed.text)) == whole.json()


def test_stream_trajectory_diverging_runs_stop_at_the_same_step_as_json(client):
    whole = client.post("/api/trajectories", json=CASES["diverging"]).json()["runs"]
    events = parse_sse(client.post("/api/trajectories/stream", json=CASES["diverging"]).text)
    done = events[-1][1]["runs"]
    assert [r["diverged_at"] for r in done] == [r["diverged_at"] for r in whole]
    assert sum(r["diverged_at"] is not None for r in whole) >= 2  # the case does diverge, more than once
    for i, run in enumerate(whole):
        sent = sum(len(data["xy"]) for name, data in events if name == "points" and data["run"] == i)
        assert sent == len(run["xy"])
        assert run["diverged_at"] is None or sent == run["diverged_at"]
    assert max(len(r["xy"]) for r in whole if r["diverged_at"] is not None) > CASES["diverging"]["steps"] // 20


def test_stream_trajectory_sends_meta_then_points_then_done(client):
    events = parse_sse(client.post("/api/trajectories/stream", json=SEED_FIGURE).text)
    names = [name for name, _ in events]
    assert names[0] == "meta" and names[-1] == "done"
    assert set(names[1:-1]) == {"points"}
    meta = events[0][1]
    assert [r["label"] for r in meta["runs"]] == ["SGD", "Momentum", "NAG", "Adagrad", "Adadelta", "RMSprop"]
    assert meta["runs"][3]["params"]["lr"] == 0.1
    assert events[-1][1] == {"runs": [{"status": "ok", "diverged_at": None}] * 6}


def test_stream_trajectory_interleaves_runs_in_windows(client):
    body = {"surface": "rosenbrock", "steps": 2000, "runs": [{"optimizer": "adam"}, {"optimizer": "sgd"}]}
    points = [data for name, data in parse_sse(client.post("/api/trajectories/stream", json=body).text)
              if name == "points"]
    assert len(points) > 10  # many windows, not one event per run
    first_of_run1 = next(k for k, p in enumerate(points) if p["run"] == 1)
    last_of_run0 = max(k for k, p in enumerate(points) if p["run"] == 0)
    assert first_of_run1 < last_of_run0  # run 1 starts drawing before run 0 is finished
    assert [p["run"] for p in points[:4]] == [0, 1, 0, 1]


def test_stream_trajectory_is_not_gzipped(client):
    r = client.post("/api/trajectories/stream", json=SEED_FIGURE, headers={"accept-encoding": "gzip"})
    assert r.status_code == 200
    assert "content-encoding" not in r.headers
    assert r.headers["cache-control"] == "no-cache"
