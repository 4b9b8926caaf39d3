"""The init/step protocol, recording and per-step hyperparameters: paths that must agree, to the bit."""

from __future__ import annotations

import numpy as np
import pytest

from optim_core import OPTIMIZERS, SURFACES, run
from optim_core.backend import FLOAT
from optim_core.trajectory import iter_run

# Polynomial surfaces: NumPy arrays and Python floats round + - * alike, so the array protocol equals run().
SETTINGS = {
    "sgd": {"lr": 1e-3, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1},
    "asgd": {"lr": 1e-3, "t0": 10.0, "lambd": 1e-2},
    "adagrad": {"lr": 0.1, "lr_decay": 0.01},
    "adadelta": {"lr": 1.0, "weight_decay": 0.01},
    "rmsprop": {"lr": 1e-2, "momentum": 0.5, "centered": True},
    "adam": {"lr": 1e-2, "amsgrad": True},
    "adamw": {"lr": 1e-2},
    "adamax": {"lr": 1e-2},
    "nadam": {"lr": 1e-2, "decoupled_weight_decay": True, "weight_decay": 0.1},
    "radam": {"lr": 1e-2},
    "sparseadam": {"lr": 1e-2},
    "lbfgs": {"line_search_fn": "strong_wolfe", "max_iter": 5},
    "rprop": {"lr": 1e-2},
}


def _objective(surface):
    fg = SURFACES[surface].fg

    def objective(p):
        f, gx, gy = fg(float(p[0]), float(p[1]), FLOAT)
        return f, np.array([gx, gy])

    return objective


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_an_init_step_loop_equals_run_bit_for_bit(name):
    surface, steps = "beale", 60
    tr = run(name, surface, [1.0, 1.5], steps, record_state=True, **SETTINGS[name])
    opt = OPTIMIZERS[name].make(**SETTINGS[name])
    objective = _objective(surface)
    p = np.array([1.0, 1.5])
    state = opt.init(p)
    path = [p]
    for _ in range(steps):
        grad = None if name == "lbfgs" else objective(p)[1]
        p, state = opt.step(p, grad, state, objective=objective)
        path.append(p)
    assert tr.status == "ok"
    np.testing.assert_array_equal(np.array(path), tr.xy)
    for key, recorded in tr.state.items():  # the loop's final state is the recorded last row
        value = getattr(state, key)
        np.testing.assert_array_equal(np.asarray(value if value is not None else np.nan, dtype=float),
                                      recorded[-1], err_msg=key)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
@pytest.mark.parametrize(("surface", "start", "lr_scale"), [("rosenbrock", [-1.5, 2.0], 1.0),
                                                            ("rastrigin", [2.2, -1.3], 1.0),
                                                            ("rosenbrock", [-1.5, 2.0], 300.0)])
def test_recording_does_not_change_one_bit_of_the_path(name, surface, start, lr_scale):
    params = dict(SETTINGS[name])
    params["lr"] = params.get("lr", 1.0) * lr_scale  # the last case diverges for most
    plain = run(name, surface, start, 80, noise=0.3, seed=5, **params)
    recorded = run(name, surface, start, 80, noise=0.3, seed=5, record_state=True, **params)
    np.testing.assert_array_equal(recorded.xy, plain.xy)
    np.testing.assert_array_equal(recorded.loss, plain.loss)
    assert recorded.diverged_at == plain.diverged_at and recorded.status == plain.status
    if name == "lbfgs":
        for a, b in zip(recorded.evals, plain.evals, strict=True):
            np.testing.assert_array_equal(a, b)
    at = recorded.diverged_at
    if at is not None:  # rows from the divergence on are NaN, like the points
        assert np.isnan(recorded.grad[at:]).all() and np.isnan(recorded.lr[at:]).all()
        assert all(np.isnan(v[at:]).all() for v in recorded.state.values())
    end = recorded.steps + 1 if at is None else at
    np.testing.assert_array_equal(recorded.update[1:end], np.diff(recorded.xy[:end], axis=0))


def test_diverging_runs_are_among_the_recorded_cases():
    params = dict(SETTINGS["sgd"], lr=SETTINGS["sgd"]["lr"] * 300.0)
    assert run("sgd", "rosenbrock", [-1.5, 2.0], 80, noise=0.3, seed=5, **params).status == "diverged"


