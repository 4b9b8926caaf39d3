"""POST /api/train and its stream, GET /api/models, and the "train" key of GET /api/limits."""

from __future__ import annotations

import ast
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from app.limits import MAX_TRAIN_WORK
from app.train_answer import PATH_POINTS, thinned
from optim_core.models import DATASETS, MODELS, landscape, make_model, train
from tests.api.support import parse_sse
from tests.api.train_support import LINE, LINEAR, SPIRAL, own_client, post, reassemble


@pytest.fixture(scope="module")
def client():
    with own_client() as c:
        yield c


_post = post


def _direct(body, run):
    return train((body["model"]["name"], body["model"].get("options", {})),
                 (body["data"]["name"], body["data"].get("options", {})), run["optimizer"], body["epochs"],
                 batch_size=body.get("batch_size"), seed=body.get("seed", 0), **run.get("params", {}))


@pytest.mark.parametrize("body", [SPIRAL, LINE, LINEAR], ids=["mlp-spiral", "line", "linear-lbfgs"])
def test_train_http_equals_direct_core_call(client, body):
    got = _post(client, body)
    direct = [_direct(body, run) for run in body["runs"]]
    assert got["steps"] == direct[0].steps and got["n_params"] == direct[0].n_params
    for run, tr in zip(got["runs"], direct, strict=True):
        assert run["loss"] == tr.loss.tolist()
        assert run["batch_loss"] == tr.batch_loss.tolist()
        assert run["accuracy"] == (None if tr.accuracy is None else tr.accuracy.tolist())
        assert run["status"] == tr.status and run["diverged_at"] == tr.diverged_at
        rows = np.searchsorted(tr.param_steps, run["weight_steps"])
        assert run["weights"] == tr.params[rows].tolist()
        assert run["weight_steps"][0] == 0 and run["weight_steps"][-1] == tr.steps
    net = make_model((body["model"]["name"], body["model"].get("options", {})), direct[0].X.shape[1])[0]
    options = body.get("landscape", {})
    paths = [tr.params[thinned(len(tr.params), PATH_POINTS)] for tr in direct]
    ls = landscape(net, direct[0].X, direct[0].y, paths, center=direct[0].params[-1], n=options.get("grid", 21),
                   seed=options.get("seed", 0))
    assert got["landscape"]["loss"] == ls.loss.tolist()
    assert got["landscape"]["center"] == {"run": 0, "step": direct[0].steps}
    for run, path in zip(got["runs"], ls.paths, strict=True):
        assert run["path"] == path.tolist()
    assert got["runs"][0]["path"][-1] == pytest.approx([0.0, 0.0], abs=1e-12)


def test_train_line_answers_its_surfaces_and_classifiers_their_decision_maps(client):
    line = _post(client, LINE)
    s = line["surface"]
    assert len(s["loss"]) == len(s["b"]) and len(s["loss"][0]) == len(s["w"]) and len(s["batch"]) == 4
    assert s["batch_loss"] is not None and line["heatmap_axes"] is None
    assert len(line["points"]["X"]) == 24 and all(r["heatmaps"] is None for r in line["runs"])
    mlp = _post(client, SPIRAL)
    assert mlp["surface"] is None and mlp["runs"][2]["label"] == "SGD+m"
    maps = mlp["runs"][0]["heatmaps"]
    assert maps["steps"][0] == 0 and maps["steps"][-1] == mlp["steps"]
    p = np.array(maps["p"])
    assert p.shape[1:] == (len(mlp["heatmap_axes"]["y"]), len(mlp["heatmap_axes"]["x"]))
    assert ((p > 0) & (p < 1)).all()
    full = _post(client, {**LINE, "batch_size": None})
    assert full["surface"]["batch_loss"] is None and full["steps"] == LINE["epochs"]


@pytest.mark.parametrize("body", [SPIRAL, LINE, LINEAR], ids=["mlp-spiral", "line", "linear-full-batch"])
def test_train_stream_reassembled_equals_json(client, body):
    r = client.post("/api/train/stream", json=body)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    events = parse_sse(r.text)
    assert sum(1 for name, _ in events if name == "points") >= 2 * len(body["runs"])
    assert reassemble(events) == _post(client, body)


