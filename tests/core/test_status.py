"""explain() / timeline(): the status and its reason, on real runs, as of the last step and during playback."""

from __future__ import annotations

import string

import numpy as np
import pytest

from optim_core import OPTIMIZERS, SURFACES, run
from optim_core.expression import parse_expression
from optim_core.status import (
    CODES,
    CONVERGE_DISTANCE,
    CONVERGE_HOLD,
    STATUS_MESSAGES,
    RunStatus,
    explain,
    hessian,
    stability_rule,
    surface_scales,
    timeline,
)

# f = ½(x² + 100y²): λ_max = 100, so plain gradient descent is stable for lr < 2/100 = 0.02.
QUADRATIC = "0.5*(x^2+100*y^2)"
START = [1.0, 0.5]


def _quadratic():
    return parse_expression(QUADRATIC)


def _tolerance(surface) -> float:
    return CONVERGE_DISTANCE * surface_scales(surface)[1]


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


# ----------------------------------------------------------------------------------------------- the 2/λ rule


@pytest.mark.parametrize("typed", [True, False], ids=["typed", "ill_conditioned"])
def test_sgd_just_above_two_over_lambda_max_diverges_and_says_so(typed):
    surface = _quadratic() if typed else SURFACES["ill_conditioned"]
    tr = run("sgd", surface, START, 3000, lr=0.0201)
    assert tr.diverged_at is not None
    status = explain(tr, surface if typed else None)
    assert (status.code, status.reason, status.step) == ("diverged", "curvature", tr.diverged_at)
    p = status.params
    assert p["rule"] == "2/λ_max" and p["at"] == 0 and p["lr"] == 0.0201
    assert p["lambda_max"] == pytest.approx(100.0, rel=1e-8)
    assert p["limit"] == pytest.approx(0.02, rel=1e-8)
    # The point to mark: the last finite one.
    assert p["last_step"] == tr.diverged_at - 1
    assert [p["x"], p["y"]] == tr.xy[tr.diverged_at - 1].tolist()
    assert np.isnan(tr.xy[tr.diverged_at]).all()
    assert status.message("en") == (f"diverged at step {tr.diverged_at}: lr 0.0201 is above 2/λ_max ≈ 0.02 "
                                    "at the start (λ_max = 100)")
    assert "2/λ_max ≈ 0.02" in status.message("zh") and "起点" in status.message("zh")


def test_sgd_just_below_two_over_lambda_max_converges_to_the_minimum():
    tr = run("sgd", "ill_conditioned", START, 1000, lr=0.0199)
    status = explain(tr)
    assert (status.code, status.minimum, status.reason) == ("converged", 0, "")
    assert 0 < status.step < 1000
    tol = _tolerance(SURFACES["ill_conditioned"])
    # The stated criterion: within the tolerance from the convergence step on, and not just before it.
    dist = np.linalg.norm(tr.xy, axis=1)
    assert (dist[status.step:] <= tol).all() and dist[status.step - 1] > tol
    assert status.message("en") == f"converged at step {status.step} to the known minimum (0, 0)"


def test_typed_surface_converges_to_a_local_minimum_found_by_curvature():
    surface = _quadratic()
    assert surface.minima == ()
    tr = run("sgd", surface, START, 1000, lr=0.0199)
    status = explain(tr, surface)
    assert (status.code, status.reason, status.minimum) == ("converged", "local", None)
    assert status.params == {"min_x": 0.0, "min_y": 0.0}
    assert "local minimum near (0, 0)" in status.message("en")


