"""POST /api/maps and /api/tune: every cell is the core's, bit for bit; the stream's last frame is the JSON answer;
refusals name the field; a dropped stream stops computing."""

from __future__ import annotations

import json
import math
import socket
import time

import httpx
import numpy as np
import pytest

from optim_core import run, sweep, tune
from optim_core.surfaces import SURFACES
from tests.api.support import LiveServer, parse_sse

BASIN = {"kind": "basin", "surface": "himmelblau", "optimizer": "sgd", "params": {"lr": 0.01, "momentum": 0.5},
         "steps": 150, "resolution": 40}
HYPER = {"kind": "hyperparameters", "surface": "rosenbrock", "optimizer": "adam", "steps": 120, "resolution": 36,
         "start": [-1.5, 2.0], "axes": [{"name": "lr", "min": 1e-4, "max": 1.0, "scale": "log"},
                                        {"name": "beta1", "min": 0.0, "max": 0.99}]}
TYPED = {"kind": "basin", "surface": {"expression": "x^2 (1 + 0.2 cos(20 pi x)) + y^2",
                                      "domain": {"x": [-2, 2], "y": [-1, 1]}},
         "optimizer": "rmsprop", "params": {"lr": 0.05}, "steps": 40, "resolution": 20}
LBFGS = {"kind": "basin", "surface": "beale", "optimizer": "lbfgs", "params": {"line_search_fn": "strong_wolfe"},
         "steps": 4, "resolution": 6}
TUNE = {"surface": "beale", "start": [1.0, 1.5], "steps": 60, "budget": 9,
        "runs": [{"optimizer": "sgd"}, {"optimizer": "sgd", "params": {"momentum": 0.9}, "label": "Momentum"},
                 {"optimizer": "adam"}, {"optimizer": "lbfgs"}]}


def _final(tr) -> tuple[float, int]:
    """The run's last finite loss and diverged_at (-1 if none), as a sweep cell reports them."""
    end = tr.diverged_at if tr.diverged_at is not None else len(tr.loss)
    return float(tr.loss[end - 1]), -1 if tr.diverged_at is None else tr.diverged_at


def _nan(a) -> np.ndarray:
    return np.array([[math.nan if v is None else v for v in row] for row in a], dtype=np.float64)


@pytest.mark.parametrize("body", [BASIN, HYPER], ids=["basin", "hyperparameters"])
def test_map_json_equals_direct_sweep_bit_for_bit(client, body):
    r = client.post("/api/maps", json=body)
    assert r.status_code == 200
    m = r.json()["map"]
    hp = r.json()["params"]
    if body["kind"] == "basin":
        xs, ys = np.array(m["x"]), np.array(m["y"])
        starts = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
        s = sweep(body["optimizer"], body["surface"], body["steps"], starts=starts, compiled=False, **hp)
        shape = (ys.size, xs.size)
    else:
        grid = {a["name"]: np.array(a["values"]) for a in m["axes"]}
        s = sweep(body["optimizer"], body["surface"], body["steps"], starts=np.array(body["start"]), grid=grid,
                  compiled=False, **hp)
        shape = s.shape
    assert m["resolution"] == body["resolution"]
    np.testing.assert_array_equal(_nan(m["final_loss"]), s.final_loss.reshape(shape))
    for name in ("minimum", "converged", "steps_to_converge", "diverged_at"):
        assert np.array_equal(np.array(m[name]), getattr(s, name).reshape(shape)), name