def test_train_a_diverging_run_is_reported_with_nulls_after_it(client):
    body = {**LINE, "batch_size": None, "runs": [{"optimizer": "sgd", "params": {"lr": 100.0}}], "epochs": 200}
    run = _post(client, body)["runs"][0]
    assert run["status"] == "diverged" and run["diverged_at"] is not None
    assert run["loss"][run["diverged_at"]] is None and run["loss"][0] is not None


def test_models_lists_every_model_and_data_set_with_help_in_both_languages(client):
    r = client.get("/api/models")
    assert r.status_code == 200
    got = r.json()
    assert [m["name"] for m in got["models"]] == list(MODELS)
    assert [d["name"] for d in got["datasets"]] == list(DATASETS)
    for item in got["models"] + got["datasets"]:
        assert item["help"]["en"] and item["help"]["zh"]
        for option in item["options"]:
            assert option["help"]["en"] and option["help"]["zh"]
    hidden = next(o for o in got["models"][3]["options"] if o["name"] == "hidden")
    assert hidden["length"] == {"min": 1, "max": 3} and hidden["max"] == 32


def test_limits_serve_the_training_limits(client):
    train_limits = client.get("/api/limits").json()["train"]
    assert train_limits["work"]["budget"] == MAX_TRAIN_WORK
    assert train_limits["landscape_grid"]["max"] >= train_limits["landscape_grid"]["default"]
    assert train_limits["runs"]["max"] >= 3


# ----------------------------------------------------------------------------- Copy as PyTorch, for training
EXPORT_GOLDEN = json.loads((Path(__file__).resolve().parents[1] / "data" / "train_export_golden.json").read_text())


def test_export_goldens_come_from_torch_2_13():
    assert EXPORT_GOLDEN["torch"].startswith("2.13")
    assert EXPORT_GOLDEN["generator"] == "scripts/make_golden_train_export.py"
    assert {"lbfgs", "adam", "rmsprop", "sgd", "adamw", "rprop"} <= {
        r["optimizer"] for case in EXPORT_GOLDEN["cases"].values() for r in case["body"]["runs"]}


@pytest.mark.parametrize("name", list(EXPORT_GOLDEN["cases"]))
def test_exported_training_script_is_the_one_torch_ran_and_its_losses_are_the_services(client, name):
    case = EXPORT_GOLDEN["cases"][name]
    r = client.post("/api/export/pytorch", json=case["body"])
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/x-python")
    assert f"optimizer_playground_train_{case['body']['model']['name']}" in r.headers["content-disposition"]
    assert hashlib.sha256(r.text.encode()).hexdigest() == case["sha256"]
    ours = _post(client, case["body"])
    for run, theirs in zip(ours["runs"], case["runs"], strict=True):
        assert run["label"] == theirs["label"]
        assert len(run["loss"]) == len(theirs["loss"]) and len(run["batch_loss"]) == len(theirs["batch_loss"])
        np.testing.assert_allclose(run["loss"], theirs["loss"], rtol=1e-10, atol=0)
        np.testing.assert_allclose(run["batch_loss"], theirs["batch_loss"], rtol=1e-10, atol=0)


def test_the_notes_comparison_prints_the_loss_every_epoch():
    printed = EXPORT_GOLDEN["cases"]["notes_linear_adam_rmsprop"]["printed"]
    assert printed.splitlines()[0] == "Adam" and "RMSprop" in printed
    assert sum(1 for line in printed.splitlines() if line.strip().startswith("epoch")) == 200


def test_export_refuses_a_bad_training_body_as_train_does(client):
    bad = {**SPIRAL, "data": {"name": "spiral", "options": {"n": 5000}}}
    exported, trained = client.post("/api/export/pytorch", json=bad), client.post("/api/train", json=bad)
    assert exported.status_code == trained.status_code == 422
    assert exported.json() == trained.json()


@pytest.mark.parametrize("label", ['"""; import os; os.system("echo hi") #', "x'\n__import__('os')"])
def test_a_hostile_label_is_only_a_string_literal_in_the_training_script(client, label):
    body = {**LINE, "runs": [{"optimizer": "sgd", "label": label}]}
    text = client.post("/api/export/pytorch", json=body).text
    tree = ast.parse(text)
    strings = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    assert label in strings
    assert "os.system" not in text.replace(repr(label), "")
