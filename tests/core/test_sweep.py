"""sweep(): every cell equals the single run() with its start and hyperparameters, bit for bit; shapes, summaries
and input errors."""

from __future__ import annotations

import numpy as np
import pytest

from optim_core import OPTIMIZERS, SURFACES, run, sweep
from optim_core.status import timeline
from optim_core.sweep import MAX_LBFGS_CELLS

# Values per grid name that cross the kernels' branches: zero and non-zero decay and momentum, lerp weights on
# both sides of 0.5, RAdam's rectification switching on at different steps, ASGD's averaging starting mid-run.
VALUES = {
    "momentum": [0.0, 0.5, 0.93], "dampening": [0.0, 0.3], "weight_decay": [0.0, 0.05],
    "lambd": [1e-4, 0.05], "alpha": [0.3, 0.75, 0.99], "t0": [3.0, 10.0, 1e6], "lr_decay": [0.0, 0.1],
    "initial_accumulator_value": [0.0, 0.5], "eps": [1e-10, 1e-3, 0.1], "rho": [0.4, 0.9, 0.99],
    "beta1": [0.0, 0.3, 0.9], "beta2": [0.5, 0.9, 0.999], "momentum_decay": [0.0, 0.004, 0.2],
    "etas[0]": [0.3, 0.5], "etas[1]": [1.1, 1.5], "step_sizes[0]": [1e-6, 1e-3], "step_sizes[1]": [0.5, 50.0],
}
ELEMENTWISE = [n for n in OPTIMIZERS if n != "lbfgs"]
EXTRA = {"sgd": [{}, {"nesterov": True, "momentum": 0.9}], "rmsprop": [{}, {"centered": True}],
         "adam": [{}, {"amsgrad": True}], "adamw": [{}, {"amsgrad": True}], "asgd": [{}, {"weight_decay": 0.01}]}


def _names(opt: str) -> list[str]:
    out = []
    for p in OPTIMIZERS[opt].params:
        if p.kind == "float" and p.name != "lr":
            out.append(p.name)
        elif p.kind == "pair":
            out += ["beta1", "beta2"] if p.name == "betas" else [f"{p.name}[0]", f"{p.name}[1]"]
    return out


def _cases():
    for opt in ELEMENTWISE:
        for extra in EXTRA.get(opt, [{}]):
            for name in _names(opt):
                yield opt, name, extra


def _values(opt: str, name: str, extra: dict, rng) -> np.ndarray:
    values = list(VALUES[name])
    if opt == "sgd" and extra.get("nesterov"):
        values = [v for v in values if v > 0] if name == "momentum" else [0.0] if name == "dampening" else values
    if opt == "sparseadam" and name == "eps":
        values = [v for v in values if v > 0]
    return np.array(values + [float(rng.choice(values))])  # a repeated value: two cells, one run each


def _check_cell(s, index, opt, surface, steps, **kw):
    cell = s.cell(index)
    tr = run(opt, surface, cell.pop("start"), steps, **cell, **kw)
    at = -1 if tr.diverged_at is None else tr.diverged_at
    last = steps if at < 0 else at - 1
    assert s.diverged_at[index] == at, (index, cell)
    if last >= 0:
        np.testing.assert_array_equal(s.final_xy[index], tr.xy[last], err_msg=str((index, cell)))
        np.testing.assert_array_equal(s.final_loss[index], tr.loss[last])
    return tr


@pytest.mark.parametrize(("opt", "name", "extra"), list(_cases()), ids=lambda v: str(v))
def test_every_cell_equals_its_single_run_bit_for_bit(opt, name, extra):
    rng = np.random.default_rng(abs(hash((opt, name))) % 2**32)
    surface = "himmelblau" if len(name) % 2 else "rosenbrock"
    (x0, x1), (y0, y1) = SURFACES[surface].domain
    starts = np.column_stack([rng.uniform(x0, x1, 2), rng.uniform(y0, y1, 2)])
    lr = np.exp(rng.uniform(np.log(1e-4), np.log(0.3), 3))
    if opt == "adadelta":
        lr = lr * 10
    grid = {"lr": lr, name: _values(opt, name, extra, rng)}
    s = sweep(opt, surface, 40, starts=starts, grid=grid, **extra)
    assert s.shape == (2, 3, grid[name].size) and s.engine in ("numpy", "numba")
    for index in np.ndindex(*s.shape):
        _check_cell(s, index, opt, surface, 40)