@pytest.mark.parametrize("body", [BASIN, HYPER, TYPED, LBFGS], ids=["basin", "hyperparameters", "typed", "lbfgs"])
def test_random_map_cells_equal_single_runs(client, body):
    answer = client.post("/api/maps", json=body).json()
    m = answer["map"]
    rng = np.random.default_rng(12)
    surface = SURFACES.get(body["surface"]) if isinstance(body["surface"], str) else None
    if surface is None:
        from optim_core.expression import parse_expression
        d = body["surface"]["domain"]
        surface = parse_expression(body["surface"]["expression"], domain=(tuple(d["x"]), tuple(d["y"])))
    for _ in range(6):
        j, i = (int(v) for v in rng.integers(0, body["resolution"], 2))
        hp = dict(answer["params"])
        if body["kind"] == "basin":
            start = (m["x"][i], m["y"][j])
        else:
            start = tuple(body["start"])
            hp["lr"] = m["axes"][0]["values"][j]
            hp["betas"] = (m["axes"][1]["values"][i], hp["betas"][1])
        loss, diverged_at = _final(run(body["optimizer"], surface, start, body["steps"], **hp))
        assert m["diverged_at"][j][i] == diverged_at
        assert m["final_loss"][j][i] == loss  # bit for bit: JSON floats round-trip exactly


@pytest.mark.parametrize("body", [BASIN, HYPER, TYPED], ids=["basin", "hyperparameters", "typed"])
def test_map_stream_coarse_first_and_last_frame_equals_json(client, body):
    whole = client.post("/api/maps", json=body)
    streamed = client.post("/api/maps/stream", json=body)
    assert whole.status_code == streamed.status_code == 200
    events = parse_sse(streamed.text)
    assert [e for e, _ in events][0] == "meta" and events[-1][0] == "done"
    frames = [d for e, d in events if e == "frame"]
    assert [f["resolution"] for f in frames] == events[0][1]["resolutions"]
    assert frames[0]["resolution"] == min(32, body["resolution"])
    expected = whole.json()
    assert frames[-1] == expected.pop("map")
    assert events[0][1] == expected


def test_map_answer_marks_known_minima_and_basin_cells_reach_them(client):
    answer = client.post("/api/maps", json=BASIN).json()
    assert len(answer["minima"]) == 4
    found = {v for row in answer["map"]["minimum"] for v in row}
    assert {0, 1, 2, 3} <= found  # Himmelblau's four basins all appear


def test_tune_json_equals_core_and_stream(client):
    r = client.post("/api/tune", json=TUNE)
    assert r.status_code == 200
    body = r.json()
    assert [c["label"] for c in body["curves"]] == ["SGD", "Momentum", "Adam", "L-BFGS"]
    for run_req, curve in zip(TUNE["runs"], body["curves"], strict=True):
        name = run_req["optimizer"]
        fixed = {k: v for k, v in body["runs"][curve["run"]]["params"].items() if k != "lr"}
        fixed = {k: tuple(v) if isinstance(v, list) else v for k, v in fixed.items()}
        t = tune([name], "beale", TUNE["start"], TUNE["steps"], budget=TUNE["budget"], fixed={name: fixed})
        res = t.results[name]
        assert curve["lr"] == res.lr.tolist()
        assert curve["objective"] == [v if math.isfinite(v) else None for v in res.objective.tolist()]
        best = None if res.best is None else json.loads(json.dumps(res.best))
        assert curve["best"] == best
    assert body["rule"]["evaluations"] == TUNE["budget"]
    assert body["sentence"]["en"].startswith("Each optimizer ran 9 times from (1, 1.5) for 60 steps")
    assert "每个优化器" in body["sentence"]["zh"]
    events = parse_sse(client.post("/api/tune/stream", json=TUNE).text)
    assert [e for e, _ in events] == ["meta"] + ["curve"] * 4 + ["done"]
    assert [d for e, d in events if e == "curve"] == body["curves"]
    assert events[-1][1] == {"rule": body["rule"], "sentence": body["sentence"]}