@pytest.mark.parametrize(("kwargs", "limit", "rule"), [
    ({"momentum": 0.9}, 2 * 1.9 / 100, "2(1+β)/λ_max"),
    ({"momentum": 0.9, "nesterov": True}, 2 * 1.9 / (2.8 * 100), "2(1+β)/((1+2β)λ_max)"),
    ({"momentum": 0.5, "dampening": 0.5}, 2 * 1.5 / (0.5 * 100), "2(1+β)/((1−τ)λ_max)"),
], ids=["heavy_ball", "nesterov", "dampened"])
def test_momentum_rules_hold_on_either_side_of_their_limit(kwargs, limit, rule):
    surface = _quadratic()
    below = run("sgd", surface, START, 5000, lr=limit * 0.995, **kwargs)
    above = run("sgd", surface, START, 5000, lr=limit * 1.005, **kwargs)
    assert explain(below, surface).code == "converged"
    status = explain(above, surface)
    assert (status.code, status.reason) == ("diverged", "curvature")
    assert status.params["rule"] == rule
    assert status.params["limit"] == pytest.approx(limit, rel=1e-8)


def test_weight_decay_adds_to_the_curvature_in_the_rule():
    tr = run("sgd", "ill_conditioned", START, 3000, lr=0.0199, weight_decay=1.0)  # 0.0199 * 101 > 2
    status = explain(tr)
    assert (status.code, status.reason) == ("diverged", "curvature")
    assert status.params["lambda_max"] == pytest.approx(101.0, rel=1e-8)


def test_the_rule_can_be_broken_later_on_the_path():
    # x⁴ − 2x² + y²: concave in x at the start, so lr 0.9 is fine there; past x ≈ 0.72 the curvature 12x² − 4
    # exceeds 2/0.9 and the path blows up.
    surface = parse_expression("x^4 - 2*x^2 + y^2")
    tr = run("sgd", surface, [0.1, 0.5], 100, lr=0.9)
    status = explain(tr, surface)
    assert (status.code, status.reason) == ("diverged", "curvature_path")
    at = status.params["at"]
    assert 0 < at < tr.diverged_at
    assert 12 * tr.xy[at, 0] ** 2 - 4 == pytest.approx(status.params["lambda_max"], rel=1e-6)
    assert 12 * tr.xy[at - 1, 0] ** 2 - 4 <= 2 / 0.9  # the first point over the limit, not a later one
    assert f"at step {at} (λ_max = " in status.message("en") and f"第 {at} 步处" in status.message("zh")


def test_momentum_above_one_is_named_as_the_cause():
    surface = parse_expression("x^2 + y^2")
    status = explain(run("sgd", surface, START, 300, lr=0.1, momentum=1.2), surface)
    assert (status.code, status.reason, status.params["momentum"]) == ("diverged", "momentum", 1.2)


def test_only_sgd_and_asgd_have_a_quadratic_rule():
    for name in OPTIMIZERS:
        rule = stability_rule(name, OPTIMIZERS[name].make().hyperparameters())
        assert (rule is not None) == (name in ("sgd", "asgd")), name


# ------------------------------------------------------------------------------ measured reasons, no rule


def test_adaptive_divergence_is_explained_by_the_measured_step_growth():
    tr = run("adadelta", "rosenbrock", [-1.0, -0.5], 400, lr=100.0)
    status = explain(tr)
    assert (status.code, status.reason) == ("diverged", "growth")
    p = status.params
    moves = np.linalg.norm(np.diff(tr.xy[:tr.diverged_at], axis=0), axis=1)
    assert p["step_large"] == moves[-1] and p["step_small"] == moves[p["small_at"] - 1]
    assert p["step_large"] >= 10 * p["step_small"]


def test_maximize_says_it_climbs():
    status = explain(run("sgd", "booth", [-8.0, 8.0], 500, lr=0.1, maximize=True))
    assert (status.code, status.reason) == ("diverged", "climbs")
    assert status.params["loss_last"] > status.params["loss_start"] == SURFACES["booth"].f([-8.0, 8.0])
    assert "maximize=True" in status.message("en") and "maximize=True" in status.message("zh")


def test_a_surface_without_a_bottom_is_named():
    status = explain(run("sgd", "saddle", [1.0, 1e-3], 300, lr=0.1))
    assert (status.code, status.reason) == ("diverged", "unbounded")
    assert status.params["loss_last"] < status.params["loss_floor"] == pytest.approx(-4.0, abs=0.01)