@pytest.mark.parametrize("opt", ELEMENTWISE)
def test_noisy_cells_draw_the_single_runs_noise(opt):
    grid = {"lr": [1e-3, 0.03, 0.2]}
    s = sweep(opt, "booth", 30, starts=[[1.0, -2.0], [-3.0, 4.0]], grid=grid, noise=0.7, seed=11)
    for index in np.ndindex(*s.shape):
        _check_cell(s, index, opt, "booth", 30, noise=0.7, seed=11)


def test_starts_alone_match_a_batch_run_and_timeline_on_convergence():
    rng = np.random.default_rng(3)
    starts = rng.uniform(-5, 5, (40, 2))
    s = sweep("adam", "himmelblau", 90, starts=starts, lr=0.1)
    assert s.shape == (40,) and s.final_xy.shape == (40, 2)
    batch = run("adam", "himmelblau", starts, 90, lr=0.1)
    np.testing.assert_array_equal(s.final_xy, batch.xy[:, -1])
    assert s.converged.any() and not s.converged.all()
    for i in range(40):
        tl = timeline(batch.row(i), "himmelblau")
        known = tl.codes[-1] == "converged" and tl.minimum[-1] >= 0
        assert bool(s.converged[i]) == known
        if known:
            assert s.steps_to_converge[i] == tl.steps[-1] and s.minimum[i] == tl.minimum[-1]
        else:
            assert s.steps_to_converge[i] == -1


def test_diverged_cells_keep_their_last_finite_point():
    s = sweep("sgd", "quadratic", 60, starts=[[1.0, 1.0]], grid={"lr": [0.1, 1.5, 50.0]})
    assert s.diverged_at[0].tolist()[0] == -1 and (s.diverged_at[0, 1:] > 0).all()
    assert not s.converged[0, 1:].any() and (s.minimum[0, 1:] == -1).all()
    assert np.isfinite(s.final_xy).all() and np.isfinite(s.final_loss).all()


def test_grid_only_uses_the_surface_start_and_two_axes_keep_their_order():
    s = sweep("adam", "beale", 20, grid={"beta2": [0.9, 0.99], "lr": [0.01, 0.1, 0.2]})
    assert s.shape == (2, 3)
    cell = s.cell((1, 2))
    assert cell["betas"] == (0.9, 0.99) and cell["lr"] == 0.2
    assert cell["start"].tolist() == list(SURFACES["beale"].start)
    _check_cell(s, (1, 2), "adam", "beale", 20)


def test_lbfgs_runs_per_cell_and_matches_run():
    s = sweep("lbfgs", "rosenbrock", 8, starts=[[-1.5, 2.0], [0.5, 0.5]], grid={"lr": [0.1, 1.0]},
              line_search_fn="strong_wolfe")
    for index in np.ndindex(*s.shape):
        _check_cell(s, index, "lbfgs", "rosenbrock", 8)
    with pytest.raises(ValueError, match=f"at most {MAX_LBFGS_CELLS}"):
        sweep("lbfgs", "rosenbrock", 2, starts=np.zeros((MAX_LBFGS_CELLS + 1, 2)))