REFUSALS = {
    "unknown axis": ({**HYPER, "axes": [{"name": "momentum", "min": 0, "max": 1}]}, "axis_name", "axes[0]"),
    "axis twice": ({**HYPER, "axes": [HYPER["axes"][0], HYPER["axes"][0]]}, "axis_repeated", "axes[1]"),
    "log from zero": ({**HYPER, "axes": [{"name": "lr", "min": 0, "max": 1, "scale": "log"}]}, "axis_range",
                      "axes[0]"),
    "reversed range": ({**HYPER, "axes": [{"name": "lr", "min": 1, "max": 0.1}]}, "axis_range", "axes[0]"),
    "torch rule": ({**HYPER, "axes": [{"name": "beta1", "min": 0.5, "max": 1.0}]}, "axis_rule", "axes"),
    "no axes": ({**HYPER, "axes": []}, "axis_count", "axes"),
    "axes on a basin": ({**BASIN, "axes": HYPER["axes"][:1]}, "axis_basin", "axes[0]"),
    "resolution": ({**BASIN, "resolution": 1000}, "integer_range", "resolution"),
    "lbfgs cells": ({**BASIN, "optimizer": "lbfgs", "params": {}, "resolution": 20}, "map_lbfgs_cells",
                    "resolution"),
    "work": ({**BASIN, "resolution": 256, "steps": 10_000}, "map_work_budget", "request body"),
    "bad param": ({**BASIN, "params": {"lr": -1}}, "hyperparameter_range", "params.lr"),
    "unknown kind": ({**BASIN, "kind": "fractal"}, "literal_error", "kind"),
}


@pytest.mark.parametrize("body,code,path", REFUSALS.values(), ids=REFUSALS.keys())
def test_map_refusals_name_the_field(client, body, code, path):
    r = client.post("/api/maps", json=body)
    assert r.status_code == 422
    item = r.json()["detail"][0]
    assert item["code"] == code
    assert item["msg"].startswith(path)
    assert client.post("/api/maps/stream", json=body).status_code == 422


def test_tune_refusals(client):
    r = client.post("/api/tune", json={**TUNE, "budget": 65})
    assert r.status_code == 422 and r.json()["detail"][0]["msg"].startswith("budget must be an integer in [2, 64]")
    r = client.post("/api/tune", json={**TUNE, "runs": []})
    assert r.status_code == 422 and r.json()["detail"][0]["code"] == "run_count"
    r = client.post("/api/tune", json={**TUNE, "steps": 5000, "runs": [{"optimizer": "lbfgs"}]})
    assert r.status_code == 422 and r.json()["detail"][0]["code"] == "tune_work_budget"


def test_limits_serve_map_and_tune_keys(client):
    d = client.get("/api/limits").json()
    assert d["maps"]["resolution"]["coarse"] == 32 and d["maps"]["resolution"]["lbfgs_max"] == 16
    assert d["tune"]["budget"]["max"] == 64 and d["tune"]["objectives"] == ["final_loss", "steps_to_converge"]


# Within the work budget, yet several seconds of CPU: a typed surface stays on the NumPy path.
HEAVY_MAP = {**BASIN, "resolution": 200, "steps": 150, "optimizer": "adam", "params": {"lr": 0.05},
             "surface": {"expression": "sin(x) cos(y) + x^2/10 + y^2/10"}}


def test_dropped_map_stream_stops_computing():
    server = LiveServer(env={"OPTIM_PLAYGROUND_COMPUTE_QUEUE": "10"})
    try:
        port = server.port
        data = json.dumps(HEAVY_MAP).encode()
        head = (f"POST /api/maps/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(data)}\r\n\r\n").encode()
        for _ in range(3):
            with socket.create_connection(("127.0.0.1", port)) as s:
                s.sendall(head + data)
                assert s.recv(200).startswith(b"HTTP/1.1 200")  # admitted, and the map is computing
        time.sleep(2.0)
        before = server.cpu_seconds()
        time.sleep(2.0)
        busy = server.cpu_seconds() - before
        # Each map runs ~5-8 s of CPU to its end; abandoned, the server idles.
        assert busy < 0.2, f"the server still computed {busy:.2f} s of CPU after the clients left"
        assert httpx.get(server.url + "/healthz", timeout=10).status_code == 200
    finally:
        server.stop()
