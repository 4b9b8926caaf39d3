"""The algorithm boxes: one per optimizer, every branch its hyperparameters name, torch's state keys, clean text."""

from __future__ import annotations

import types

import pytest

from optim_core import OPTIMIZERS
from optim_core.algorithms import (
    BOXES,
    DERIVED,
    PHRASES_ZH,
    TRACE,
    algorithm_text,
    applying_lines,
    attach_docstrings,
    get_box,
    holds,
    latex_to_text,
    localize,
    summary_latex,
    to_dict,
)
from optim_core.algorithms.box import TEXT_RUN

NAMES = sorted(OPTIMIZERS)

# The keys torch 2.13 keeps in optimizer.state[p], read from each optimizer's _init_group / step (LBFGS keeps its
# global state on the first parameter). The boxes must show every one and no other.
TORCH_STATE = {
    "sgd": {"momentum_buffer"},
    "asgd": {"step", "eta", "mu", "ax"},
    "adagrad": {"step", "sum"},
    "adadelta": {"step", "square_avg", "acc_delta"},
    "rmsprop": {"step", "square_avg", "momentum_buffer", "grad_avg"},
    "adam": {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"},
    "adamw": {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"},
    "adamax": {"step", "exp_avg", "exp_inf"},
    "nadam": {"step", "mu_product", "exp_avg", "exp_avg_sq"},
    "radam": {"step", "exp_avg", "exp_avg_sq"},
    "sparseadam": {"step", "exp_avg", "exp_avg_sq"},
    "rprop": {"step", "prev", "step_size"},
    "lbfgs": {"func_evals", "n_iter", "d", "t", "old_dirs", "old_stps", "ro", "H_diag", "prev_flat_grad",
              "prev_loss", "al"},
}

# Bool hyperparameters whose box has an else branch as well (centered only adds lines).
BOTH_SIDES = {"maximize", "nesterov", "amsgrad", "decoupled_weight_decay"}

# Branches on number and choice hyperparameters that each box must spell out.
NUMBER_BRANCHES = {
    ("sgd", "momentum", "nonzero"), ("rmsprop", "momentum", "positive"), ("rmsprop", "momentum", "zero"),
    ("lbfgs", "line_search_fn", "strong_wolfe"), ("lbfgs", "line_search_fn", None), ("lbfgs", "max_eval", None),
}


def conditions(name):
    return [(k, v) for line in get_box(name).lines for k, v in line.when.items()]


def test_there_is_one_box_per_optimizer():
    assert set(BOXES) == set(OPTIMIZERS)
    assert all(BOXES[n].title == OPTIMIZERS[n].cls.__name__ for n in NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_the_input_lines_name_every_hyperparameter(name):
    box = get_box(name)
    shown = {s.key for line in box.lines if line.part == "input" for s in line.symbols}
    assert {p.name for p in OPTIMIZERS[name].params} <= shown
    lr = [s for line in box.lines for s in line.symbols if s.key == "lr"]
    assert lr and all(s.source == "trace" for s in lr)  # gamma shows the lr in effect, after any scheduler


@pytest.mark.parametrize("name", NAMES)
def test_every_bool_hyperparameter_has_its_conditional_lines(name):
    conds = conditions(name)
    for p in OPTIMIZERS[name].params:
        if p.kind == "bool":
            assert (p.name, True) in conds, p.name
            if p.name in BOTH_SIDES:
                assert (p.name, False) in conds, p.name


@pytest.mark.parametrize("name", NAMES)
def test_weight_decay_has_its_branch(name):
    if "weight_decay" in {p.name for p in OPTIMIZERS[name].params}:
        assert ("weight_decay", "nonzero") in conditions(name)


@pytest.mark.parametrize(("name", "param", "want"), sorted(NUMBER_BRANCHES, key=str))
def test_number_and_choice_branches_are_spelled_out(name, param, want):
    assert (param, want) in conditions(name)


@pytest.mark.parametrize("name", NAMES)
def test_conditions_name_real_hyperparameters_with_values_of_their_kind(name):
    spec = OPTIMIZERS[name]
    for key, want in conditions(name):
        p = spec.param(key)
        if p.kind == "bool":
            assert isinstance(want, bool)
        elif p.kind == "choice":
            assert want in p.choices
        elif want is None:
            assert p.nullable
        else:
            assert want in ("nonzero", "positive", "zero")


@pytest.mark.parametrize("name", NAMES)
def test_symbols_show_torchs_state_keys_and_nothing_else(name):
    box = get_box(name)
    state = {s.key for s in box.symbols() if s.source == "state"}
    assert state == TORCH_STATE[name]
    params = {p.name for p in OPTIMIZERS[name].params}
    for s in box.symbols():
        assert s.source in ("state", "trace", "hyperparameter", "derived")
        if s.source == "trace":
            assert s.key in TRACE
        if s.source == "hyperparameter":
            assert s.key in params
            assert (s.index is not None) == (OPTIMIZERS[name].param(s.key).kind == "pair")
        if s.source == "derived":
            en, zh = DERIVED[s.key]
            assert en and zh


@pytest.mark.parametrize("name", NAMES)
def test_the_step_line_shows_the_update_and_the_gradient_is_shown(name):
    keys = {(s.source, s.key) for s in get_box(name).symbols()}
    assert {("trace", "update"), ("trace", "params"), ("trace", "grad")} <= keys


@pytest.mark.parametrize(("name", "hyper", "keys"), [
    ("rmsprop", {}, {"square_avg"}),
    ("rmsprop", {"momentum": 0.9}, {"square_avg", "momentum_buffer"}),
    ("rmsprop", {"centered": True}, {"square_avg", "grad_avg"}),
    ("adam", {}, {"exp_avg", "exp_avg_sq"}),
    ("adam", {"amsgrad": True}, {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"}),
    ("adamw", {"amsgrad": True}, {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"}),
])
def test_initialize_creates_the_state_torch_creates_for_the_configuration(name, hyper, keys):
    hp = OPTIMIZERS[name].make(**hyper).hyperparameters()
    made = {s.key for line in applying_lines(name, hp) if line.part == "initialize" for s in line.symbols}
    assert made == keys


def _applying(name, **hyper):
    return [line.latex for line in applying_lines(name, OPTIMIZERS[name].make(**hyper).hyperparameters())]


def test_applying_lines_follow_the_hyperparameters():
    plain = _applying("sgd")
    assert not any(r"\mathbf{b}" in latex for latex in plain)
    nesterov = _applying("sgd", momentum=0.9, nesterov=True, weight_decay=0.1)
    assert r"g_t \leftarrow g_t + \mu \mathbf{b}_t" in nesterov
    assert r"g_t \leftarrow \mathbf{b}_t" not in nesterov
    assert r"g_t \leftarrow g_t + \lambda \theta_{t-1}" in nesterov

    adam = _applying("adam", amsgrad=True, maximize=True, weight_decay=0.1, decoupled_weight_decay=True)
    assert r"v_t^{max} \leftarrow \max(v_{t-1}^{max}, v_t)" in adam
    assert r"\hat{v}_t \leftarrow v_t / (1 - \beta_2^t)" not in adam
    assert r"\theta_t \leftarrow \theta_t (1 - \gamma \lambda)" in adam
    assert r"g_t \leftarrow g_t + \lambda \theta_{t-1}" not in adam
    assert r"g_t \leftarrow -\nabla_{\theta} f_t(\theta_{t-1})" in adam
    assert r"g_t \leftarrow \nabla_{\theta} f_t(\theta_{t-1})" not in adam
    l2 = _applying("adam", weight_decay=0.1)
    assert r"g_t \leftarrow g_t + \lambda \theta_{t-1}" in l2
    assert r"\theta_t \leftarrow \theta_t (1 - \gamma \lambda)" not in l2

    # run-time branches stay: which side runs depends on the step, not on the hyperparameters
    radam = _applying("radam")
    assert r"\theta_t \leftarrow \theta_t - \hat{m}_t \gamma l_t r_t" in radam
    assert r"\theta_t \leftarrow \theta_t - \hat{m}_t \gamma" in radam
    assert not any("Wolfe search" in latex for latex in _applying("lbfgs"))
    assert any("Wolfe search" in latex for latex in _applying("lbfgs", line_search_fn="strong_wolfe"))


def test_conditions_do_not_confuse_false_with_zero():
    assert holds({"weight_decay": "nonzero"}, {"weight_decay": 0.1})
    assert not holds({"weight_decay": "nonzero"}, {"weight_decay": 0.0})
    assert not holds({"maximize": False}, {"maximize": 0})
    assert holds({"line_search_fn": None}, {"line_search_fn": None})
    assert not holds({"line_search_fn": None}, {"line_search_fn": "strong_wolfe"})


@pytest.mark.parametrize("name", NAMES)
def test_the_text_box_is_plain_text_in_torchs_layout(name):
    text = algorithm_text(name, "help line")
    assert "\\" not in text and "^{" not in text and "_{" not in text
    lines = text.splitlines()
    assert lines[0] == f"{BOXES[name].title}: torch.optim.{BOXES[name].title} as torch 2.13 computes it."
    assert "help line" in lines
    assert any(line.startswith("input: ") for line in lines)
    assert any(line.startswith("for ") for line in lines)
    assert any(line.startswith("return ") for line in lines)
    rules = [i for i, line in enumerate(lines) if line and set(line) == {"─"}]
    assert len(rules) == 4
    for key in TORCH_STATE[name]:
        assert f"state[{key!r}]" in text


@pytest.mark.parametrize("name", NAMES)
def test_the_text_box_shows_every_branch_of_the_hyperparameters(name):
    text = algorithm_text(name)
    for p in OPTIMIZERS[name].params:
        if p.kind == "bool":
            assert f"if {p.name}" in text, p.name


@pytest.mark.parametrize(("latex", "text"), [
    (r"\hat{v}_t^{max}", "v̂ₜᵐᵃˣ"),
    (r"\theta_{t-1}", "θₜ₋₁"),
    (r"\frac{a + b}{c}", "(a + b)/c"),
    (r"\sqrt{v_t} + \epsilon", "√vₜ + ε"),
    (r"\text{(weight}\_\text{decay)}", "(weight_decay)"),
    (r"0.96^{t \psi}", "0.96^(tψ)"),
    (r"\tfrac{1}{2}", "½"),
])
def test_latex_to_text(latex, text):
    assert latex_to_text(latex) == text


def test_latex_to_text_rejects_what_it_does_not_know():
    with pytest.raises(ValueError, match="unknown LaTeX command"):
        latex_to_text(r"\frobnicate{x}")
    with pytest.raises(ValueError, match="unexpected end"):
        latex_to_text(r"\frac{a}")


def test_attach_docstrings_sets_each_class_doc_and_optionally_the_summary():
    fakes = {n: types.SimpleNamespace(cls=type(n, (), {}), help_en=f"help {n}", latex="old") for n in NAMES}
    attach_docstrings(fakes)
    assert all(fakes[n].cls.__doc__ == algorithm_text(n, f"help {n}") for n in NAMES)
    assert all(fakes[n].latex == "old" for n in NAMES)
    attach_docstrings(fakes, latex=True)
    assert all(fakes[n].latex == summary_latex(n) for n in NAMES)
    with pytest.raises(KeyError, match="differ"):
        attach_docstrings({n: fakes[n] for n in NAMES[:-1]})


def test_attach_docstrings_on_the_real_classes():
    attach_docstrings(OPTIMIZERS)
    assert OPTIMIZERS["adam"].cls.__doc__.startswith("Adam: torch.optim.Adam")
    assert "if amsgrad" in OPTIMIZERS["adam"].cls.__doc__


@pytest.mark.parametrize("name", NAMES)
def test_summary_is_made_of_box_lines(name):
    box = get_box(name)
    summary = summary_latex(name)
    flagged = [line for line in box.lines if line.summary]
    assert flagged
    assert all(line.latex in summary for line in flagged)
    assert summary.count(r";\quad ") == len(flagged) - 1


def test_to_dict_is_json_ready():
    import json

    d = to_dict("adam")
    assert json.loads(json.dumps(d)) == d
    amsgrad = [line for line in d["lines"] if line["when"] == {"amsgrad": True} and line["part"] == "loop"]
    assert {"latex": "v_t^{max}", "key": "max_exp_avg_sq", "source": "state"} in amsgrad[0]["symbols"]
    betas = [s for line in d["lines"] for s in line["symbols"] if s["key"] == "betas"]
    assert [s["index"] for s in betas] == [0, 1]


KEYWORDS = {"for", "to", "do", "if", "else", "else if", "return", "break", "break if", "for each", "not"}
NAMES_KEPT = {"sum", "None"}  # a state name and a Python value


def _runs(latex):
    return [m.group(2) for m in TEXT_RUN.finditer(latex)]


@pytest.mark.parametrize("name", NAMES)
def test_every_word_of_the_box_has_its_chinese(name):
    keyword_runs = {run for p in OPTIMIZERS[name].params for run in f"({p.name})".split("_")}
    keyword_runs |= {run for value in ("strong_wolfe",) for run in f'"{value}"'.split("_")}
    latexes = [line.latex for line in get_box(name).lines] + [summary_latex(name)]
    for latex in latexes:
        for run in _runs(latex):
            if any(ch.isalpha() for ch in run):
                assert run in PHRASES_ZH or run in KEYWORDS or run in keyword_runs or run in NAMES_KEPT, run


@pytest.mark.parametrize("name", NAMES)
def test_the_chinese_box_has_the_same_math(name):
    en, zh = to_dict(name, "en"), to_dict(name, "zh")
    assert len(en["lines"]) == len(zh["lines"])
    strip = lambda latex: TEXT_RUN.sub("", latex)  # noqa: E731
    for a, b in zip(en["lines"], zh["lines"], strict=True):
        assert strip(a["latex"]) == strip(b["latex"])
        assert {k: v for k, v in a.items() if k != "latex"} == {k: v for k, v in b.items() if k != "latex"}
    assert strip(summary_latex(name, "zh")) == strip(summary_latex(name))
    assert any(localize(line.latex, "zh") != line.latex for line in get_box(name).lines)  # "input" at least


def test_localize_names_the_allowed_languages():
    with pytest.raises(ValueError, match="lang must be 'en' or 'zh'"):
        localize(r"\text{input}", "fr")