def test_typed_surface():
    from optim_core.expression import formula_surface

    surf = formula_surface("x^2 + 3*y^2 + x*y", ((-2.0, 2.0), (-2.0, 2.0)))
    s = sweep("rmsprop", surf, 25, starts=[[1.0, 1.0], [-1.5, 0.5]], grid={"momentum": [0.0, 0.5]}, lr=0.01)
    for index in np.ndindex(*s.shape):
        _check_cell(s, index, "rmsprop", surf, 25)
    assert (s.minimum == -1).all()  # a typed surface lists no minima


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"grid": {"amsgrad": [0, 1]}}, "Invalid grid name 'amsgrad' for adam .*beta1, beta2"),
    ({"grid": {"betas": [0.9]}}, "Invalid grid name 'betas'"),
    ({"grid": {"lr": [[0.1]]}}, "Invalid grid values for 'lr' .*1-D"),
    ({"grid": {"lr": []}}, "Invalid grid values for 'lr'"),
    ({"grid": {"lr": [0.1, np.nan]}}, "every value must be finite"),
    ({"grid": {"lr": [0.1], "eps": [1e-8], "beta1": [0.9]}}, "one or two"),
    ({"grid": {"beta1": [0.5, 1.0]}}, r"betas\[0\] must be in \[0, 1\).*beta1=.*1\.0"),
    ({"grid": {"lr": [-1.0]}}, "lr must be >= 0"),
    ({"starts": [[0.0, 0.0, 0.0]]}, "Invalid starts shape"),
    ({"starts": [[0.0, np.inf]]}, "finite"),
    ({}, "give starts"),
    ({"starts": np.zeros((600, 2)), "grid": {"lr": np.ones(600)}}, "Invalid sweep size"),
])
def test_bad_input_names_the_field(kwargs, message):
    with pytest.raises(ValueError, match=message):
        sweep("adam", "rosenbrock", 10, **kwargs)


def test_sgd_nesterov_rule_is_checked_per_cell():
    with pytest.raises(ValueError, match="momentum=0.0"):
        sweep("sgd", "booth", 5, grid={"momentum": [0.0, 0.9]}, nesterov=True)


def test_a_batch_with_beta1_below_one_half_equals_single_runs():
    """lerp's weight 1 - beta1 >= 0.5 takes ATen's other formula, fma(start - end, 1 - weight, end), with a
    scalar middle operand (the NumPy fma used to fail on it)."""
    starts = np.array([[1.0, -2.0], [-3.0, 4.0], [0.5, 0.5]])
    batch = run("adam", "booth", starts, 30, betas=(0.3, 0.9), lr=0.1)
    s = sweep("adam", "booth", 30, starts=starts, betas=(0.3, 0.9), lr=0.1, compiled=False)
    for i in range(3):
        single = run("adam", "booth", starts[i], 30, betas=(0.3, 0.9), lr=0.1)
        np.testing.assert_array_equal(batch.xy[i], single.xy)
        np.testing.assert_array_equal(s.final_xy[i], single.xy[-1])


@pytest.mark.parametrize("opt", [n for n in OPTIMIZERS])
def test_each_rule_bounds_one_grid_value_so_checking_axes_covers_every_cell(opt):
    """sweep() checks each axis's values alone (a 200 x 200 grid would otherwise build 40,000 optimizers):
    sound only while no torch rule ties two numeric values. Every pair of grid names, valid and invalid values."""
    from optim_core.sweep import _set_value

    probe = [-0.5, 0.0, 0.3, 0.9, 1.0, 1.5, 60.0]
    bases = [{}] + [e for e in EXTRA.get(opt, []) if e]
    names = ["lr"] + _names(opt) if opt != "lbfgs" else ["lr", "tolerance_grad", "tolerance_change"]
    spec = OPTIMIZERS[opt]
    for extra in bases:
        base = spec.make(**extra).hyperparameters()

        def ok(base=base, **values):
            hp = dict(base)
            for n, v in values.items():
                _set_value(hp, n, v)
            try:
                spec.cls(**hp)
                return True
            except ValueError:
                return False

        for a in names:
            for b in names:
                if a >= b:
                    continue
                for va in probe:
                    for vb in probe:
                        assert ok(**{a: va, b: vb}) == (ok(**{a: va}) and ok(**{b: vb})), (opt, extra, a, va, b, vb)


def test_zero_steps_summarize_the_start():
    s = sweep("adam", "rosenbrock", 0, starts=[[1.0, 2.0], [1.0, 1.0]])
    assert s.final_xy.tolist() == [[1.0, 2.0], [1.0, 1.0]] and s.final_loss.tolist() == [100.0, 0.0]
    assert s.converged.tolist() == [False, True] and s.steps_to_converge.tolist() == [-1, 0]
