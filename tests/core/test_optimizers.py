"""Hyperparameter validation, specs and the optimizers' own behavior (torch parity is in test_golden.py)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from optim_core import OPTIMIZERS, Surface, run
from optim_core.backend import ARRAY, FLOAT, fma

# torch.optim 2.13's constructor defaults for every keyword that changes the math.
TORCH_DEFAULTS = {
    "sgd": dict(lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, maximize=False),
    "asgd": dict(lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, maximize=False),
    "adagrad": dict(lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10, maximize=False),
    "adadelta": dict(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, maximize=False),
    "rmsprop": dict(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False, maximize=False),
    "adam": dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, maximize=False,
                 decoupled_weight_decay=False),
    "adamw": dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, maximize=False),
    "adamax": dict(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, maximize=False),
    "nadam": dict(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                  decoupled_weight_decay=False, maximize=False),
    "radam": dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False,
                  maximize=False),
    "sparseadam": dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, maximize=False),
    "lbfgs": dict(lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7, tolerance_change=1e-9, history_size=100,
                  line_search_fn=None),
    "rprop": dict(lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), maximize=False),
}

# (optimizer, hyperparameters, fragment of the error message): torch's text plus the allowed range.
INVALID = [
    ("sgd", {"lr": -1.0}, "Invalid learning rate: -1.0 (lr must be >= 0)"),
    ("sgd", {"momentum": -0.1}, "Invalid momentum value: -0.1 (momentum must be >= 0)"),
    ("sgd", {"weight_decay": -1e-3}, "Invalid weight_decay value: -0.001"),
    ("sgd", {"nesterov": True}, "Nesterov momentum requires a momentum and zero dampening"),
    ("sgd", {"nesterov": True, "momentum": 0.9, "dampening": 0.1}, "Nesterov momentum requires a momentum and zero"),
    ("sgd", {"nesterov": "yes"}, "Invalid nesterov value: 'yes' (nesterov must be true or false)"),
    ("sgd", {"lr": float("nan")}, "Invalid lr value: nan (lr must be finite)"),
    ("sgd", {"lr": float("inf")}, "lr must be finite"),
    ("sgd", {"lr": "0.1"}, "lr must be a number"),
    ("sgd", {"momentun": 0.9}, "Unknown hyperparameter 'momentun' for sgd"),
    ("asgd", {"lr": -0.5}, "Invalid learning rate: -0.5"),
    ("asgd", {"weight_decay": -1.0}, "Invalid weight_decay value: -1.0"),
    ("adagrad", {"lr_decay": -1.0}, "Invalid lr_decay value: -1.0 (lr_decay must be >= 0)"),
    ("adagrad", {"initial_accumulator_value": -1.0}, "Invalid initial_accumulator_value value: -1.0"),
    ("adagrad", {"eps": -1e-10}, "Invalid epsilon value: -1e-10 (eps must be >= 0)"),
    ("adadelta", {"rho": 1.5}, "Invalid rho value: 1.5 (rho must be in [0, 1])"),
    ("adadelta", {"rho": -0.1}, "Invalid rho value: -0.1"),
    ("rmsprop", {"alpha": -0.5}, "Invalid alpha value: -0.5 (alpha must be >= 0)"),
    ("rmsprop", {"momentum": -0.5}, "Invalid momentum value: -0.5"),
    ("adam", {"betas": (1.0, 0.999)}, "Invalid beta parameter at index 0: 1.0 (betas[0] must be in [0, 1))"),
    ("adam", {"betas": (0.9, -0.1)}, "Invalid beta parameter at index 1: -0.1"),
    ("adam", {"betas": (0.9,)}, "Invalid betas value: (0.9,) (betas must be a pair of numbers)"),
    ("adam", {"eps": -1.0}, "Invalid epsilon value: -1.0"),
    ("adam", {"amsgrad": 1}, "amsgrad must be true or false"),
    ("adamw", {"weight_decay": -0.01}, "Invalid weight_decay value: -0.01"),
    ("adamw", {"decoupled_weight_decay": False}, "Unknown hyperparameter 'decoupled_weight_decay' for adamw"),
    ("adamax", {"betas": (0.9, 1.0)}, "Invalid beta parameter at index 1: 1.0"),
    ("nadam", {"momentum_decay": -1.0}, "Invalid momentum_decay value: -1.0 (momentum_decay must be >= 0)"),
    ("radam", {"lr": -1e-3}, "Invalid learning rate: -0.001"),
    ("sparseadam", {"lr": 0.0}, "Invalid learning rate: 0.0 (lr must be > 0)"),
    ("sparseadam", {"eps": 0.0}, "Invalid epsilon value: 0.0 (eps must be > 0)"),
    ("sparseadam", {"weight_decay": 0.1}, "Unknown hyperparameter 'weight_decay' for sparseadam"),
    ("rprop", {"etas": (1.5, 1.2)}, "Invalid eta values: 1.5, 1.2 (etas must satisfy 0 < etas[0] < 1 < etas[1])"),
    ("rprop", {"etas": (0.5, 0.9)}, "Invalid eta values: 0.5, 0.9"),
    ("lbfgs", {"max_iter": 0}, "Invalid max_iter value: 0 (max_iter must be >= 1)"),
    ("lbfgs", {"max_iter": 2.5}, "max_iter must be an integer"),
    ("lbfgs", {"history_size": 0}, "Invalid history_size value: 0"),
    ("lbfgs", {"line_search_fn": "backtracking"}, "line_search_fn must be one of [None, 'strong_wolfe']"),
    ("lbfgs", {"lr": -1.0}, "Invalid learning rate: -1.0"),
]


@pytest.mark.parametrize(("name", "params", "message"), INVALID, ids=[f"{n}-{m[:30]}" for n, _, m in INVALID])
def test_invalid_hyperparameters_raise_value_error_naming_the_field(name, params, message):
    with pytest.raises(ValueError) as err:
        OPTIMIZERS[name].make(**params)
    assert message in str(err.value)


@pytest.mark.parametrize("name", list(TORCH_DEFAULTS))
def test_keywords_and_defaults_are_torchs(name):
    spec = OPTIMIZERS[name]
    assert spec.defaults() == {k: v for k, v in TORCH_DEFAULTS[name].items()}
    fields = {f.name: f.default for f in dataclasses.fields(spec.cls)}
    assert fields == spec.defaults()
    made = spec.make().hyperparameters()
    expected = dict(TORCH_DEFAULTS[name])
    if name == "lbfgs":
        expected["max_eval"] = 20 * 5 // 4  # torch fills max_eval = max_iter * 5 // 4
    assert made == expected


def test_every_spec_has_bilingual_help_latex_and_sane_bounds():
    assert list(OPTIMIZERS) == ["sgd", "asgd", "adagrad", "adadelta", "rmsprop", "adam", "adamw", "adamax", "nadam",
                                "radam", "sparseadam", "lbfgs", "rprop"]
    for spec in OPTIMIZERS.values():
        assert spec.latex and spec.help_en and spec.help_zh
        for hp in spec.params:
            assert hp.help_en and hp.help_zh, f"{spec.name}.{hp.name}"
            if hp.kind in ("float", "int", "pair"):
                assert hp.low is not None and hp.high is not None and hp.low < hp.high
                default = hp.default if hp.kind == "pair" else (hp.default,)
                assert all(d is None or hp.low <= d <= hp.high for d in default), f"{spec.name}.{hp.name}"
            if hp.log:
                assert hp.slider[0] > 0, f"{spec.name}.{hp.name}: a log slider needs a positive start"


def test_fma_rounds_once():
    # 0.1 * 10 - 1 is exactly 2**-54 * 1 in real arithmetic; a separate multiply rounds it away to 0.
    assert 0.1 * 10.0 - 1.0 == 0.0
    assert fma(0.1, 10.0, -1.0) == 5.551115123125783e-17
    a = np.array([0.1, 3.0]), np.array([10.0, 7.0]), np.array([-1.0, 1.0])
    assert ARRAY.fma(*a).tolist() == [fma(0.1, 10.0, -1.0), 22.0]
    assert FLOAT.lerp(0.0, 1.0, 0.9) == fma(0.0 - 1.0, 1.0 - 0.9, 1.0)


def _relu_valley() -> Surface:
    """f = x^2 + max(y, 0)^2: the y-gradient is exactly zero once y < 0."""

    def fg(x, y, b):
        r = b.maximum(y, 0.0)
        return x * x + r * r, 2.0 * x, 2.0 * r

    return Surface("relu_valley", "ReLU valley", lambda x, y, b: fg(x, y, b)[0], fg, ((-2.0, 2.0), (-2.0, 2.0)),
                   ((0.0, 0.0),), (1.0, 0.5), "x^2 + \\max(y, 0)^2")


def test_sparseadam_freezes_coordinates_whose_gradient_is_zero_where_adam_coasts():
    surface = _relu_valley()
    adam = run("adam", surface, [1.0, 0.05], 60, lr=0.1)
    sparse = run("sparseadam", surface, [1.0, 0.05], 60, lr=0.1)
    # Both cross into y < 0 where df/dy == 0.
    first_negative = int(np.argmax(sparse.xy[:, 1] < 0))
    assert first_negative > 0
    y_sparse = sparse.xy[first_negative:, 1]
    assert np.all(y_sparse == y_sparse[0]), "SparseAdam must not move y while its gradient is zero"
    y_adam = adam.xy[:, 1]
    assert y_adam[-1] < y_adam[int(np.argmax(y_adam < 0))] - 1e-3, "Adam keeps moving y on its momentum"


def test_sparseadam_keeps_eps_outside_the_bias_correction_unlike_adam():
    # With dense gradients the two differ only in where eps sits; a large eps makes that visible.
    adam = run("adam", "booth", [0.0, 0.0], 5, lr=0.1, eps=0.5)
    sparse = run("sparseadam", "booth", [0.0, 0.0], 5, lr=0.1, eps=0.5)
    assert np.all(np.abs(adam.xy[1:] - sparse.xy[1:]) > 1e-6)
    # Step 1 by hand: m = 0.1 g, v = 0.001 g^2; Adam's step is lr*g/(|g| + eps) per coordinate, SparseAdam's is
    # lr*g/(|g| + eps/sqrt(0.001)).
    g = -np.array([-34.0, -38.0])  # -grad of booth at the origin
    assert adam.xy[1] == pytest.approx(0.1 * g / (np.abs(g) + 0.5), rel=1e-12)
    assert sparse.xy[1] == pytest.approx(0.1 * g / (np.abs(g) + 0.5 / math.sqrt(1 - 0.999)), rel=1e-12)


def test_adamw_is_adam_with_decoupled_weight_decay():
    a = run("adamw", "himmelblau", [1.0, 1.0], 100, lr=0.05, weight_decay=0.3)
    b = run("adam", "himmelblau", [1.0, 1.0], 100, lr=0.05, weight_decay=0.3, decoupled_weight_decay=True)
    c = run("adam", "himmelblau", [1.0, 1.0], 100, lr=0.05, weight_decay=0.3)
    assert np.array_equal(a.xy, b.xy)
    assert not np.allclose(a.xy, c.xy)


def test_maximize_climbs():
    down = run("sgd", "matyas", [1.0, 2.0], 50, lr=0.1)
    up = run("sgd", "matyas", [1.0, 2.0], 50, lr=0.1, maximize=True)
    assert down.loss[-1] < down.loss[0] < up.loss[-1]


def test_nesterov_differs_from_plain_momentum():
    plain = run("sgd", "beale", [1.0, 1.5], 50, lr=1e-3, momentum=0.9)
    nag = run("sgd", "beale", [1.0, 1.5], 50, lr=1e-3, momentum=0.9, nesterov=True)
    assert not np.allclose(plain.xy, nag.xy)


def test_rprop_steps_are_bounded_by_step_sizes():
    tr = run("rprop", "rosenbrock", [-1.5, 2.0], 100, lr=0.01, step_sizes=(1e-6, 0.05))
    steps = np.abs(np.diff(tr.xy, axis=0))
    assert steps.max() <= 0.05 + 1e-15


def test_lbfgs_reports_each_step_evaluations_within_max_eval():
    tr = run("lbfgs", "rosenbrock", [-1.5, 2.0], 10, line_search_fn="strong_wolfe", max_iter=5, max_eval=8)
    assert len(tr.evals) == 10
    for i, pts in enumerate(tr.evals):
        assert 1 <= len(pts) <= 8
        assert pts[0].tolist() == tr.xy[i].tolist()  # the closure first evaluates where the step starts
    assert tr.loss[-1] < 1e-3


def test_lbfgs_reports_inner_iterates_ending_where_the_step_ends():
    tr = run("lbfgs", "beale", [1.0, 1.5], 6, max_iter=7)
    assert len(tr.inner) == 6
    for i, pts in enumerate(tr.inner):
        if len(pts):  # a converged step returns before any inner iteration
            assert 1 <= len(pts) <= 7
            assert pts[-1].tolist() == tr.xy[i + 1].tolist()
    assert len(tr.inner[0]) == 7  # the first step runs all max_iter iterations from this start


def test_lbfgs_line_search_stepping_off_the_surface_is_divergence_not_a_crash():
    # f is undefined beyond x = 1 (sqrt of a negative), and the search's first trial step lands there.
    def fg(x, y, b):
        r = b.sqrt(1.0 - x)
        return y * y - r, 0.5 / r, 2.0 * y

    surface = Surface("cliff", "cliff", lambda x, y, b: fg(x, y, b)[0], fg, ((-2.0, 2.0), (-2.0, 2.0)), (),
                      (0.0, 1.0), "y^2 - \\sqrt{1 - x}")
    tr = run("lbfgs", surface, [0.0, 1.0], 20, line_search_fn="strong_wolfe", lr=10.0)
    # The first step's search leaves the domain, so the path ends after its start point.
    assert tr.status == "diverged" and tr.diverged_at == 1
    assert tr.xy[0].tolist() == [0.0, 1.0] and np.isnan(tr.xy[1:]).all()


def test_lbfgs_line_search_turns_torchs_index_error_on_a_nan_loss_into_divergence():
    # A nan loss with a small directional derivative sends torch's _strong_wolfe past the end of its bracket
    # (nan <= nan is false): torch raises IndexError. Ours says the path left the reals, which run() reports.
    opt = OPTIMIZERS["lbfgs"].make(line_search_fn="strong_wolfe")

    def objective(p):
        return (1.0, [1.0, 0.0]) if p.tolist() == [0.0, 0.0] else (math.nan, [0.0, 0.0])

    with pytest.raises(ValueError, match="non-finite loss"):
        opt.step(np.zeros(2), None, opt.init(np.zeros(2)), objective=objective)


def test_numpy_scalars_and_arrays_are_accepted_as_hyperparameters():
    rng = np.random.default_rng(0)
    a = OPTIMIZERS["adam"].make(lr=np.float64(0.01), betas=np.array([0.9, 0.99]), amsgrad=np.bool_(True),
                                weight_decay=np.float32(0.5))
    assert a.hyperparameters()["betas"] == (0.9, 0.99) and a.amsgrad is True and type(a.lr) is float
    b = OPTIMIZERS["lbfgs"].make(max_iter=np.int64(7), history_size=rng.integers(5, 6))
    assert b.max_iter == 7 and type(b.max_iter) is int and b.history_size == 5
    with pytest.raises(ValueError, match="max_iter must be an integer"):
        OPTIMIZERS["lbfgs"].make(max_iter=np.float64(2.5))
    with pytest.raises(ValueError, match="must be true or false"):
        OPTIMIZERS["adam"].make(amsgrad=np.int64(1))
