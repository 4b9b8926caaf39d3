"""Bodies and helpers shared by the training tests (tests/api/test_train*.py)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app

SPIRAL = {"model": {"name": "mlp", "options": {"hidden": [6, 4]}}, "data": {"name": "spiral", "options": {"n": 60}},
          "epochs": 12, "batch_size": 16, "seed": 3,
          "runs": [{"optimizer": "adam", "params": {"lr": 0.02}}, {"optimizer": "adamw", "params": {"lr": 0.02}},
                   {"optimizer": "sgd", "params": {"lr": 0.1, "momentum": 0.9}, "label": "SGD+m"}],
          "landscape": {"grid": 7, "seed": 5}}
LINE = {"model": {"name": "line"}, "data": {"name": "regression", "options": {"features": 1, "n": 24}},
        "epochs": 8, "batch_size": 4, "runs": [{"optimizer": "sgd", "params": {"lr": 0.05}},
                                               {"optimizer": "adam", "params": {"lr": 0.1}}]}
LINEAR = {"model": {"name": "linear"}, "data": {"name": "regression"}, "epochs": 30,
          "runs": [{"optimizer": "lbfgs"}, {"optimizer": "rmsprop", "params": {"lr": 0.01}}]}
LIVE_KEYS = ("heatmap", "weights", "weight_steps")  # a points event's pictures: drawn live, not part of the answer


def own_client():
    """A client of the module's own: its worker threads, which ran training, end with it. OpenBLAS (0.3.31)
    ignores a thread count set while another thread that used it is alive, which would break the BLAS-thread test
    of tests/core/test_models.py for the rest of the session."""
    return TestClient(create_app(Settings()))


def post(client, body):
    r = client.post("/api/train", json=body)
    assert r.status_code == 200, r.text
    return r.json()


def reassemble(events):
    """The JSON answer rebuilt from the stream: meta, every points event's series appended, done's pictures."""
    assert events[0][0] == "meta" and events[-1][0] == "done"
    meta = events[0][1]
    runs = [dict(r, loss=[], batch_loss=[], accuracy=None if not meta["classifier"] else [], lr=None, momentum=None)
            for r in meta["runs"]]
    for name, data in events[1:-1]:
        assert name == "points"
        run = runs[data["run"]]
        assert data["offset"] == len(run["loss"]) and data["batch_offset"] == len(run["batch_loss"])
        run["loss"] += data["loss"]
        run["batch_loss"] += data["batch_loss"]
        for key in ("accuracy", "lr", "momentum"):
            if data[key] is not None:
                run[key] = (run[key] or []) + data[key]
    done = events[-1][1]
    for run, final in zip(runs, done["runs"], strict=True):
        run.update(final)
    return {**meta, **{k: v for k, v in done.items() if k != "runs"}, "runs": runs}
