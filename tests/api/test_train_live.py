"""The stream's live pictures (issue 13): meta's decision-map axes, each points event's decision map of a 2-D
classifier (rounded, at the window's last kept row) and line's kept parameter rows (exact), so the page draws while
training; done keeps its exact pictures."""

from __future__ import annotations

import numpy as np
import pytest

from optim_core.models import make_model, train
from optim_core.models.landscape import decision_map
from tests.api.support import parse_sse
from tests.api.train_support import LINE, LINEAR, SPIRAL, own_client


@pytest.fixture(scope="module")
def client():
    with own_client() as c:
        yield c


def _events(client, body):
    r = client.post("/api/train/stream", json=body)
    assert r.status_code == 200, r.text
    return parse_sse(r.text)


def _direct(body, run):
    return train((body["model"]["name"], body["model"].get("options", {})),
                 (body["data"]["name"], body["data"].get("options", {})), run["optimizer"], body["epochs"],
                 batch_size=body.get("batch_size"), seed=body.get("seed", 0), **run.get("params", {}))


def test_a_classifier_stream_draws_its_decision_map_at_each_window(client):
    events = _events(client, SPIRAL)
    meta, done = events[0][1], events[-1][1]
    assert meta["heatmap_axes"] is not None and meta["heatmap_axes"] == done["heatmap_axes"]
    x, y = np.array(meta["heatmap_axes"]["x"]), np.array(meta["heatmap_axes"]["y"])
    net = make_model(("mlp", SPIRAL["model"]["options"]), 2)[0]
    direct = [_direct(SPIRAL, run) for run in SPIRAL["runs"]]
    seen = [[] for _ in SPIRAL["runs"]]
    for _name, data in events[1:-1]:
        heat, tr = data["heatmap"], direct[data["run"]]
        last = data["batch_offset"] + len(data["batch_loss"])  # the steps done at the window's end
        assert heat["step"] == last and data["weights"] is None and data["weight_steps"] is None
        row = tr.params[np.searchsorted(tr.param_steps, heat["step"])]
        p = np.array(heat["p"])
        assert p.shape == (len(y), len(x))
        assert p.tolist() == np.round(decision_map(net, row, x, y)[0], 4).tolist()  # a picture: 4 decimals
        seen[data["run"]].append(heat["step"])
    assert all(steps[-1] == direct[0].steps and len(steps) >= 2 for steps in seen)


def test_line_stream_sends_every_kept_parameter_row_exactly(client):
    events = _events(client, LINE)
    assert events[0][1]["heatmap_axes"] is None
    rows = [[] for _ in LINE["runs"]]
    steps = [[] for _ in LINE["runs"]]
    for _name, data in events[1:-1]:
        assert data["heatmap"] is None
        rows[data["run"]] += data["weights"]
        steps[data["run"]] += data["weight_steps"]
    for run, got_rows, got_steps in zip(LINE["runs"], rows, steps, strict=True):
        tr = _direct(LINE, run)
        assert got_steps == tr.param_steps.tolist()
        assert got_rows == tr.params.tolist()


def test_other_models_send_no_live_pictures(client):
    events = _events(client, LINEAR)
    assert events[0][1]["heatmap_axes"] is None
    for _name, data in events[1:-1]:
        assert data["heatmap"] is None and data["weights"] is None and data["weight_steps"] is None
