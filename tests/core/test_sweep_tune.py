"""tune(): the same lr grid and number of runs for every optimizer, the stated rule (ties to the larger lr), the
best setting reproduced by run(), and the rule's sentence in en and zh."""

from __future__ import annotations

import math

import numpy as np
import pytest

from optim_core import run, tune
from optim_core.tune import LR_RANGE, RULE_TEMPLATES, _pick


def test_every_optimizer_gets_the_same_runs_and_the_best_is_reproduced_by_run():
    t = tune(["sgd", "adam", "rmsprop"], "beale", [1.0, 1.5], 80, budget=9)
    assert t.rule.evaluations == 9 and len(t.rule.lr) == 9
    assert t.rule.lr[0] == pytest.approx(LR_RANGE[0]) and t.rule.lr[-1] == pytest.approx(LR_RANGE[1])
    for name, r in t.results.items():
        assert r.objective.shape == (9,) and list(r.lr) == list(t.rule.lr)
        assert r.best is not None and r.best_value == np.nanmin(r.objective)
        tr = run(name, "beale", [1.0, 1.5], 80, **r.best)
        assert tr.status == "ok" and tr.loss[-1] == r.best_value
        # nothing better elsewhere, and no equal value at a larger lr
        i = list(r.lr).index(r.best["lr"])
        assert not (r.objective[i + 1:] <= r.best_value).any()


def test_same_inputs_same_result():
    a = tune(["adam", "nadam"], "rosenbrock", [-1.5, 2.0], 60, budget=6, noise=0.5, seed=3)
    b = tune(["adam", "nadam"], "rosenbrock", [-1.5, 2.0], 60, budget=6, noise=0.5, seed=3)
    for name in a.results:
        np.testing.assert_array_equal(a.results[name].objective, b.results[name].objective)
        assert a.results[name].best == b.results[name].best
    assert a.rule == b.rule


def test_ties_go_to_the_larger_lr_then_the_first_second_value():
    assert _pick(np.array([3.0, 1.0, 1.0, np.inf])) == (2,)
    assert _pick(np.array([[1.0, 1.0], [2.0, 1.0], [np.inf, np.inf]])) == (1, 1)
    assert _pick(np.array([[1.0, 1.0], [1.0, 1.0]])) == (1, 0)
    assert _pick(np.full(4, np.inf)) is None


def test_steps_to_converge_with_a_second_hyperparameter():
    second = {"sgd": ("momentum", [0.0, 0.5, 0.9]), "adam": ("beta1", [0.0, 0.5, 0.9])}
    t = tune(["sgd", "adam"], "quadratic", [1.5, -1.0], 100, objective="steps_to_converge", budget=8,
             second=second)
    assert t.rule.evaluations == 24 and t.rule.second["sgd"] == ("momentum", (0.0, 0.5, 0.9))
    for name, r in t.results.items():
        assert r.objective.shape == (8, 3) and r.second_name == second[name][0]
        finite = r.objective[np.isfinite(r.objective)]
        assert finite.size and (finite == np.round(finite)).all()
        best = r.best_value
        i, j = np.argwhere(r.objective == best)[-1]  # the largest lr among the ties
        assert r.best["lr"] == r.lr[i]
        s = r.sweep
        assert s.steps_to_converge[i, j] == best and s.converged[i, j]
    assert t.results["adam"].best["betas"][0] in (0.0, 0.5, 0.9)


def test_an_optimizer_with_no_run_that_counts_has_no_best():
    t = tune(["sgd"], "rosenbrock", [-1.5, 2.0], 5, objective="steps_to_converge", budget=4)
    r = t.results["sgd"]
    assert r.best is None and r.best_value == math.inf and np.isinf(r.objective).all()


@pytest.mark.parametrize("lang", list(RULE_TEMPLATES))
def test_rule_sentence_in_every_language(lang):
    for objective in ("final_loss", "steps_to_converge"):
        t = tune(["adagrad"], "booth", [-8.0, 8.0], 10, budget=3, objective=objective,
                 second={"adagrad": ("eps", [1e-10, 1e-3])})
        text = t.rule.sentence(lang)
        assert "{" not in text and "6" in text and "1e-5" in text and "(-8, 8)" in text
        assert RULE_TEMPLATES[lang][objective] in text
    d = t.rule.to_dict()
    assert d["tie_break"] == "larger_lr" and d["second"]["adagrad"]["name"] == "eps"


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"optimizers": ["adam", "adam"]}, "name each optimizer once"),
    ({"optimizers": ["nope"]}, "Unknown optimizer 'nope'"),
    ({"objective": "speed"}, r"Invalid objective value: 'speed' \(objective must be one of"),
    ({"budget": 1}, r"budget must be an integer in \[2, 64\]"),
    ({"budget": 2.5}, "Invalid budget value"),
    ({"second": {"adam": ("beta1", [0.9])}}, "map every optimizer"),
    ({"second": {"adam": ("beta1", [0.9]), "sgd": ("momentum", [0.0, 0.9])}}, "same number of values"),
    ({"second": {"adam": ("momentum", [0.9]), "sgd": ("momentum", [0.9])}}, "Invalid grid name 'momentum'"),
    ({"start": [[0.0, 0.0]]}, "one start point"),
    ({"fixed": {"rmsprop": {}}}, "not among the optimizers"),
])
def test_bad_input_names_the_field(kwargs, message):
    args = {"optimizers": ["adam", "sgd"], "start": [1.0, 1.0], **kwargs}
    with pytest.raises(ValueError, match=message):
        tune(args.pop("optimizers"), "booth", args.pop("start"), 5, **args)
