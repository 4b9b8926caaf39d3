"""Schedulers against torch 2.13's own lr and momentum sequences (tests/data/golden_schedulers.json), bit for bit.

The golden file is written by scripts/make_golden_schedulers.py; torch is not needed here.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from optim_core import OPTIMIZERS
from optim_core.schedulers import SCHEDULERS, make_scheduler

GOLDEN = json.loads((Path(__file__).resolve().parent.parent / "data" / "golden_schedulers.json").read_text())

# The same table as scripts/make_golden_schedulers.py: the text a user types -> the function torch was given.
# The goldens store the typed texts; these are the same factors as Python callables, the second route a caller has.
FORMULAS = {
    "0.95^t": lambda t: 0.95 ** t,
    "min(1, (t+1)/10)": lambda t: min(1, (t + 1) / 10),
    "1/(1+0.05*t)": lambda t: 1 / (1 + 0.05 * t),
    "0.99": lambda t: 0.99,
    "min(1, 0.9 + t/1000)": lambda t: min(1, 0.9 + t / 1000),
    "(t+1)/(t+2)": lambda t: (t + 1) / (t + 2),
    "0.5^x": lambda x: 0.5 ** x,
    "1/(1+0.01*x)": lambda x: 1 / (1 + 0.01 * x),
}


def with_callables(spec):
    name, params = spec
    params = dict(params)
    for key in ("lr_lambda", "scale_fn"):
        if isinstance(params.get(key), str):
            params[key] = FORMULAS[params[key]]
    if "schedulers" in params:
        params["schedulers"] = [with_callables(c) for c in params["schedulers"]]
    return [name, params]


def _id(case) -> str:
    return f"{case['scheduler'][0]}-{case['optimizer']}-{json.dumps(case['scheduler'][1], sort_keys=True)[:60]}"


def replay(case, steps=None):
    opt = OPTIMIZERS[case["optimizer"]].make(**case["params"])
    sched = make_scheduler(with_callables(case["scheduler"]), opt, steps=steps)
    losses = case["losses"]
    lrs, moms = [], []
    for t in range(case["steps"]):
        lrs.append(sched.lr)
        moms.append(sched.momentum)
        sched.step(None if losses is None else losses[t])
    lrs.append(sched.lr)
    moms.append(sched.momentum)
    return opt, sched, lrs, moms


def _initial_momentum(opt):
    if hasattr(opt, "betas"):
        return list(opt.betas)
    return getattr(opt, "momentum", None)


@pytest.mark.parametrize("case", GOLDEN["cases"], ids=_id)
def test_lr_and_momentum_equal_torch_bit_for_bit(case):
    opt, sched, lrs, moms = replay(case, steps=case["steps"])
    assert all(type(v) is float for v in lrs)
    assert lrs == case["lr"]  # exact: == on floats, no tolerance
    if all(m is None for m in moms):  # nothing cycles: torch's group keeps the optimizer's own value
        assert all(m == _initial_momentum(opt) for m in case["momentum"])
    else:
        assert [list(m) if isinstance(m, tuple) else m for m in moms] == case["momentum"]
    if case["losses"] is None:  # the plan computed ahead is the same sequence
        assert sched.plan.lr == lrs
        assert sched.plan.momentum == (None if moms[-1] is None else moms)
    else:
        assert sched.plan is None


def _has_formula(spec) -> bool:
    name, params = spec
    return any(isinstance(params.get(k), str) for k in ("lr_lambda", "scale_fn")) or any(
        _has_formula(c) for c in params.get("schedulers", []))


@pytest.mark.parametrize("case", [c for c in GOLDEN["cases"] if _has_formula(c["scheduler"])], ids=_id)
def test_typed_factor_equals_torch_and_the_callable_route_bit_for_bit(case):
    opt = OPTIMIZERS[case["optimizer"]].make(**case["params"])
    typed = make_scheduler(case["scheduler"], opt, steps=case["steps"])  # the text through the safe parser
    lrs = []
    for _ in range(case["steps"]):
        lrs.append(typed.lr)
        typed.step(None)
    lrs.append(typed.lr)
    assert lrs == case["lr"]
    assert lrs == replay(case)[2]


def test_formula_cases_exist_for_both_factor_schedulers():
    names = {c["scheduler"][0] for c in GOLDEN["cases"] if _has_formula(c["scheduler"])}
    assert {"LambdaLR", "MultiplicativeLR"} <= names


def test_golden_covers_every_scheduler_in_three_settings_or_more():
    counts = {}
    for case in GOLDEN["cases"]:
        counts[case["scheduler"][0]] = counts.get(case["scheduler"][0], 0) + 1
    assert {s.label for s in SCHEDULERS.values()} == set(counts)
    assert min(counts.values()) >= 3
    assert GOLDEN["torch"].startswith("2.13")


@pytest.mark.parametrize("case", [c for c in GOLDEN["cases"] if c["scheduler"][0] != "ReduceLROnPlateau"][::7],
                         ids=_id)
def test_validate_for_run_leaves_the_schedule_untouched(case):
    _, _, lrs, _ = replay(case)  # no steps: no validation run
    assert lrs == case["lr"]
    opt = OPTIMIZERS[case["optimizer"]].make(**case["params"])
    sched = make_scheduler(with_callables(case["scheduler"]), opt)
    assert sched.plan is None
    assert sched.validate_for_run(case["steps"]).lr == case["lr"]
    assert sched.lr == case["lr"][0]


@pytest.mark.parametrize("case", GOLDEN["refused"], ids=lambda c: f"{c['scheduler'][0]}: {c['error'][:40]}")
def test_settings_torch_refuses_are_refused_with_torch_message(case):
    opt = OPTIMIZERS[case["optimizer"]].make(**case["params"])
    with pytest.raises(ValueError) as e:
        make_scheduler(with_callables(case["scheduler"]), opt, steps=case["steps"])
    assert str(e.value).startswith(case["error"])
    assert str(e.value) != case["error"]  # and the rule is added


SGDM = OPTIMIZERS["sgd"].make(lr=0.1, momentum=0.9)

# (spec, what the message must contain): our own checks, where torch has none or only crashes later.
INVALID = [
    (("StepLR", {}),
     "StepLR() missing required argument 'step_size' (step_size must be an integer in [1, 1000000000])"),
    (("StepLR", {"step_size": 10**9 + 1}), "step_size must be an integer in [1, 1000000000]"),
    (("StepLR", {"step_size": 10, "gama": 0.1}), "Unknown parameter 'gama' for StepLR; allowed: gamma, step_size"),
    (("StepLR", {"step_size": 0}), "Invalid step_size value: 0 (step_size must be an integer in [1, 1000000000])"),
    (("StepLR", {"step_size": 2.5}), "Invalid step_size value: 2.5 (step_size must be an integer in [1, 1000000000])"),
    (("StepLR", {"step_size": "10"}),
     "Invalid step_size value: '10' (step_size must be an integer in [1, 1000000000])"),
    (("StepLR", {"step_size": 10, "gamma": -0.5}), "Invalid gamma value: -0.5 (gamma must be a number in [0, 10])"),
    (("StepLR", {"step_size": 10, "gamma": math.nan}), "Invalid gamma value: nan (gamma must be a number in [0, 10])"),
    (("MultiStepLR", {"milestones": [10, -1]}),
     "Invalid milestones value: [10, -1] (milestones must be a list of at most 100 integers in [0, 1000000000])"),
    (("MultiStepLR", {"milestones": 10}),
     "Invalid milestones value: 10 (milestones must be a list of at most 100 integers in [0, 1000000000])"),
    (("MultiStepLR", {"milestones": list(range(101))}), "milestones must be a list of at most 100 integers"),
    (("CosineAnnealingLR", {"T_max": 0}), "Invalid T_max value: 0 (T_max must be an integer in [1, 1000000000])"),
    (("CosineAnnealingLR", {"T_max": 10, "eta_min": -1.0}), "eta_min must be a number in [0, 100]"),
    (("PolynomialLR", {"power": -1.0}), "Invalid power value: -1.0 (power must be a number in [0, 10])"),
    (("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 0}),
     "Invalid step_size_up value: 0 (step_size_up must be an integer in [1, 1000000000])"),
    (("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "scale_mode": "epochs"}),
     "Invalid scale_mode value: 'epochs' (scale_mode must be one of cycle, iterations)"),
    (("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "gamma": 1.5}), "gamma must be a number in [0, 1]"),
    (("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "cycle_momentum": "yes"}),
     "Invalid cycle_momentum value: 'yes' (cycle_momentum must be true or false)"),
    (("LambdaLR", {"lr_lambda": 5}), "Invalid lr_lambda value: 5 (lr_lambda must be a formula in t)"),
    (("ReduceLROnPlateau", {"factor": -0.5}), "Invalid factor value: -0.5 (factor must be a number in [0, 1])"),
    (("ReduceLROnPlateau", {"patience": -1}), "patience must be an integer in [0, 1000000000]"),
    (("OneCycleLR", {"max_lr": 0.1, "total_steps": 100, "div_factor": -2.0}),
     "div_factor must be a number in [0, 1000000]"),
    (("OneCycleLR", {"max_lr": 0.1, "total_steps": 10, "pct_start": 0.1}),
     "OneCycleLR fails at construction, as in torch: ZeroDivisionError"),
    (("SequentialLR", {"schedulers": [["StepLR", {"step_size": 0}]], "milestones": []}),
     "schedulers[0]: Invalid step_size value: 0 (step_size must be an integer in [1, 1000000000])"),
    (("SequentialLR", {"schedulers": [["Warmup", {}]], "milestones": []}),
     "schedulers[0]: Unknown scheduler 'Warmup'; choose one of: LambdaLR,"),
    (("ChainedScheduler", {"schedulers": [["StepLR", {"step_size": 1}], ["SequentialLR", {
        "schedulers": [["ExponentialLR", {"gamma": 2}], ["LinearLR", {"total_iters": 1.5}]], "milestones": [3]}]]}),
     "schedulers[1]: schedulers[1]: Invalid total_iters value: 1.5 (total_iters must be an integer in [0, "
     "1000000000])"),
    (("ChainedScheduler", {"schedulers": "StepLR"}), "Invalid schedulers value: 'StepLR'"),
    (("NoSuchLR", {}), "Unknown scheduler 'NoSuchLR'; choose one of: LambdaLR, MultiplicativeLR, StepLR"),
    (("StepLR", {"step_size": 5}, "extra"), "Invalid scheduler"),
]


@pytest.mark.parametrize("spec, message", INVALID, ids=[m[:50] for _, m in INVALID])
def test_invalid_settings_name_the_field_and_its_range(spec, message):
    with pytest.raises(ValueError) as e:
        make_scheduler(spec, SGDM, steps=300)
    assert message in str(e.value)


def test_a_schedule_torch_would_break_mid_run_is_refused_before_the_run():
    # triangular2 halves the height every cycle: 2.0 ** 1024 overflows in torch's own Python at cycle 1025,
    # which two-step cycles reach at step 2048
    spec = ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 1, "mode": "triangular2"})
    make_scheduler(spec, SGDM, steps=2047)
    with pytest.raises(ValueError, match=r"CyclicLR fails at step 2048 of 3000, as in torch: OverflowError"):
        make_scheduler(spec, SGDM, steps=3000)


def test_a_container_restarted_at_a_milestone_is_refused_as_torch_fails_there():
    inner = ["ChainedScheduler", {"schedulers": [["ExponentialLR", {"gamma": 0.9}]]}]
    spec = ("SequentialLR", {"schedulers": [["StepLR", {"step_size": 5}], inner], "milestones": [10]})
    make_scheduler(spec, SGDM, steps=9)
    with pytest.raises(ValueError, match="cannot restart a SequentialLR or ChainedScheduler at a milestone"):
        make_scheduler(spec, SGDM, steps=10)


def test_containers_nest_at_most_three_deep():
    spec = ["ExponentialLR", {"gamma": 0.9}]
    for _ in range(3):
        spec = ["ChainedScheduler", {"schedulers": [spec]}]
    make_scheduler(spec, SGDM, steps=10)
    with pytest.raises(ValueError, match="nest at most 3 deep"):
        make_scheduler(["ChainedScheduler", {"schedulers": [spec]}], SGDM)


def test_names_are_torch_class_names_or_lower_case_and_specs_take_three_shapes():
    for spec in (("CosineAnnealingLR", {"T_max": 5}), ("cosineannealinglr", {"T_max": 5}),
                 {"name": "CosineAnnealingLR", "params": {"T_max": 5}}, ["cosineannealinglr", {"T_max": 5}]):
        s = make_scheduler(spec, SGDM)
        s.step()
        assert s.lr == 0.1 * (1 + math.cos(math.pi / 5)) / 2
    assert make_scheduler("ConstantLR", SGDM).lr == 0.1 * (1.0 / 3)


def test_plateau_needs_the_loss():
    s = make_scheduler(("ReduceLROnPlateau", {}), SGDM)
    with pytest.raises(ValueError, match="needs the loss"):
        s.step()


def test_momentum_is_reported_only_when_a_scheduler_cycles_it():
    assert make_scheduler(("StepLR", {"step_size": 5}), SGDM).momentum is None
    cyclic = make_scheduler(("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 4}), SGDM)
    assert cyclic.momentum == 0.9 and cyclic.lr == 0.01
    adam = make_scheduler(("OneCycleLR", {"max_lr": 0.1, "total_steps": 10}), OPTIMIZERS["adam"].make())
    assert adam.momentum == (0.95, 0.999)
    chained = make_scheduler(("ChainedScheduler", {"schedulers": [
        ["StepLR", {"step_size": 3}], ["CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 4}]]}),
        OPTIMIZERS["rmsprop"].make(momentum=0.5))
    assert chained.momentum == 0.9


def test_every_optimizer_with_an_lr_takes_every_scheduler_that_does_not_need_momentum():
    for name, spec in OPTIMIZERS.items():
        opt = spec.make()
        s = make_scheduler(("CosineAnnealingLR", {"T_max": 10}), opt, steps=30)
        assert s.lr == opt.lr
        has_momentum = hasattr(opt, "momentum") or hasattr(opt, "betas")
        cyclic = ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1})
        if has_momentum:
            assert make_scheduler(cyclic, opt).momentum is not None
        else:
            with pytest.raises(ValueError, match=f"{name} has neither"):
                make_scheduler(cyclic, opt)


def test_every_parameter_has_help_in_english_and_chinese_and_a_kind():
    kinds = {"float", "int", "bool", "choice", "ints", "expression", "schedulers"}
    for spec in SCHEDULERS.values():
        assert spec.help_en and spec.help_zh and spec.name == spec.label.lower()
        for p in spec.params:
            assert p.help_en and p.help_zh, (spec.label, p.name)
            assert p.kind in kinds
            assert any("\u4e00" <= ch <= "\u9fff" for ch in p.help_zh)
            json.dumps([p.default, p.low, p.high, p.slider, p.choices])  # the API serves these as they are
        assert set(spec.required) <= {p.name for p in spec.params}
        assert set(spec.torch_checked) <= {p.name for p in spec.params}


def test_the_suggested_values_make_a_working_schedule():
    for spec in SCHEDULERS.values():
        params = {p.name: p.default for p in spec.params if p.default is not None}
        if spec.label == "OneCycleLR":
            with pytest.raises(ValueError, match="You must define either total_steps OR"):
                make_scheduler((spec.label, params), SGDM)
            params["total_steps"] = 300
        s = make_scheduler(with_callables((spec.label, params)), SGDM, steps=300)
        for _ in range(300):
            assert math.isfinite(s.lr) and s.lr >= 0
            s.step(1.0)


class _Uncopyable:
    """A formula object that refuses to be copied, as a compiled expression holding a module might."""

    def __call__(self, t):
        return 0.9 ** t

    def __deepcopy__(self, memo):
        raise TypeError("cannot copy")


def test_validate_for_run_shares_formulas_instead_of_copying_them():
    s = make_scheduler(("LambdaLR", {"lr_lambda": _Uncopyable()}), SGDM, steps=5)
    assert s.plan.lr == [0.1 * 0.9 ** t for t in range(6)]
