"""The lesson presets' captions, checked against the core.

static/presets/lessons.json is what the page loads (presets.js); this test reads the very same file, runs each
preset's settings through optim_core, and holds every number its caption states: if a preset or the core changes
so that a caption stops being true, a test here fails.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

import optim_core as oc
from optim_core.expression import formula_surface

ROOT = Path(__file__).resolve().parents[2]
PRESETS = json.loads((ROOT / "static" / "presets" / "lessons.json").read_text(encoding="utf-8"))["presets"]
I18N = (ROOT / "static" / "js" / "i18n.js").read_text(encoding="utf-8")
BUILT_IN_JS = (ROOT / "static" / "js" / "presets.js").read_text(encoding="utf-8")
LESSONS = ["momentum-damping", "adam-moments", "adam-l2-vs-adamw", "adagrad-shrinking", "adadelta-units",
           "rmsprop-vs-adam", "sparseadam-skips", "saddle-escape", "lbfgs-line-search", "distill-quadratic"]


def surface_of(p: dict):
    if p["surface"] == "custom":
        return formula_surface(p["expr"], (tuple(p["xr"]), tuple(p["yr"])))
    return oc.SURFACES[p["surface"]]


def run_of(name: str, i: int, *, steps: int | None = None, record: bool = False, **changes) -> oc.Trajectory:
    """Run i of the preset, as the page would request it (start, steps, noise and seed included)."""
    p = PRESETS[name]
    optimizer, params, *extra = p["runs"][i]
    params = {k: tuple(v) if isinstance(v, list) else v for k, v in {**params, **changes}.items()}
    sched = extra[0].get("scheduler") if extra else None
    spec = (sched["name"], sched["params"]) if sched else None
    return oc.run(optimizer, surface_of(p), p["start"], p["steps"] if steps is None else steps,
                  noise=p.get("noise", 0.0), seed=p.get("seed", 0), record_state=record, scheduler=spec, **params)


def caption(name: str) -> str:
    return PRESETS[name]["caption"]["en"]


def says(name: str, *numbers: str) -> None:
    """The caption (en and zh) states these numbers, so the assertions beside this call test what it says."""
    for lang in ("en", "zh"):
        text = PRESETS[name]["caption"][lang]
        for n in numbers:
            assert n in text, f"{name}'s {lang} caption no longer says {n!r}"


# ----------------------------------------------------------------------------------------------- every preset

def test_every_lesson_of_the_notes_has_a_preset_and_the_extra_ones_say_what_they_need():
    assert set(LESSONS) <= set(PRESETS)
    for name, p in PRESETS.items():
        assert p.get("needs") in (None, "scheduler", "map"), name
        assert name not in LESSONS or "needs" not in p, f"{name} must work with today's page"
        assert f"{name}:" not in BUILT_IN_JS and f"'{name}':" not in BUILT_IN_JS, f"{name} is defined twice"


@pytest.mark.parametrize("name", list(PRESETS))
def test_preset_is_complete_and_captioned_in_both_languages(name):
    p = PRESETS[name]
    for key in ("surface", "start", "steps", "speed", "view", "runs", "caption"):
        assert key in p, f"{name} lacks {key}"
    if p["surface"] == "custom":
        assert p["expr"] and len(p["xr"]) == 2 and len(p["yr"]) == 2
    for lang in ("en", "zh"):
        text = p["caption"][lang]
        assert 20 < len(text) < 420, f"{name}: a caption is one or two sentences"
        assert len(re.findall(rf"'preset\.{re.escape(name)}': '[^']+'", I18N)) == 2, f"{name} needs an en and a zh name"
    assert re.search(r"[\u4e00-\u9fff]", p["caption"]["zh"]), f"{name}'s zh caption is not Chinese"


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_run_of_every_preset_runs_in_the_core_and_stays_finite_unless_the_caption_says_otherwise(name):
    for i in range(len(PRESETS[name]["runs"])):
        tr = run_of(name, i)
        assert tr.xy.shape == (PRESETS[name]["steps"] + 1, 2)
        if tr.status == "diverged":
            assert "step 7" in caption(name) or "diverg" in caption(name), f"{name} run {i} diverges silently"


# ----------------------------------------------------------------------------------------------- the lessons

def test_momentum_buffer_smooths_a_gradient_that_flips_5_then_minus_2_then_3():
    says("momentum-damping", "5", "−2", "+3", "2.5", "5.25", "−2.3", "x = 0")
    heavy = run_of("momentum-damping", 0, record=True)
    plain = run_of("momentum-damping", 1)
    assert heavy.grad[1:4, 0].tolist() == [5.0, -2.0, 3.0]
    assert heavy.state["momentum_buffer"][1:4, 0] == pytest.approx([5.0, 2.5, 5.25], abs=1e-12)
    assert heavy.xy[-1, 0] == pytest.approx(-2.3, abs=0.01)  # the valley: 3 = 10(-2 - x) at x = -2.3
    # Plain SGD never gets past the bump at x = -0.55: it stays in the dip around x = 0.
    assert plain.xy[:, 0].min() > -0.55 and abs(plain.xy[-1, 0]) < 0.2


def adam_cases(tr: oc.Trajectory, beta1=0.9, beta2=0.999) -> np.ndarray:
    """Per step and coordinate: 'M'/'m' for |m̂| >= ½√v̂ or not, 'V'/'v' for v̂ >= 1 or not (the caption's rule)."""
    t = np.arange(1, tr.steps + 1)[:, None]
    m_hat = tr.state["exp_avg"][1:] / (1 - beta1 ** t)
    v_hat = tr.state["exp_avg_sq"][1:] / (1 - beta2 ** t)
    big_m = np.where(np.abs(m_hat) >= 0.5 * np.sqrt(v_hat), "M", "m")
    return np.char.add(big_m, np.where(v_hat >= 1, "V", "v"))


def test_adam_passes_through_its_four_cases_where_the_caption_says():
    says("adam-moments", "1–13", "14", "1–84", "85", "½√v̂", "≥ 1")
    tr = run_of("adam-moments", 0, record=True)
    case = adam_cases(tr)  # row k is step k + 1
    x, y = case[:, 0], case[:, 1]
    assert set(y[:13]) == {"MV"} and set(y[13:]) == {"mV"}
    assert set(x[:84]) == {"Mv"} and set(x[84:]) == {"mv"}
    # "steps ≈ lr" where |m| is large, tiny where it is not (both coordinates, in the regimes above).
    step = np.abs(tr.update[1:])
    assert step[:13, 1].min() > 0.5 * 0.1 and step[:84, 0].min() > 0.5 * 0.1
    assert np.median(step[20:, 1]) < 0.01


def test_adam_l2_decay_is_divided_away_and_adamw_stops_where_lambda_theta_reaches_one():
    says("adam-l2-vs-adamw", "(2.99, 1.98)", "(1.97, 1.86)", "0.1", "0.5")
    l2, decoupled = run_of("adam-l2-vs-adamw", 0), run_of("adam-l2-vs-adamw", 1)
    assert np.round(l2.xy[-1], 2).tolist() == [2.99, 1.98]
    assert np.round(decoupled.xy[-1], 2).tolist() == [1.97, 1.86]
    assert 0.5 * np.abs(decoupled.xy[-1]).max() <= 1.0


def test_adagrad_step_sizes_only_shrink_and_adams_grow_back():
    says("adagrad-shrinking", "0.0017", "10", "6–9", "600", "(0.81, 0.66)")
    ada, adam = run_of("adagrad-shrinking", 0, record=True), run_of("adagrad-shrinking", 1, record=True)
    t = np.arange(1, ada.steps + 1)[:, None]
    size_ada = 0.5 / (np.sqrt(ada.state["sum"][1:]) + 1e-10)  # Adagrad's per-coordinate lr/√sum
    size_adam = 0.05 / (np.sqrt(adam.state["exp_avg_sq"][1:] / (1 - 0.999 ** t)) + 1e-8)  # Adam's lr/√v̂
    assert np.all(np.diff(size_ada, axis=0) <= 0)
    assert size_ada[9:].max() < 0.0017  # row 9 is step 10
    assert np.all(size_adam[-1] > size_adam[99])
    ratio = size_adam[-1] / size_ada[-1]
    assert ratio.min() >= 6 and ratio.max() <= 9
    assert np.round(adam.xy[-1], 2).tolist() == [0.81, 0.66]
    assert ada.xy[-1, 0] < -0.8 and ada.loss[-1] > 50 * adam.loss[-1]


def test_adadelta_first_step_has_the_units_of_theta_whatever_the_gradient():
    says("adadelta-units", "0.00316", "30", "0.3")
    tr = run_of("adadelta-units", 0, record=True)
    assert tr.grad[1] == pytest.approx([30.0, 0.3])
    assert np.abs(tr.update[1]) == pytest.approx([0.00316, 0.00316], abs=5e-6)
    # Both coordinates walk alike (the diagonal), while SGD's y crawls.
    assert tr.xy[-1, 0] == pytest.approx(tr.xy[-1, 1], rel=1e-3)
    sgd = run_of("adadelta-units", 1)
    assert abs(sgd.xy[-1, 0]) < 1e-6 < 0.1 < sgd.xy[-1, 1]


def test_rmsprop_first_step_is_31_6_lr_and_bias_corrected_adam_takes_exactly_lr():
    says("rmsprop-vs-adam", "0.316", "31.6", "0.01", "0.999")
    rms, adam = run_of("rmsprop-vs-adam", 0, record=True), run_of("rmsprop-vs-adam", 1, record=True)
    assert np.abs(rms.update[1]) == pytest.approx([0.01 / np.sqrt(0.001)] * 2, rel=1e-6)
    assert np.abs(rms.update[1]) / 0.01 == pytest.approx([31.6, 31.6], abs=0.05)
    assert np.abs(adam.update[1]) == pytest.approx([0.01, 0.01], rel=1e-6)


def test_sparseadam_leaves_a_coordinate_alone_while_its_gradient_is_exactly_zero():
    says("sparseadam-skips", "25", "−0.51", "−0.0016")
    adam, sparse = run_of("sparseadam-skips", 0, record=True), run_of("sparseadam-skips", 1, record=True)
    first_zero = int(np.argmax(sparse.grad[1:, 1] == 0)) + 1
    assert first_zero == 25 and np.all(sparse.grad[first_zero:, 1] == 0)
    assert np.all(sparse.xy[first_zero:, 1] == sparse.xy[first_zero - 1, 1])
    assert sparse.xy[-1, 1] == pytest.approx(-0.0016, abs=5e-5)
    assert adam.xy[-1, 1] == pytest.approx(-0.51, abs=0.005)
    assert sparse.xy[-1, 0] == pytest.approx(1.0, abs=1e-3)


def test_saddle_start_on_the_ridge_is_left_only_with_noise_and_momentum_leaves_first():
    says("saddle-escape", "0.005", "75", "11%", "2%", "0.01")
    plain, heavy = run_of("saddle-escape", 0), run_of("saddle-escape", 1)
    assert int(np.argmax(np.abs(heavy.xy[:, 1]) > 1)) == 75
    assert np.abs(plain.xy[:, 1]).max() < 0.01
    # Without noise the y-gradient is exactly 0 on the axis: nobody leaves.
    for i in (0, 1):
        p = PRESETS["saddle-escape"]
        quiet = oc.run("sgd", "saddle", p["start"], p["steps"], **p["runs"][i][1])
        assert np.all(quiet.xy[:, 1] == 0)
    # The growth per step of the unstable direction: 1 + 2 lr for SGD, the larger root of r² - (1 + μ + 2lr)r + μ.
    growth_sgd = 1 + 2 * 0.01
    assert round(growth_sgd, 2) == 1.02
    assert max(np.roots([1, -(1 + 0.9 + 0.02), 0.9])) == pytest.approx(1.11, abs=0.005)


def test_lbfgs_line_search_evaluates_2_or_3_points_per_step_until_it_stands_at_the_minimum():
    says("lbfgs-line-search", "(1, 1)", "max_iter 1", "max_eval 10", "39", "40")
    tr = run_of("lbfgs-line-search", 0)
    evals = [len(e) for e in tr.evals]  # evals[k]: the points step k + 1 evaluated (what the page draws)
    assert set(evals[:39]) == {2, 3} and set(evals[39:]) == {1}
    assert tr.xy[39] == pytest.approx([1, 1], abs=1e-4)
    assert np.all(tr.xy[39:] == tr.xy[39]) and np.any(tr.xy[38] != tr.xy[39])  # reached at 39, still from 40
    # With torch's default max_eval (max_iter * 5 // 4 = 1) the line search may not evaluate at all: it stays put.
    stuck = run_of("lbfgs-line-search", 0, steps=5, max_eval=None)
    assert np.all(stuck.xy == PRESETS["lbfgs-line-search"]["start"])


def test_distill_quadratic_rates_are_the_predicted_ones():
    says("distill-quadratic", "99/101", "9/11", "0.961", "0.669", "2/101", "4/121")
    p = PRESETS["distill-quadratic"]
    rates = {r["run"]: r for r in p["rates"]}
    assert rates[0]["rho"] == pytest.approx(99 / 101) and rates[1]["rho"] == pytest.approx(9 / 11)
    assert all(r["power"] == 2 for r in rates.values())  # the loss is quadratic in the error
    assert round((99 / 101) ** 2, 3) == 0.961 and round((9 / 11) ** 2, 3) == 0.669
    gd, heavy = run_of("distill-quadratic", 0), run_of("distill-quadratic", 1)
    # GD at 2/(λ₁+λₙ): both coordinates contract by exactly ρ in size, so the loss is L₀ρ^(2t), the dashed line.
    t = np.arange(p["steps"] + 1)
    assert gd.loss == pytest.approx(gd.loss[0] * rates[0]["rho"] ** (2 * t), rel=1e-9)
    measured = (gd.loss[200] / gd.loss[100]) ** (1 / 200)
    assert measured == pytest.approx(99 / 101, abs=5e-4)
    # Heavy ball: a double root, e_t = (A + Bt)ρ^t per coordinate. For such a sequence D_t = e_{t+1}² - e_t e_{t+2}
    # = B²ρ^(2t+2), so √(D_{t+1}/D_t) measures ρ itself, with the factor t removed.
    for c in (0, 1):
        e = heavy.xy[:, c]
        d = e[1:-1] ** 2 - e[:-2] * e[2:]
        for k in (60, 120, 200):
            assert np.sqrt(d[k + 1] / d[k]) == pytest.approx(9 / 11, abs=5e-4)
    # "Parallel to, just above" its dashed line: above it after the transient, with the same slope.
    line = heavy.loss[0] * rates[1]["rho"] ** (2 * t)
    assert np.all(heavy.loss[50:] > line[50:])
    # Over a window the factor t still shows (it fades like 1/t): the loss's slope is ρ² up to that factor.
    assert (heavy.loss[280] / heavy.loss[180]) ** (1 / 200) == pytest.approx(9 / 11, abs=5e-3)


# ------------------------------------------------------------------------------ presets for features to come

def test_warm_up_lets_a_large_lr_survive_the_steep_start():
    says("warmup-cosine", "(0.98, 0.96)", "0.00003", "30")
    assert "step 7" in caption("warmup-cosine") and "第 7 步" in PRESETS["warmup-cosine"]["caption"]["zh"]
    scheduled, constant = run_of("warmup-cosine", 0, record=True), run_of("warmup-cosine", 1)
    assert constant.status == "diverged" and constant.diverged_at == 7
    assert scheduled.status == "ok"
    assert np.round(scheduled.xy[-1], 2).tolist() == [0.98, 0.96]
    assert scheduled.lr[1] == pytest.approx(0.00003) and scheduled.lr[31] == pytest.approx(0.003)
    assert scheduled.lr[-1] < 1e-6


def test_step_decay_calms_sgd_in_rosenbrocks_valley():
    says("step-decay-rosenbrock", "0.52", "0.036", "401", "0.002")
    scheduled, constant = run_of("step-decay-rosenbrock", 0, record=True), run_of("step-decay-rosenbrock", 1)
    assert round(constant.loss[-1], 2) == 0.52 and round(scheduled.loss[-1], 3) == 0.036
    assert scheduled.lr[400] == pytest.approx(0.0025) and scheduled.lr[401] == pytest.approx(0.00125)
    hessian_max = max(np.linalg.eigvalsh([[802.0, -400.0], [-400.0, 200.0]]))  # Rosenbrock's Hessian at (1, 1)
    assert round(hessian_max, -2) == 1000 and 2 / hessian_max == pytest.approx(0.002, abs=1e-4)
    assert np.all(np.diff(scheduled.loss[450:]) <= 0)  # calm: every step from there on goes down


def test_distill_map_optimum_converges_at_9_11_on_the_edge_of_divergence():
    says("distill-map", "4/121", "(9/11)²", "10%")
    p = PRESETS["distill-map"]
    assert p["map"]["mark"] == pytest.approx([4 / 121, 81 / 121])
    at = run_of("distill-map", 0)
    past = run_of("distill-map", 0, lr=1.1 * 4 / 121)
    assert at.loss[-1] < 1e-10 and (past.status == "diverged" or not past.loss[-1] < 1)


def test_himmelblau_basins_differ_between_sgd_and_adam_on_about_6_percent_of_starts():
    says("himmelblau-basins", "21 × 21", "6%")
    p = PRESETS["himmelblau-basins"]
    g = np.linspace(-4.5, 4.5, p["map"]["resolution"])
    starts = np.array([[x, y] for y in g for x in g])
    minima = np.array(oc.SURFACES["himmelblau"].minima)

    def basins(i):
        opt, params = p["runs"][i][:2]
        tr = oc.run(opt, "himmelblau", starts, p["steps"], **params)
        d = np.linalg.norm(tr.xy[:, -1, None, :] - minima[None], axis=-1)
        return np.where(d.min(1) < 1e-2, d.argmin(1), -1)

    sgd, adam = basins(0), basins(1)
    assert set(sgd) == set(adam) == {0, 1, 2, 3}
    assert round((sgd != adam).mean() * 100) == 6


def test_fractal_lr_boundary_interleaves_between_0_51_and_0_67():
    says("fractal-lr", "0.51", "0.67")
    outcome = []
    for lr in np.linspace(0.3, 1.0, 141):
        tr = run_of("fractal-lr", 0, lr=float(lr))
        outcome.append("d" if tr.status == "diverged" else "c" if tr.loss[-1] < 1e-6 else "?")
    s = "".join(outcome)
    lrs = np.linspace(0.3, 1.0, 141)
    first_d, last_c = s.index("d"), s.rindex("c")
    assert lrs[first_d] == pytest.approx(0.51, abs=0.005) and lrs[last_c] == pytest.approx(0.67, abs=0.005)
    assert "c" in s[first_d:]  # converging learning rates above a diverging one: not a single threshold
    assert set(s[:first_d]) == {"c"} and set(s[last_c + 1:]) == {"d"}