def test_one_huge_step_and_a_bad_start():
    status = explain(run("adagrad", "booth", [-8.0, 8.0], 10, lr=1e7))
    assert (status.code, status.reason, status.step) == ("diverged", "jump", 1)
    assert (status.params["x"], status.params["y"], status.params["last_step"]) == (-8.0, 8.0, 0)
    status = explain(run("sgd", "booth", [1e9, 0.0], 10, lr=0.1))
    assert (status.code, status.reason, status.step) == ("diverged", "start", 0)


# ------------------------------------------------------------------------------------------ the other codes


@pytest.mark.parametrize(("start", "index"), [([-4.0, 4.0], 1), ([-4.0, -4.0], 2), ([4.0, -4.0], 3),
                                              ([4.0, 4.0], 0)])
def test_adam_on_himmelblau_names_the_minimum_it_reached(start, index):
    tr = run("adam", "himmelblau", start, 2000, lr=0.05)
    status = explain(tr)
    assert (status.code, status.minimum) == ("converged", index)
    minimum = SURFACES["himmelblau"].minima[index]
    assert np.linalg.norm(tr.xy[-1] - minimum) <= _tolerance(SURFACES["himmelblau"])
    assert (status.params["min_x"], status.params["min_y"]) == minimum


def test_adam_on_booth_converges_and_too_few_steps_are_still_moving():
    status = explain(run("adam", "booth", [-8.0, 8.0], 2000, lr=0.1))
    assert (status.code, status.minimum) == ("converged", 0)
    tr = run("adam", "booth", [-8.0, 8.0], 5, lr=0.1)
    status = explain(tr)
    assert (status.code, status.step) == ("moving", 5)
    assert status.params["loss"] == tr.loss[-1]
    assert status.params["grad"] == pytest.approx(np.linalg.norm(SURFACES["booth"].grad(tr.xy[-1])))


def test_sgd_on_the_saddle_axis_stalls_at_the_saddle():
    tr = run("sgd", "saddle", [1.0, 0.0], 100, lr=0.1)
    status = explain(tr)
    assert (status.code, status.reason) == ("stalled", "saddle")
    assert status.params["lambda_min"] == pytest.approx(-2.0) and status.params["lambda_max"] == pytest.approx(2.0)
    assert status.params["grad"] < status.params["grad_limit"]
    # Stalled from the first point whose gradient is under the limit.
    grads = np.linalg.norm(SURFACES["saddle"].grad(tr.xy), axis=1)
    assert grads[status.step] < status.params["grad_limit"] <= grads[status.step - 1]
    assert "鞍点" in status.message("zh")


def test_sgd_far_out_on_the_plateau_stalls_on_a_plateau():
    status = explain(run("sgd", "plateau", [3.9, 3.9], 300, lr=0.1))
    assert (status.code, status.reason, status.step) == ("stalled", "plateau", 0)


def test_maximize_reaches_a_maximum_and_minimize_sits_on_it():
    surface = parse_expression("-(x^2 + y^2)")
    status = explain(run("sgd", surface, START, 200, lr=0.1, maximize=True), surface)
    assert (status.code, status.reason) == ("converged", "local_max")
    status = explain(run("sgd", surface, [0.0, 0.0], 20, lr=0.1), surface)
    assert (status.code, status.reason) == ("stalled", "peak")


def test_zig_zag_without_progress_is_oscillating():
    status = explain(run("sgd", "ill_conditioned", START, 100, lr=0.0199))
    assert status.code == "oscillating"
    assert status.params["flips"] >= 10 and status.params["net"] < 0.1 * status.params["travelled"]


def test_a_steady_descent_is_not_oscillating():
    tr = run("sgd", "quadratic", [-1.5, 1.0], 100, lr=0.001)  # slow, straight and monotone
    assert set(timeline(tr).codes.tolist()) == {"moving"}


