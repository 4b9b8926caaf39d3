"""run(): shapes, batches, noise, divergence, streaming segments and input errors."""

from __future__ import annotations

import numpy as np
import pytest

from optim_core import OPTIMIZERS, SURFACES, run
from optim_core.noise import gaussian
from optim_core.trajectory import iter_run

# Surfaces built from + - * only: NumPy and Python floats round these identically. (pow, exp, sin... may differ in
# the last bit between NumPy and libm.)
POLYNOMIAL = ["rosenbrock", "beale", "booth", "himmelblau", "matyas", "saddle", "monkey_saddle"]


def _starts(surface: str, n: int, seed: int = 0) -> np.ndarray:
    (x0, x1), (y0, y1) = SURFACES[surface].domain
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])


def _small_lr(name: str) -> dict:
    return {"lbfgs": {"lr": 0.1, "max_iter": 3}, "adadelta": {"lr": 0.5}}.get(name, {"lr": 1e-3})


def test_single_start_shapes():
    tr = run("adam", "rosenbrock", [-1.5, 2.0], 25)
    assert tr.xy.shape == (26, 2) and tr.loss.shape == (26,)
    assert tr.status == "ok" and tr.diverged_at is None
    assert tr.xy[0].tolist() == [-1.5, 2.0]
    assert tr.loss[0] == SURFACES["rosenbrock"].f([-1.5, 2.0])


def test_batch_shapes_and_status_arrays():
    tr = run("sgd", "booth", _starts("booth", 7), 12, lr=0.01)
    assert tr.xy.shape == (7, 13, 2) and tr.loss.shape == (7, 13)
    assert tr.status.tolist() == ["ok"] * 7 and tr.diverged_at.tolist() == [-1] * 7


@pytest.mark.parametrize("name", list(OPTIMIZERS))
@pytest.mark.parametrize("surface", POLYNOMIAL)
def test_batch_row_equals_single_run_bit_for_bit(name, surface):
    starts = _starts(surface, 5, seed=len(name))
    params = dict(_small_lr(name), **({"momentum": 0.9} if name == "sgd" else {}))
    batch = run(name, surface, starts, 60, **params)
    for i in range(len(starts)):
        single = run(name, surface, starts[i], 60, **params)
        np.testing.assert_array_equal(batch.xy[i], single.xy)
        np.testing.assert_array_equal(batch.loss[i], single.loss)
        assert batch.row(i).diverged_at == single.diverged_at


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_fast_batch_stays_within_1e_12_of_the_exact_path_on_a_calm_run(name):
    # exact=False uses plain multiply-adds where torch fuses them: one rounding apart per operation.
    starts = _starts("booth", 32, seed=1)
    fast = run(name, "booth", starts, 100, exact=False, **_small_lr(name))
    exact = run(name, "booth", starts, 100, **_small_lr(name))
    np.testing.assert_allclose(fast.xy, exact.xy, rtol=1e-12, atol=1e-300)


def test_batch_spread_over_blocks_and_threads_matches_one_block(monkeypatch):
    import optim_core.batch as trajectory

    starts = _starts("beale", 1000, seed=2)
    whole = run("sgd", "beale", starts, 50, lr=1e-3, momentum=0.9)
    monkeypatch.setattr(trajectory, "CHUNK", 64)
    monkeypatch.setattr(trajectory, "WORKERS", 3)
    blocks = run("sgd", "beale", starts, 50, lr=1e-3, momentum=0.9)
    np.testing.assert_array_equal(whole.xy, blocks.xy)


@pytest.mark.parametrize("name", ["sgd", "adam", "rmsprop", "rprop", "nadam"])
@pytest.mark.parametrize("surface", ["rastrigin", "ackley", "levi", "three_hump_camel", "styblinski_tang"])
def test_batch_row_equals_single_run_within_1e_12_on_transcendental_surfaces(name, surface):
    # NumPy's and libm's exp/sin/cos may differ in the last bit, so here the promise is 1e-12 relative.
    starts = _starts(surface, 5, seed=3)
    batch = run(name, surface, starts, 40, lr=1e-3)
    for i in range(len(starts)):
        single = run(name, surface, starts[i], 40, lr=1e-3)
        np.testing.assert_allclose(batch.xy[i], single.xy, rtol=1e-12, atol=1e-300)


def test_noise_is_reproducible_and_rows_get_their_own():
    starts = np.array([[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]])
    a = run("sgd", "booth", starts, 30, lr=0.01, noise=0.5, seed=7)
    b = run("sgd", "booth", starts, 30, lr=0.01, noise=0.5, seed=7)
    c = run("sgd", "booth", starts, 30, lr=0.01, noise=0.5, seed=8)
    assert np.array_equal(a.xy, b.xy)
    assert not np.allclose(a.xy, c.xy)
    assert not np.allclose(a.xy[0], a.xy[1]) and not np.allclose(a.xy[1], a.xy[2])
    single = run("sgd", "booth", [0.0, 0.0], 30, lr=0.01, noise=0.5, seed=7)
    np.testing.assert_array_equal(a.xy[0], single.xy)  # row 0's noise does not depend on the batch
    quiet = run("sgd", "booth", [0.0, 0.0], 30, lr=0.01)
    assert not np.allclose(single.xy, quiet.xy)


