"""The shared landscape slice, the line model's (w, b) surface, decision maps, and Trainer's slices."""

from __future__ import annotations

import numpy as np
import pytest

from optim_core.models import Trainer, landscape, line_surface, make_model, train
from optim_core.models.landscape import _filters, batch_losses, decision_map, directions, project


def _mlp_runs():
    model, data = ("mlp", {"hidden": [8, 4]}), ("spiral", {"n": 60})
    runs = [train(model, data, "adam", 15, batch_size=20, lr=0.02), train(model, data, "sgd", 15, lr=0.1)]
    return make_model(model, 2)[0], runs


def test_the_centre_maps_to_the_origin_and_the_grid_there_is_the_models_loss():
    net, runs = _mlp_runs()
    ls = landscape(net, runs[0].X, runs[0].y, [r.params for r in runs], n=9)
    assert ls.paths[0][-1] == pytest.approx([0.0, 0.0], abs=1e-12)  # the first run ended at the centre
    assert ls.alpha[4] == 0.0 and ls.beta[4] == 0.0
    direct, _ = net.evaluate(runs[0].params[-1], runs[0].X, runs[0].y)
    assert ls.loss[4, 4] == pytest.approx(direct, rel=1e-12)
    assert direct == pytest.approx(runs[0].loss[-1], rel=1e-12)


def test_a_point_moved_along_the_directions_projects_to_its_coefficients():
    net, runs = _mlp_runs()
    center = runs[1].params[-1]
    d1, d2 = directions(net, center, seed=3)
    moved = np.stack([center + a * d1 + b * d2 for a, b in [(0.3, -0.7), (-2.0, 0.25), (0.0, 0.0)]])
    (xy,) = project([moved], center, d1, d2)
    np.testing.assert_allclose(xy, [[0.3, -0.7], [-2.0, 0.25], [0.0, 0.0]], atol=1e-12)


def test_directions_are_filter_normalized_and_seeded():
    net, runs = _mlp_runs()
    center = runs[0].params[-1]
    d1, d2 = directions(net, center, seed=0)
    for f in _filters(net):
        if center[f].size > 1:
            assert np.linalg.norm(d1[f]) == pytest.approx(np.linalg.norm(center[f]), rel=1e-12)
            assert np.linalg.norm(d2[f]) == pytest.approx(np.linalg.norm(center[f]), rel=1e-12)
    again = directions(net, center, seed=0)
    assert np.array_equal(d1, again[0]) and np.array_equal(d2, again[1])
    assert not np.array_equal(d1, directions(net, center, seed=1)[0])


def test_grid_losses_are_batched_forward_passes_of_the_model():
    net, runs = _mlp_runs()
    ls = landscape(net, runs[0].X, runs[0].y, [r.params for r in runs], n=5, seed=2)
    for j, i in [(0, 0), (1, 3), (4, 2)]:
        p = ls.center + ls.alpha[i] * ls.d1 + ls.beta[j] * ls.d2
        assert ls.loss[j, i] == pytest.approx(net.evaluate(p, runs[0].X, runs[0].y)[0], rel=1e-12)
    rows = runs[1].params[::5]
    np.testing.assert_allclose(batch_losses(net, rows, runs[1].X, runs[1].y), runs[1].loss[::5], rtol=1e-12)


def test_a_chosen_centre_and_span():
    net, runs = _mlp_runs()
    c = runs[1].params[0]
    ls = landscape(net, runs[0].X, runs[0].y, [r.params for r in runs], center=c, n=3, span=0.5)
    assert ls.alpha.tolist() == [-0.5, 0.0, 0.5]
    assert ls.paths[1][0] == pytest.approx([0.0, 0.0], abs=1e-12)
    with pytest.raises(ValueError, match="odd"):
        landscape(net, runs[0].X, runs[0].y, [runs[0].params], n=4)


def test_a_diverged_path_projects_to_nan_after_its_divergence():
    net, runs = _mlp_runs()
    path = runs[0].params.copy()
    path[5:] = np.nan
    ls = landscape(net, runs[0].X, runs[0].y, [runs[1].params, path], n=3)
    assert np.isfinite(ls.paths[1][:5]).all() and np.isnan(ls.paths[1][5:]).all()


def test_line_loss_grid_is_the_models_loss_full_batch_and_minibatch():
    tr = train("line", ("regression", {"features": 1, "n": 40}), "sgd", 3, batch_size=8, lr=0.1)
    net = make_model("line", 1)[0]
    w, b = np.linspace(-2, 2, 7), np.linspace(-1, 3, 5)
    grid = line_surface(tr.X, tr.y, w, b)
    batch = tr.order[0][:8]
    mini = line_surface(tr.X, tr.y, w, b, batch=batch)
    for j, i in [(0, 0), (2, 5), (4, 6)]:
        p = np.array([w[i], b[j]])
        assert grid[j, i] == pytest.approx(net.evaluate(p, tr.X, tr.y)[0], rel=1e-13)
        assert mini[j, i] == pytest.approx(net.evaluate(p, tr.X[batch], tr.y[batch])[0], rel=1e-13)
    # the first minibatch step was computed from that batch's loss at the initial weights
    assert line_surface(tr.X, tr.y, tr.params[0, :1], tr.params[0, 1:], batch=batch)[0, 0] == pytest.approx(
        tr.batch_loss[0], rel=1e-13)


def test_decision_map_is_the_sigmoid_of_the_models_logit():
    net, runs = _mlp_runs()
    x, y = np.linspace(-1.5, 1.5, 6), np.linspace(-1, 1, 4)
    maps = decision_map(net, runs[0].params[[0, -1]], x, y)
    assert maps.shape == (2, 4, 6)
    _, out = net.evaluate(runs[0].params[-1], np.array([[x[5], y[2]]]), np.zeros(1))
    assert maps[1, 2, 5] == pytest.approx(1 / (1 + np.exp(-out[0])), rel=1e-12)
    with pytest.raises(ValueError, match="2-D"):
        decision_map(make_model("linear", 10)[0], np.zeros((1, 11)), x, y)


@pytest.mark.parametrize("batch_size", [None, 7])
def test_a_trainer_advanced_an_epoch_at_a_time_equals_train(batch_size):
    args = (("mlp", {"hidden": [5]}), ("moons", {"n": 30}), "adam", 6)
    whole = train(*args, batch_size=batch_size, lr=0.05)
    trainer = Trainer(*args, batch_size=batch_size, lr=0.05)
    seen = []
    while not trainer.advance(1):
        k = trainer.recorded()
        seen.append(k)
        assert np.array_equal(trainer.loss[:k], whole.loss[:k])
        assert np.array_equal(trainer.batch_loss[:trainer.t], whole.batch_loss[:trainer.t])
    assert trainer.recorded() == whole.steps + 1 and seen == sorted(seen) and len(seen) == 5
    got = trainer.finish()
    for name in ("loss", "batch_loss", "accuracy", "params"):
        assert np.array_equal(getattr(got, name), getattr(whole, name)), name
