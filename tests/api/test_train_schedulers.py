"""Each training run's lr scheduler (issue 13): the service trains with it as the core does, echoes it with every
keyword, and sends the lr (and a cycled momentum or beta1) of every step, in the answer and in the stream alike."""

from __future__ import annotations

import pytest

from app.scheduling import scheduler_echo
from optim_core.models import train
from tests.api.support import parse_sse
from tests.api.train_support import SPIRAL, own_client, post, reassemble

STEPS = 12 * 4  # SPIRAL: 12 epochs of ceil(60 / 16) minibatches
SCHEDULED = {**SPIRAL, "runs": [
    {"optimizer": "adam", "params": {"lr": 0.02},
     "scheduler": {"name": "OneCycleLR", "params": {"max_lr": 0.05, "total_steps": STEPS}}},
    {"optimizer": "rmsprop", "params": {"lr": 0.01},
     "scheduler": {"name": "ReduceLROnPlateau", "params": {"patience": 2, "factor": 0.5}}},
    {"optimizer": "sgd", "params": {"lr": 0.05, "momentum": 0.9}, "label": "no scheduler"},
    {"optimizer": "sgd", "params": {"lr": 0.05, "momentum": 0.9},
     "scheduler": {"name": "SequentialLR", "params": {"milestones": [10], "schedulers": [
         {"name": "LinearLR", "params": {"start_factor": 0.1, "total_iters": 10}},
         {"name": "CyclicLR", "params": {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 5}}]}}},
]}


@pytest.fixture(scope="module")
def client():
    with own_client() as c:
        yield c


def _direct(body, run):
    spec = None if run.get("scheduler") is None else (run["scheduler"]["name"], run["scheduler"]["params"])
    return train((body["model"]["name"], body["model"].get("options", {})),
                 (body["data"]["name"], body["data"].get("options", {})), run["optimizer"], body["epochs"],
                 batch_size=body.get("batch_size"), seed=body.get("seed", 0), scheduler=spec, **run["params"])


def _nulls(values):
    return [None if v != v else v for v in values.tolist()]  # NaN -> null, as the JSON has it


def test_each_run_trains_with_its_scheduler_as_the_core_does(client):
    got = post(client, SCHEDULED)
    for run, body_run in zip(got["runs"], SCHEDULED["runs"], strict=True):
        tr = _direct(SCHEDULED, body_run)
        assert run["loss"] == tr.loss.tolist() and run["batch_loss"] == tr.batch_loss.tolist()
        spec = None if body_run.get("scheduler") is None else (body_run["scheduler"]["name"],
                                                                body_run["scheduler"]["params"])
        assert run["scheduler"] == scheduler_echo(spec)
        if spec is None:
            assert run["lr"] is None and run["momentum"] is None
            continue
        assert len(run["lr"]) == STEPS + 1 and run["lr"][0] is None
        assert run["lr"] == _nulls(tr.lr)
        assert run["momentum"] == (None if tr.momentum is None else _nulls(tr.momentum))
    one_cycle, plateau, _, sequential = got["runs"]
    assert one_cycle["scheduler"]["params"]["cycle_momentum"] is True  # every keyword, defaults filled
    assert one_cycle["momentum"][1] == pytest.approx(0.95) and len(set(one_cycle["momentum"][1:])) > 2  # beta1
    assert plateau["momentum"] is None and min(plateau["lr"][1:]) < 0.01  # the minibatch losses made it reduce
    assert sequential["momentum"] is not None  # CyclicLR cycles SGD's momentum after the milestone
    assert one_cycle["lr"] != plateau["lr"]


def test_the_scheduler_changes_the_training(client):
    plain = post(client, {**SCHEDULED, "runs": [{k: v for k, v in SCHEDULED["runs"][0].items() if k != "scheduler"}]})
    scheduled = post(client, {**SCHEDULED, "runs": SCHEDULED["runs"][:1]})
    assert plain["runs"][0]["loss"][0] == scheduled["runs"][0]["loss"][0]  # the same initial weights
    assert plain["runs"][0]["loss"][-1] != scheduled["runs"][0]["loss"][-1]


def test_the_stream_sends_lr_and_momentum_with_the_losses(client):
    r = client.post("/api/train/stream", json=SCHEDULED)
    assert r.status_code == 200
    events = parse_sse(r.text)
    meta = events[0][1]
    assert [run["scheduler"] for run in meta["runs"]] == [
        scheduler_echo(None if run.get("scheduler") is None else (run["scheduler"]["name"],
                                                                  run["scheduler"]["params"]))
        for run in SCHEDULED["runs"]]
    for _name, data in events[1:-1]:
        scheduled = SCHEDULED["runs"][data["run"]].get("scheduler") is not None
        assert (data["lr"] is not None) == scheduled
        if scheduled:
            assert len(data["lr"]) == len(data["loss"])  # aligned with offset, as the losses are
    assert reassemble(events) == post(client, SCHEDULED)


def test_the_export_goldens_hold_cycled_and_plateau_schedulers_run_by_torch():
    """The losses themselves are checked against torch's in test_train.py (every golden case, to 1e-10)."""
    import json
    from pathlib import Path

    golden = json.loads((Path(__file__).resolve().parents[1] / "data" / "train_export_golden.json").read_text())
    runs = [(case["body"], run) for case in golden["cases"].values() for run in case["body"]["runs"]]
    names = {(run.get("scheduler") or {}).get("name") for _, run in runs}
    assert {"OneCycleLR", "CyclicLR", "ReduceLROnPlateau", "SequentialLR",
            "MultiplicativeLR"} <= names
    assert any(run.get("scheduler", {}).get("name") == "ReduceLROnPlateau" and body.get("batch_size")
               for body, run in runs)


def test_the_training_script_builds_each_scheduler_with_every_keyword(client):
    r = client.post("/api/export/pytorch", json=SCHEDULED)
    assert r.status_code == 200, r.text
    text = r.text
    assert ("torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.05, total_steps=48, epochs=None, "
            "steps_per_epoch=None, pct_start=0.3, anneal_strategy='cos', cycle_momentum=True") in text
    assert "torch.optim.lr_scheduler.SequentialLR(optimizer, schedulers=[" in text
    assert "torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=0.1, end_factor=1.0, total_iters=10)" in text
    assert "scheduler.step(value.item())" in text and text.count("scheduler = ") == 3
    compile(text, "exported.py", "exec")  # a script Python can run
