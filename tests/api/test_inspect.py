"""inspect: true and status_detail: true on POST /api/trajectories (and its stream), and GET
/api/optimizers/{name}/algorithm. The recorded numbers over HTTP are optim_core's, to the bit."""

from __future__ import annotations

import math

import numpy as np
import pytest

from app.limits import INSPECT_FACTOR
from optim_core import OPTIMIZERS, run, timeline
from tests.api.support import parse_sse, reassemble

START = [-1.5, 2.0]


def nulls(a: np.ndarray) -> list:
    """What the API sends for an array: null where not finite."""
    return [None if not math.isfinite(v) else v for v in a.ravel().tolist()]


def flat(values: list) -> list:
    out = []
    for v in values:
        out.extend(v if isinstance(v, list) else [v])
    return out


def same(sent: list, want: np.ndarray) -> bool:
    """Equal as IEEE doubles (so -0.0 and 0.0 are told apart), nulls in the same places."""
    got, exp = flat(sent), nulls(want)
    if len(got) != len(exp) or [g is None for g in got] != [e is None for e in exp]:
        return False
    g = np.array([v for v in got if v is not None], dtype=float)
    e = np.array([v for v in exp if v is not None], dtype=float)
    return np.array_equal(g.view(np.int64), e.view(np.int64))


def post(client, body):
    r = client.post("/api/trajectories", json=body)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_inspect_recorded_values_equal_core_record_state_bit_for_bit(client, name):
    body = post(client, {"surface": "rosenbrock", "start": START, "steps": 40, "inspect": True,
                         "runs": [{"optimizer": name}]})
    got = body["runs"][0]["inspect"]
    tr = run(name, "rosenbrock", START, 40, record_state=True)
    n = 41 if tr.diverged_at is None else tr.diverged_at
    assert list(got["state"]) == list(tr.state)
    for key, want in tr.state.items():
        assert same(got["state"][key], want[:n]), key
    for key in ("grad", "update", "lr"):
        assert same(got[key], getattr(tr, key)[:n]), key
    if tr.momentum is None:
        assert got["momentum"] is None
    else:
        assert same(got["momentum"], tr.momentum[:n])
    assert got["lr"][0] is None and got["grad"][0] == [None, None]  # row 0 is before the first step


@pytest.mark.parametrize("name", ["sgd", "adam", "lbfgs", "rprop"])
def test_inspect_does_not_change_one_bit_of_the_path(client, name):
    asked = {"surface": "beale", "start": [1.0, 1.5], "steps": 60, "noise": {"std": 0.1, "seed": 3},
             "runs": [{"optimizer": name}]}
    plain = post(client, asked)["runs"][0]
    inspected = post(client, {**asked, "inspect": True})["runs"][0]
    assert "inspect" not in plain and "run_status" not in plain
    for key in ("xy", "loss", "status", "diverged_at", "evals"):
        assert inspected[key] == plain[key]
    assert same(inspected["xy"], np.array(plain["xy"]))


def test_stream_reassembled_equals_json_with_inspect(client):
    asked = {"surface": "rosenbrock", "start": START, "steps": 120, "inspect": True,
             "runs": [{"optimizer": "adam", "params": {"lr": 0.05, "amsgrad": True}},
                      {"optimizer": "sgd", "params": {"lr": 0.01, "momentum": 0.9, "nesterov": True}},
                      {"optimizer": "lbfgs"}, {"optimizer": "sgd", "params": {"lr": 0.01}}]}
    want = post(client, asked)
    r = client.post("/api/trajectories/stream", json=asked)
    assert r.status_code == 200
    events = parse_sse(r.text)
    assert sum(name == "points" for name, _ in events) > 4  # windowed, not one piece per run
    got = reassemble(events)
    for i, (g_run, w_run) in enumerate(zip(got["runs"], want["runs"], strict=True)):
        joined: dict = {"state": {}, "derived": {}, "grad": None, "update": None, "lr": None, "momentum": None}
        for _name, data in events[1:-1]:
            if data["run"] != i:
                continue
            for part in ("state", "derived"):
                for k, v in data["inspect"][part].items():
                    joined[part].setdefault(k, []).extend(v)
            for k in ("grad", "update", "lr", "momentum"):
                if data["inspect"][k] is not None:
                    joined[k] = (joined[k] or []) + data["inspect"][k]
        assert joined == w_run["inspect"], i
        for part in ("state", "derived"):
            for k, v in joined[part].items():
                assert same_lists(v, w_run["inspect"][part][k]), (i, k)
        for k in ("grad", "update", "lr"):
            assert same_lists(joined[k], w_run["inspect"][k]), (i, k)
        for k in ("run_status", "status_steps", "diverged_point", "xy", "loss"):
            assert g_run[k] == w_run[k], (i, k)