# ------------------------------------------------------------------------------------------------- playback


def test_status_during_playback_differs_from_the_final_one():
    tr = run("sgd", "ill_conditioned", START, 1000, lr=0.0199)
    line = timeline(tr)
    final = explain(tr)
    assert final.code == "converged" and line.at(100).code == "oscillating"
    s = final.step
    # Converged only once it has stayed CONVERGE_HOLD points, and then with the step it arrived.
    assert line.at(s + CONVERGE_HOLD - 2).code != "converged"
    assert line.at(s + CONVERGE_HOLD - 1) == line.at(1000) == final
    for t in (0, 50, 100, s + 10):
        assert explain(tr, at=t) == line.at(t)


def test_diverged_only_from_the_step_it_diverged():
    tr = run("sgd", "ill_conditioned", START, 60, lr=0.03)
    line = timeline(tr)
    k = tr.diverged_at
    assert line.codes[:k].tolist().count("diverged") == 0
    assert set(line.codes[k:].tolist()) == {"diverged"} and set(line.reasons[k:].tolist()) == {"curvature"}
    assert line.at(k) == line.at(60) == line.diverged
    assert line.at(k - 1).code in ("moving", "oscillating")


def test_timeline_arrays_match_at():
    tr = run("adam", "himmelblau", [-4.0, 4.0], 300, lr=0.05)
    line = timeline(tr)
    assert len(line) == 301
    for t in range(0, 301, 7):
        status = line.at(t)
        assert (status.code, status.reason, status.step) == (line.codes[t], line.reasons[t], line.steps[t])
        assert (status.minimum if status.minimum is not None else -1) == line.minimum[t]


# ----------------------------------------------------------------------------------------------- messages


def _statuses() -> list[RunStatus]:
    """One real status for every template."""
    q = _quadratic()
    minus = parse_expression("-(x^2 + y^2)")
    quartic = parse_expression("x^4 - 2*x^2 + y^2")
    ring = parse_expression("x^2 + y^2")
    return [
        explain(run("sgd", "ill_conditioned", START, 1000, lr=0.0199)),
        explain(run("sgd", q, START, 1000, lr=0.0199), q),
        explain(run("sgd", minus, START, 200, lr=0.1, maximize=True), minus),
        explain(run("adam", "booth", [-8.0, 8.0], 5, lr=0.1)),
        explain(run("sgd", "ill_conditioned", START, 100, lr=0.0199)),
        explain(run("sgd", "saddle", [1.0, 0.0], 100, lr=0.1)),
        explain(run("sgd", "plateau", [3.9, 3.9], 300, lr=0.1)),
        explain(run("sgd", minus, [0.0, 0.0], 20, lr=0.1), minus),
        explain(run("sgd", "booth", [1e9, 0.0], 10, lr=0.1)),
        explain(run("sgd", "ill_conditioned", START, 60, lr=0.03)),
        explain(run("sgd", quartic, [0.1, 0.5], 100, lr=0.9), quartic),
        explain(run("sgd", ring, START, 300, lr=0.1, momentum=1.2), ring),
        explain(run("sgd", "booth", [-8.0, 8.0], 500, lr=0.1, maximize=True)),
        explain(run("sgd", "saddle", [1.0, 1e-3], 300, lr=0.1)),
        explain(run("adadelta", "rosenbrock", [-1.0, -0.5], 400, lr=100.0)),
        explain(run("asgd", "levi", [0.5, 0.5], 50, lr=1e4, lambd=0.0, alpha=0.0)),
        explain(run("adagrad", "booth", [-8.0, 8.0], 10, lr=1e7)),
    ]


