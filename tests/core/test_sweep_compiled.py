"""The compiled path (optim_core.compiled: the kernels' own code through numba) equals the NumPy path bit for bit:
sweeps, run()'s batch with its recorded paths and divergence, and the single run on libm's sin/cos surfaces."""

from __future__ import annotations

import numpy as np
import pytest

from optim_core import OPTIMIZERS, SURFACES, compiled, run, sweep
from optim_core import batch as batch_module
from optim_core.surfaces import get_surface
from optim_core.trajectory import _prepare

pytestmark = pytest.mark.skipif(not compiled.AVAILABLE, reason="numba is a dependency; this checks its path")

FIELDS = ("final_xy", "final_loss", "minimum", "converged", "steps_to_converge", "diverged_at")
POLYNOMIAL = ["rosenbrock", "beale", "himmelblau", "booth", "matyas", "monkey_saddle"]
CONFIGS = {
    "sgd": [{"lr": 1e-3}, {"lr": 2e-3, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01},
            {"lr": 1e-3, "momentum": 0.5, "dampening": 0.3, "maximize": True}],
    "asgd": [{"lr": 1e-3, "t0": 20.0, "weight_decay": 0.01}],
    "adagrad": [{"lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.1}],
    "adadelta": [{"lr": 1.0, "weight_decay": 0.001}],
    "rmsprop": [{"lr": 0.01}, {"lr": 0.01, "momentum": 0.9, "centered": True}],
    "adam": [{"lr": 0.05}, {"lr": 0.05, "amsgrad": True, "weight_decay": 0.01, "betas": (0.3, 0.9)}],
    "adamw": [{"lr": 0.05}],
    "adamax": [{"lr": 0.05}],
    "nadam": [{"lr": 0.05, "decoupled_weight_decay": True, "weight_decay": 0.1}],
    "radam": [{"lr": 0.05, "betas": (0.9, 0.9)}],
    "sparseadam": [{"lr": 0.05}],
    "rprop": [{"lr": 0.01, "etas": (0.3, 1.5)}],
}


def _starts(surface: str, n: int, seed: int) -> np.ndarray:
    (x0, x1), (y0, y1) = SURFACES[surface].domain
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])


def _cases():
    for name, configs in CONFIGS.items():
        for i, hp in enumerate(configs):
            yield name, POLYNOMIAL[(len(name) + i) % len(POLYNOMIAL)], hp


def test_every_elementwise_optimizer_has_a_case():
    assert set(CONFIGS) == {n for n in OPTIMIZERS if n != "lbfgs"}


@pytest.mark.parametrize(("name", "surface", "hp"), list(_cases()), ids=str)
def test_compiled_sweep_equals_numpy_sweep(name, surface, hp):
    starts = _starts(surface, 300, seed=len(name))
    a = sweep(name, surface, 80, starts=starts, compiled=True, **hp)
    b = sweep(name, surface, 80, starts=starts, compiled=False, **hp)
    assert a.engine == "numba" and b.engine == "numpy"
    for f in FIELDS:
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f), err_msg=f)


@pytest.mark.parametrize("name", ["adam", "sgd", "rprop"])
def test_compiled_noisy_sweep_equals_numpy(name):
    starts = _starts("himmelblau", 200, seed=3)
    a = sweep(name, "himmelblau", 60, starts=starts, noise=2.0, seed=9, compiled=True, lr=0.01)
    b = sweep(name, "himmelblau", 60, starts=starts, noise=2.0, seed=9, compiled=False, lr=0.01)
    for f in FIELDS:
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f), err_msg=f)


@pytest.mark.parametrize(("name", "surface", "hp"), list(_cases())[::2], ids=str)
def test_compiled_batch_paths_equal_numpy_batch(name, surface, hp, monkeypatch):
    """run()'s batch: the recorded paths, losses and divergence, through trace_batch's compiled hunk."""
    starts = _starts(surface, 257, seed=5)
    opt, surf, steps, noise, seed, bound = _prepare(name, surface, 70, 0.0, None, dict(hp))
    xy, loss, at = compiled.trace_paths(opt, surf, starts, steps, bound, required=True)
    monkeypatch.setattr(compiled, "trace_paths", lambda *a, **k: None)
    ref = run(name, surface, starts, 70, **hp)
    np.testing.assert_array_equal(xy, ref.xy)
    np.testing.assert_array_equal(loss, ref.loss)
    np.testing.assert_array_equal(at, ref.diverged_at)


def test_diverging_rows_end_as_in_numpy():
    starts = _starts("rosenbrock", 400, seed=1)
    opt, surf, steps, _, _, bound = _prepare("sgd", "rosenbrock", 50, 0.0, None, {"lr": 0.004})
    xy, loss, at = compiled.trace_paths(opt, surf, starts, steps, bound, required=True)
    assert (at > 0).any() and (at < 0).any()
    ref = batch_module.trace_batch(opt, surf, starts, steps, 0.0, None, bound, exact=False)  # shape reference
    assert xy.shape == ref[0].shape and loss.shape == ref[1].shape
    row = int(np.flatnonzero(at > 0)[0])
    assert np.isnan(xy[row, at[row]:]).all() and np.isfinite(xy[row, :at[row]]).all()
    single = run("sgd", "rosenbrock", starts[row], 50, lr=0.004)
    np.testing.assert_array_equal(xy[row], single.xy)
    assert single.diverged_at == at[row]