def same_lists(a: list, b: list) -> bool:
    fa, fb = flat(a), flat(b)
    return [v is None for v in fa] == [v is None for v in fb] and np.array_equal(
        np.array([v for v in fa if v is not None], dtype=float).view(np.int64),
        np.array([v for v in fb if v is not None], dtype=float).view(np.int64))


def test_run_status_and_timeline_equal_core_explain(client):
    body = post(client, {"surface": "ill_conditioned", "start": [1.0, 0.5], "steps": 50, "status_detail": True,
                         "runs": [{"optimizer": "sgd", "params": {"lr": 0.03}},
                                  {"optimizer": "sgd", "params": {"lr": 0.015}}]})
    diverged, fine = body["runs"]
    assert "inspect" not in diverged  # status_detail alone sends no recording
    tr = run("sgd", "ill_conditioned", [1.0, 0.5], 50, lr=0.03)
    line = timeline(tr)
    assert diverged["run_status"] == line.at(50).to_dict()
    assert diverged["run_status"]["key"] == "diverged_curvature"
    assert line.at(50).message("en").startswith("diverged at step 23: lr 0.03 is above 2/λ_max ≈ 0.02")
    assert diverged["diverged_point"] == [line.at(50).params["x"], line.at(50).params["y"]]
    # the changes, replayed, give the core's code and reason at every step
    steps = diverged["status_steps"]
    assert steps[0][0] == 0 and steps[-1][1:] == ["diverged", "curvature", 23]
    for t in range(51):
        change = [s for s in steps if s[0] <= t][-1]
        assert (change[1], change[2]) == (str(line.codes[t]), str(line.reasons[t])), t
    tr2 = run("sgd", "ill_conditioned", [1.0, 0.5], 50, lr=0.015)
    assert fine["run_status"] == timeline(tr2).at(50).to_dict() and fine["diverged_point"] is None


def test_inspect_derived_adam_values_follow_the_box(client):
    body = post(client, {"surface": "rosenbrock", "start": START, "steps": 10, "inspect": True,
                         "runs": [{"optimizer": "adam", "params": {"lr": 0.1, "betas": [0.8, 0.9]}}]})
    got = body["runs"][0]["inspect"]
    tr = run("adam", "rosenbrock", START, 10, lr=0.1, betas=(0.8, 0.9), record_state=True)
    t = tr.state["step"][:, None]
    with np.errstate(all="ignore"):
        assert same(got["derived"]["bias_corrected_exp_avg"], tr.state["exp_avg"] / (1 - 0.8 ** t))
        assert same(got["derived"]["bias_corrected_exp_avg_sq"], tr.state["exp_avg_sq"] / (1 - 0.9 ** t))
        assert same(got["derived"]["denom"], np.sqrt(tr.state["exp_avg_sq"]) / np.sqrt(1 - 0.9 ** t) + 1e-8)
    # the step really is lr * m-hat / denom, to rounding
    m_hat, denom = np.array(got["derived"]["bias_corrected_exp_avg"][1:]), np.array(got["derived"]["denom"][1:])
    assert np.allclose(np.array(got["update"][1:]), -0.1 * m_hat / denom, rtol=1e-12, atol=0)