def test_every_template_renders_in_both_languages_from_a_real_run():
    statuses = _statuses()
    assert {s.key for s in statuses} == set(STATUS_MESSAGES["en"])  # each template is reached by a real run
    assert {s.code for s in statuses} == set(CODES)
    for status in statuses:
        for lang in ("en", "zh"):
            text = status.message(lang)
            assert "{" not in text and "}" not in text, (status.key, text)
            if "step" in _placeholders(STATUS_MESSAGES[lang][status.key]):
                assert f" {status.step}" in text, (status.key, text)
        # The API's JSON form carries exactly what the page's templates need.
        data = status.to_dict()
        assert _placeholders(STATUS_MESSAGES["en"][data["key"]]) <= {"step", *data["params"]}


def test_both_catalogs_have_the_same_templates_and_placeholders():
    assert set(STATUS_MESSAGES) == {"en", "zh"}
    assert STATUS_MESSAGES["en"].keys() == STATUS_MESSAGES["zh"].keys()
    for key, template in STATUS_MESSAGES["en"].items():
        assert _placeholders(template) == _placeholders(STATUS_MESSAGES["zh"][key]), key
        assert key.split("_")[0] in CODES


def test_to_dict_is_plain_json():
    data = explain(run("sgd", "ill_conditioned", START, 60, lr=0.03)).to_dict()
    assert data["key"] == "diverged_curvature" and data["step"] == data["params"]["last_step"] + 1
    assert all(type(v) in (int, float, str) for v in data["params"].values())


# --------------------------------------------------------------------------------------- curvature, input


def test_hessian_by_central_differences_is_exact_on_quadratics():
    surface = SURFACES["ill_conditioned"]  # ¼(x+y)² + 25(x−y)²: [[50.5, −49.5], [−49.5, 50.5]]
    points = np.array([[0.3, -1.2], [1e3, 2.0], [0.0, 0.0]])
    np.testing.assert_allclose(hessian(surface, points), np.broadcast_to([[50.5, -49.5], [-49.5, 50.5]], (3, 2, 2)),
                               rtol=1e-9)
    h = hessian(SURFACES["rosenbrock"], [-1.5, 2.0])  # exact: [[1200x² − 400y + 2, −400x], [−400x, 200]]
    np.testing.assert_allclose(h, [[1902.0, 600.0], [600.0, 200.0]], rtol=1e-7)


def test_bad_input_is_refused_with_a_clear_message():
    tr = run("sgd", "booth", [0.0, 0.0], 5, lr=0.01)
    with pytest.raises(ValueError, match=r"at must be an integer in \[0, 5\]"):
        explain(tr, at=6)
    with pytest.raises(ValueError, match="lang must be one of: en, zh"):
        explain(tr).message("fr")
    with pytest.raises(ValueError, match="single-start"):
        explain(run("sgd", "booth", [[0.0, 0.0], [1.0, 1.0]], 5, lr=0.01))
    surface = _quadratic()
    with pytest.raises(ValueError, match="typed surface must be passed"):
        explain(run("sgd", surface, START, 5, lr=0.01))
    with pytest.raises(ValueError, match="trajectory ran on 'booth'"):
        explain(tr, "himmelblau")


def test_a_batch_row_explains_like_the_single_run():
    starts = np.array([[-4.0, 4.0], [4.0, -4.0], [0.0, 0.0]])
    batch = run("adam", "himmelblau", starts, 400, lr=0.05)
    for i, start in enumerate(starts):
        assert explain(batch.row(i)) == explain(run("adam", "himmelblau", start, 400, lr=0.05))


def test_lbfgs_runs_are_explained_too():
    status = explain(run("lbfgs", "booth", [-8.0, 8.0], 10, lr=1.0))
    assert (status.code, status.minimum) == ("converged", 0)


def test_the_lr_in_effect_is_read_from_a_recorded_lr():
    # Where the trajectory records the lr of each step (row 0 NaN), the rule uses it, so a schedule is honoured.
    tr = run("sgd", "ill_conditioned", START, 60, lr=0.03)
    tr.lr = np.r_[np.nan, 0.01, np.full(60 - 1, 0.03)]  # as if step 1 had run at 0.01
    status = explain(tr)
    assert (status.reason, status.params["at"], status.params["lr"]) == ("curvature_path", 1, 0.03)