@pytest.mark.parametrize("surface", ["rastrigin", "levi", "styblinski_tang", "six_hump_camel", "plateau"])
def test_libm_surfaces_equal_the_single_run(surface):
    """numba calls libm's sin, cos, exp and pow as the single run's floats do (NumPy's vectorized ones may differ by an
    ulp, which is why these are held against run() from one start)."""
    starts = _starts(surface, 12, seed=2)
    s = sweep("adam", surface, 60, starts=starts, compiled=True, lr=0.05)
    for i in range(12):
        tr = run("adam", surface, starts[i], 60, lr=0.05)
        last = 60 if tr.diverged_at is None else tr.diverged_at - 1
        np.testing.assert_array_equal(s.final_xy[i], tr.xy[last])
        assert s.final_loss[i] == tr.loss[last]


def test_what_the_compiled_path_does_not_serve():
    from optim_core.expression import formula_surface

    typed = formula_surface("x^2 + y^2", ((-2.0, 2.0), (-2.0, 2.0)))
    with pytest.raises(RuntimeError, match="typed surface"):
        sweep("adam", typed, 10, starts=[[1.0, 1.0]], compiled=True)
    assert sweep("adam", typed, 10, starts=[[1.0, 1.0]]).engine == "numpy"
    assert not compiled.applicable(OPTIMIZERS["lbfgs"].make(), get_surface("booth"))
    # Ackley's printed program guards sqrt's subgradient with an assignment expression, which numba rejects.
    with pytest.raises(RuntimeError, match="Compilation failed"):
        sweep("adam", "ackley", 10, starts=[[1.0, 1.0]], compiled=True)
    assert sweep("adam", "ackley", 10, starts=[[1.0, 1.0]]).engine == "numpy"


def test_a_new_setting_is_answered_by_numpy_while_it_compiles():
    opt = OPTIMIZERS["adam"].make(lr=0.01, eps=3.3e-7)  # a constant no other test compiles
    surf = get_surface("matyas")
    assert compiled.ready(opt, surf) is None  # starts compiling, does not wait
    assert compiled.ready(opt, surf, wait=True) is not None
    assert compiled._key(opt, surf) in compiled.COMPILE_SECONDS


# Grid names that reach the kernel only through the per-step scalars or the initial state (one compiled loop
# serves every cell); the values keep the state's structure (SGD's buffer needs momentum > 0 throughout).
GRID_CASES = [
    ("sgd", {"momentum": [0.3, 0.9]}, {}), ("sgd", {"momentum": [0.5, 0.9]}, {"nesterov": True, "momentum": 0.9}),
    ("asgd", {}, {"t0": 15.0}), ("adagrad", {}, {}), ("adadelta", {}, {}),
    ("rmsprop", {"momentum": [0.5, 0.9]}, {"momentum": 0.5}), ("adam", {"beta1": [0.0, 0.3, 0.9]}, {}),
    ("adamw", {"beta1": [0.2, 0.8]}, {"amsgrad": True}), ("adamax", {"beta1": [0.4, 0.6]}, {}),
    ("nadam", {"beta1": [0.5, 0.9]}, {}), ("radam", {"beta1": [0.1, 0.9]}, {}),
    ("sparseadam", {"beta1": [0.3, 0.9]}, {}), ("rprop", {}, {}),
]


@pytest.mark.parametrize(("name", "second", "hp"), GRID_CASES, ids=str)
def test_compiled_grid_equals_numpy_grid(name, second, hp):
    grid = {"lr": [1e-3, 0.02, 0.3], **second}
    starts = _starts("himmelblau", 4, seed=len(name))
    a = sweep(name, "himmelblau", 60, starts=starts, grid=grid, compiled=True, **hp)
    b = sweep(name, "himmelblau", 60, starts=starts, grid=grid, compiled=False, **hp)
    assert a.engine == "numba" and a.shape == b.shape
    for f in FIELDS:
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f), err_msg=f)


def test_a_grid_value_that_changes_the_compiled_code_stays_on_numpy():
    grid = {"lr": [0.01, 0.1], "beta2": [0.9, 0.99]}  # beta2 is a constant of Adam's compiled kernel
    with pytest.raises(RuntimeError, match="changes the compiled code"):
        sweep("adam", "booth", 10, grid=grid, compiled=True)
    assert sweep("adam", "booth", 10, grid=grid).engine == "numpy"
    with pytest.raises(RuntimeError, match="changes the compiled code"):  # momentum 0 has no buffer
        sweep("sgd", "booth", 10, grid={"momentum": [0.0, 0.9]}, compiled=True)