def test_inspect_counts_more_work(client):
    # 16 runs x 10,000 steps of SGD fit the budget; recording them does not
    runs = [{"optimizer": "sgd"}] * 16
    r = client.post("/api/trajectories", json={"surface": "booth", "steps": 10_000, "inspect": True, "runs": runs})
    assert r.status_code == 422
    err = r.json()["detail"][0]
    assert err["code"] == "work_budget"
    assert err["params"]["work"] == math.ceil(16 * 10_000 * INSPECT_FACTOR)
    plain = {"surface": "booth", "steps": 10, "runs": runs}
    assert client.post("/api/trajectories", json=plain).status_code == 200
    assert client.get("/api/limits").json()["work"]["inspect_factor"] == INSPECT_FACTOR


def test_inspect_must_be_a_boolean(client):
    r = client.post("/api/trajectories", json={"surface": "booth", "steps": 3, "inspect": "yes",
                                               "runs": [{"optimizer": "sgd"}]})
    assert r.status_code == 422
    assert "inspect" in str(r.json()["detail"]) and "true or false" in str(r.json()["detail"])


def test_read_algorithm_serves_mathml_in_both_languages_with_etag(client):
    en = client.get("/api/optimizers/adam/algorithm")
    assert en.status_code == 200
    box = en.json()
    assert box["name"] == "adam" and box["lines"][0]["mathml"].startswith("<math")
    sources = {s["source"] for line in box["lines"] for s in line["symbols"]}
    assert sources == {"state", "trace", "hyperparameter", "derived"}
    assert all(s["mathml"].startswith("<math") for line in box["lines"] for s in line["symbols"])
    zh = client.get("/api/optimizers/adam/algorithm", params={"lang": "zh"})
    assert zh.status_code == 200 and "初始化" in zh.text and "初始化" not in en.text
    etag = en.headers["etag"]
    again = client.get("/api/optimizers/adam/algorithm", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert client.get("/api/optimizers/nope/algorithm").status_code == 404
    bad = client.get("/api/optimizers/adam/algorithm", params={"lang": "fr"})
    assert bad.status_code == 422 and "lang" in str(bad.json()["detail"])


def test_page_status_words_mirror_the_servers_table():
    import json
    from pathlib import Path

    from optim_core import STATUS_MESSAGES

    text = (Path(__file__).resolve().parents[2] / "static/js/views/status-words.js").read_text(encoding="utf-8")
    body = text.split("// BEGIN STATUS_MESSAGES\n", 1)[1].split("// END STATUS_MESSAGES", 1)[0]
    body = body.removeprefix("export const STATUS_MESSAGES = ").strip().removesuffix(";")
    assert json.loads(body) == STATUS_MESSAGES


@pytest.mark.parametrize(("name", "params", "step"), [
    ("adagrad", {"lr": 0.5, "lr_decay": 0.01}, lambda d, g, lr: -np.array(d["clr"])[:, None] * g / d["denom"]),
    ("rmsprop", {"lr": 0.01, "centered": True}, lambda d, g, lr: -lr[:, None] * g / d["denom"]),
    ("adadelta", {"lr": 0.5}, lambda d, g, lr: -lr[:, None] * np.array(d["delta"])),
    ("adamw", {"lr": 0.01, "weight_decay": 0.1}, None),
    ("sgd", {"lr": 0.001, "momentum": 0.9, "nesterov": True}, lambda d, g, lr: -lr[:, None] * d["nesterov_grad"]),
])
def test_inspect_derived_values_rebuild_the_step(client, name, params, step):
    """Each optimizer's derived quantities, put into its box's step line, give the recorded step (to rounding)."""
    body = post(client, {"surface": "beale", "start": [1.0, 1.5], "steps": 12, "inspect": True,
                         "runs": [{"optimizer": name, "params": params}]})
    got = body["runs"][0]["inspect"]
    rows = {k: np.array(v[1:], dtype=float) for k, v in got["derived"].items()}
    g, lr, update = (np.array(got[k][1:], dtype=float) for k in ("grad", "lr", "update"))
    if step is None:  # AdamW: θ(1 - lr λ) - lr m̂ / denom
        xy = np.array(body["runs"][0]["xy"], dtype=float)
        want = rows["decayed_params"] - lr[:, None] * rows["bias_corrected_exp_avg"] / rows["denom"] - xy[:-1]
    else:
        want = step(rows, g, lr)
    assert np.allclose(update, want, rtol=1e-9, atol=1e-15)
