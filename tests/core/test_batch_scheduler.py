"""A batch run with a scheduler: one schedule shared by every row, and row i equals the single scheduled run from
start i, bit for bit (points, losses, status, the lr and momentum sequences)."""

import numpy as np
import pytest

from optim_core import run

STARTS = np.array([[-1.5, 2.0], [0.5, -0.5], [1.2, 1.2], [-0.3, 0.8]])

CASES = [
    ("sgd", {"lr": 0.001, "momentum": 0.9}, ("StepLR", {"step_size": 7, "gamma": 0.5})),
    ("sgd", {"lr": 0.001, "momentum": 0.9, "nesterov": True},
     ("CyclicLR", {"base_lr": 1e-4, "max_lr": 2e-3, "step_size_up": 5, "mode": "triangular2"})),
    ("adam", {"lr": 0.05}, ("OneCycleLR", {"max_lr": 0.1, "total_steps": 40, "anneal_strategy": "linear"})),
    ("adamw", {"lr": 0.05, "amsgrad": True}, ("CosineAnnealingWarmRestarts", {"T_0": 6, "T_mult": 2})),
    ("rmsprop", {"lr": 0.01, "momentum": 0.5}, ("OneCycleLR", {"max_lr": 0.02, "total_steps": 45})),
    ("adagrad", {"lr": 0.1}, ("SequentialLR", {"schedulers": [["LinearLR", {"start_factor": 0.1, "total_iters": 5}],
                                                              ["ExponentialLR", {"gamma": 0.9}]],
                                               "milestones": [5]})),
    ("nadam", {"lr": 0.02}, ("LambdaLR", {"lr_lambda": "1/(1+t)"})),
    ("rprop", {"lr": 0.01}, ("ChainedScheduler", {"schedulers": [["ConstantLR", {"factor": 0.5, "total_iters": 9}],
                                                                  ["MultiStepLR", {"milestones": [10, 20]}]]})),
    ("lbfgs", {"lr": 0.5}, ("PolynomialLR", {"total_iters": 30, "power": 2.0})),
]


def _same(a, b):
    return a.shape == b.shape and np.array_equal(a, b, equal_nan=True)


@pytest.mark.parametrize("optimizer, hyper, scheduler", CASES, ids=[f"{c[0]}-{c[2][0]}" for c in CASES])
@pytest.mark.parametrize("noise", [0.0, 0.3])
def test_batch_row_equals_the_single_scheduled_run(optimizer, hyper, scheduler, noise):
    steps = 40
    batch = run(optimizer, "rosenbrock", STARTS, steps, scheduler=scheduler, noise=noise, seed=3, **hyper)
    # a batch row's noise is drawn for its row index and a single run's for row 0: with noise, row 0 is compared
    for i, start in enumerate(STARTS if noise == 0 else STARTS[:1]):
        single = run(optimizer, "rosenbrock", start, steps, scheduler=scheduler, noise=noise, seed=3, **hyper)
        row = batch.row(i)
        assert _same(row.xy, single.xy), (i, row.xy[:5], single.xy[:5])
        assert _same(row.loss, single.loss)
        assert row.status == single.status and row.diverged_at == single.diverged_at
    assert single.diverged_at is None  # the last start runs to the end, so its lr covers every step
    assert _same(batch.lr, single.lr)
    assert (batch.momentum is None) == (single.momentum is None)
    if batch.momentum is not None:
        assert _same(batch.momentum, single.momentum)


def test_the_schedule_changes_the_batch():
    plain = run("sgd", "rosenbrock", STARTS, 30, lr=0.001)
    scheduled = run("sgd", "rosenbrock", STARTS, 30, lr=0.001, scheduler=("StepLR", {"step_size": 3}))
    assert not np.array_equal(plain.xy, scheduled.xy, equal_nan=True)
    assert plain.lr is None and scheduled.lr.shape == (31,) and np.isnan(scheduled.lr[0])
    assert scheduled.lr[1:4].tolist() == [0.001] * 3 and scheduled.lr[4] == 0.001 * 0.1


def test_a_diverging_row_stops_and_the_others_go_on():
    starts = np.array([[-1.5, 2.0], [40.0, 40.0]])
    tr = run("sgd", "rosenbrock", starts, 30, lr=1e-5, scheduler=("ExponentialLR", {"gamma": 1.2}))
    assert list(tr.status) == ["ok", "diverged"]
    for i in range(2):
        single = run("sgd", "rosenbrock", starts[i], 30, lr=1e-5, scheduler=("ExponentialLR", {"gamma": 1.2}))
        assert _same(tr.row(i).xy, single.xy) and tr.row(i).diverged_at == single.diverged_at


def test_reduce_on_plateau_is_refused_on_a_batch_with_a_clear_message():
    with pytest.raises(ValueError, match="ReduceLROnPlateau cannot drive a batch"):
        run("sgd", "booth", STARTS, 10, scheduler=("ReduceLROnPlateau", {}))
    single = run("sgd", "booth", STARTS[0], 10, scheduler=("ReduceLROnPlateau", {}))
    assert single.lr.shape == (11,)


def test_refusals_of_the_schedule_are_the_cores_on_a_batch_too():
    with pytest.raises(ValueError, match="total_steps must be at least the run's 20 steps"):
        run("adam", "booth", STARTS, 20, scheduler=("OneCycleLR", {"max_lr": 0.1, "total_steps": 10}))


@pytest.mark.parametrize("optimizer, hyper, scheduler", CASES, ids=[f"{c[0]}-{c[2][0]}" for c in CASES])
def test_a_planned_schedule_equals_the_scheduler_stepped_live(optimizer, hyper, scheduler):
    # A spec's schedule is read from its plan (no scheduler in the loop); a scheduler object made without steps has
    # no plan and is stepped after every step, as torch does. Same path, same lr record, bit for bit; and the
    # streamed segments put together are the run.
    from optim_core import OPTIMIZERS, iter_run, make_scheduler

    steps = 40
    planned = run(optimizer, "rosenbrock", STARTS[0], steps, scheduler=scheduler, noise=0.2, seed=5, **hyper)
    live_sched = make_scheduler(scheduler, OPTIMIZERS[optimizer].make(**hyper))
    assert live_sched.plan is None
    live = run(optimizer, "rosenbrock", STARTS[0], steps, scheduler=live_sched, noise=0.2, seed=5, **hyper)
    for name in ("xy", "loss", "lr", "momentum"):
        a, b = getattr(planned, name), getattr(live, name)
        assert (a is None) == (b is None) and (a is None or _same(a, b)), name
    segments = list(iter_run(optimizer, "rosenbrock", STARTS[0], steps, chunk=7, scheduler=scheduler, noise=0.2,
                             seed=5, **hyper))
    assert _same(np.concatenate([s.lr for s in segments]), planned.lr[: sum(len(s.lr) for s in segments)])
    assert _same(np.concatenate([s.xy for s in segments]), planned.xy[: sum(len(s.xy) for s in segments)])