@pytest.mark.parametrize("name", ["sgd", "adam", "rmsprop", "lbfgs", "nadam"])
def test_iter_run_segments_carry_the_recorded_rows(name):
    full = run(name, "beale", [1.0, 1.5], 77, record_state=True, **SETTINGS[name])
    segments = list(iter_run(name, "beale", [1.0, 1.5], 77, chunk=10, record_state=True, **SETTINGS[name]))
    for field in ("grad", "update", "lr", "momentum"):
        if getattr(full, field) is None:
            assert all(getattr(s, field) is None for s in segments)
            continue
        np.testing.assert_array_equal(np.concatenate([getattr(s, field) for s in segments]), getattr(full, field))
    for key, values in full.state.items():
        np.testing.assert_array_equal(np.concatenate([s.state[key] for s in segments]), values, err_msg=key)
    plain = list(iter_run(name, "beale", [1.0, 1.5], 20, chunk=10, **SETTINGS[name]))
    assert all(s.state is None and s.grad is None for s in plain)


@pytest.mark.parametrize("name", [n for n in OPTIMIZERS if n != "lbfgs"])
def test_per_step_scalars_broadcast_over_batch_rows(name):
    # A later sweep gives each batch row its own lr: an (N, 1) lr against (N, 2) parameters, row i equal to the
    # step taken with lr[i] alone.
    opt = OPTIMIZERS[name].make(**SETTINGS[name])
    rng = np.random.default_rng(1)
    params, lr = rng.uniform(-2, 2, (4, 2)), np.array([[1e-3], [3e-3], [1e-2], [2e-2]])
    objective = _objective("booth")
    state = opt.init(params, lr=lr)
    single = [opt.init(params[i], lr=float(lr[i, 0])) for i in range(4)]
    p, rows = params, list(params)
    for _ in range(5):
        grads = np.array([objective(row)[1] for row in p])
        p, state = opt.step(p, grads, state, lr=lr)
        for i in range(4):
            rows[i], single[i] = opt.step(rows[i], objective(rows[i])[1], single[i], lr=float(lr[i, 0]))
    np.testing.assert_array_equal(p, np.array(rows))


def test_lbfgs_takes_a_parameter_vector_of_any_length():
    # f = sum_i (i+1) (x_i - 1)^2 over P = 6 parameters: L-BFGS with a line search finds the minimum.
    weights = np.arange(1.0, 7.0)

    def objective(p):
        r = p - 1.0
        return float(np.sum(weights * r * r)), 2.0 * weights * r

    opt = OPTIMIZERS["lbfgs"].make(line_search_fn="strong_wolfe")
    p = np.zeros(6)
    state = opt.init(p)
    loss0 = objective(p)[0]
    for _ in range(3):
        p, state = opt.step(p, None, state, objective=objective)
    np.testing.assert_allclose(p, np.ones(6), atol=1e-5)
    assert objective(p)[0] < 1e-9 * loss0
    assert state.n_iter >= 1 and state.func_evals >= 3 and state.d.shape == (6,)
    with pytest.raises(TypeError, match="L-BFGS needs objective"):
        opt.step(p, None, state)


@pytest.mark.parametrize("name", ["adam", "lbfgs", "asgd"])
def test_iter_run_with_a_scheduler_equals_run_with_one(name):
    class Halving:
        def __init__(self):
            self.lr, self.losses = 0.02, []

        def step(self, loss):
            self.losses.append(loss)
            self.lr *= 0.5

    full_scheduler, seg_scheduler = Halving(), Halving()
    full = run(name, "beale", [1.0, 1.5], 33, scheduler=full_scheduler)
    segments = list(iter_run(name, "beale", [1.0, 1.5], 33, chunk=7, scheduler=seg_scheduler))
    np.testing.assert_array_equal(np.concatenate([s.xy for s in segments]), full.xy)
    np.testing.assert_array_equal(np.concatenate([s.lr for s in segments]), full.lr)
    assert full.lr[1:].tolist() == [0.02 * 0.5**t for t in range(33)]
    assert full_scheduler.losses == seg_scheduler.losses == full.loss[:-1].tolist()
    assert all(s.state is None for s in segments)