def test_noise_is_standard_normal_and_independent_of_batch_size():
    z = gaussian(123, np.arange(20000), 5)
    assert z.shape == (20000, 2)
    assert abs(z.mean()) < 0.02 and abs(z.std() - 1.0) < 0.02
    assert abs(np.corrcoef(z[:, 0], z[:, 1])[0, 1]) < 0.03
    np.testing.assert_array_equal(gaussian(123, np.arange(5), 5), z[:5])


def test_lbfgs_with_noise_is_reproducible():
    a = run("lbfgs", "booth", [1.0, 1.0], 5, noise=0.1, seed=3)
    b = run("lbfgs", "booth", [1.0, 1.0], 5, noise=0.1, seed=3)
    assert np.array_equal(a.xy, b.xy)


def test_divergence_stops_the_row_and_says_where():
    tr = run("sgd", "rosenbrock", [-1.5, 2.0], 100, lr=0.1)
    assert tr.status == "diverged"
    k = tr.diverged_at
    assert 0 < k < 100
    assert np.isfinite(tr.xy[:k]).all() and np.isfinite(tr.loss[:k]).all()
    assert np.isnan(tr.xy[k:]).all() and np.isnan(tr.loss[k:]).all()
    batch = run("sgd", "rosenbrock", np.array([[-1.5, 2.0], [1.0, 1.0]]), 100, lr=0.1)
    assert batch.diverged_at.tolist() == [k, -1]
    assert batch.status.tolist() == ["diverged", "ok"]


def test_a_start_outside_every_sane_bound_diverges_at_step_zero():
    tr = run("adam", "booth", [1e12, 0.0], 10)
    assert tr.status == "diverged" and tr.diverged_at == 0


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_iter_run_segments_concatenate_to_run(name):
    full = run(name, "beale", [1.0, 1.5], 123, **_small_lr(name))
    segments = list(iter_run(name, "beale", [1.0, 1.5], 123, chunk=10, **_small_lr(name)))
    assert segments[-1].done and all(not s.done for s in segments[:-1])
    assert [s.offset for s in segments] == list(np.cumsum([0] + [len(s.xy) for s in segments[:-1]]))
    xy = np.concatenate([s.xy for s in segments])
    loss = np.concatenate([s.loss for s in segments])
    np.testing.assert_array_equal(xy, full.xy)
    np.testing.assert_array_equal(loss, full.loss)
    if name == "lbfgs":
        evals = [e for s in segments for e in s.evals]
        assert len(evals[0]) == 0
        for ours, theirs in zip(evals[1:], full.evals, strict=True):
            np.testing.assert_array_equal(ours, theirs)


def test_iter_run_stops_at_divergence():
    full = run("sgd", "rosenbrock", [-1.5, 2.0], 100, lr=0.1)
    segments = list(iter_run("sgd", "rosenbrock", [-1.5, 2.0], 100, chunk=3, lr=0.1))
    assert segments[-1].status == "diverged" and segments[-1].diverged_at == full.diverged_at
    assert sum(len(s.xy) for s in segments) == full.diverged_at


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(optimizer="adamm"), "Unknown optimizer 'adamm'"),
        (dict(surface="rosenbrok"), "Unknown surface 'rosenbrok'"),
        (dict(steps=-1), "steps must be an integer in [0, 100000]"),
        (dict(steps=2.5), "steps must be an integer"),
        (dict(start=[1.0, 2.0, 3.0]), "start must have shape (2,) or (N, 2)"),
        (dict(start=[float("nan"), 0.0]), "every coordinate must be finite"),
        (dict(noise=-1.0), "noise must be a finite number >= 0"),
        (dict(lr=-0.1), "Invalid learning rate: -0.1"),
    ],
)
def test_run_rejects_bad_input_with_a_clear_message(kwargs, message):
    args = dict(optimizer="adam", surface="rosenbrock", start=[0.0, 0.0], steps=5)
    args.update(kwargs)
    with pytest.raises(ValueError) as err:
        run(args.pop("optimizer"), args.pop("surface"), args.pop("start"), args.pop("steps"), **args)
    assert message in str(err.value)


def test_run_takes_a_name_torchs_class_name_a_class_a_spec_or_an_optimizer():
    from optim_core.optimizers import AdamW

    expected = run("adamw", "booth", [0.0, 0.0], 5, lr=0.1).xy
    for optimizer in ("AdamW", AdamW, OPTIMIZERS["adamw"]):
        np.testing.assert_array_equal(run(optimizer, "booth", [0.0, 0.0], 5, lr=0.1).xy, expected)
    np.testing.assert_array_equal(run(AdamW(lr=0.1), "booth", [0.0, 0.0], 5).xy, expected)
