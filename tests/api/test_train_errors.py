"""Every refusal of POST /api/train (and its stream) carries a code and params the page words in en and zh without
the core's English: the table below pins each one, and the page's catalogs are checked to hold a sentence for each."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.limits import MAX_TRAIN_WORK
from optim_core.models import MAX_STEPS
from tests.api.train_support import LINE, LINEAR, SPIRAL, own_client

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def client():
    with own_client() as c:
        yield c


def _with(body, **changes):
    return {**body, **changes}


def _sched(body, scheduler, run=0):
    runs = [dict(r) for r in body["runs"]]
    runs[run]["scheduler"] = scheduler
    return {**body, "runs": runs}


SPIRAL_STEPS = 12 * 4  # 12 epochs of ceil(60 / 16) minibatches
REFUSALS = [
    # (body, code, field, words in the English message, params the page words it from)
    (_with(SPIRAL, model={"name": "cnn"}), "model_name", "model.name", "must be one of", {}),
    (_with(SPIRAL, data={"name": "mnist"}), "dataset_name", "data.name", "must be one of", {}),
    (_with(SPIRAL, data={"name": "spiral", "options": {"n": 5000}}), "data_invalid", "data.options.n",
     "n must be an integer in [4, 2000]", {"rule": "int", "data": "spiral", "option": "n", "min": 4, "max": 2000}),
    (_with(SPIRAL, data={"name": "spiral", "options": {"noise": 9}}), "data_invalid", "data.options.noise",
     "noise must be a number", {"rule": "float", "option": "noise", "min": 0.0, "max": 2.0}),
    (_with(SPIRAL, data={"name": "spiral", "options": {"colour": 1}}), "data_invalid", "data.options.colour",
     "Unknown option 'colour'", {"rule": "unknown", "option": "colour", "allowed": ["n", "noise", "seed"]}),
    (_with(SPIRAL, model={"name": "mlp", "options": {"hidden": [8, 8, 8, 8]}}), "model_invalid",
     "model.options.hidden", "list of 1 to 3 integers",
     {"rule": "list", "model": "mlp", "option": "hidden", "min": 1, "max": 32, "min_length": 1, "max_length": 3}),
    (_with(SPIRAL, model={"name": "mlp", "options": {"activation": "gelu"}}), "model_invalid",
     "model.options.activation", "must be one of", {"rule": "choice", "choices": ["tanh", "relu"]}),
    (_with(SPIRAL, model={"name": "logistic", "options": {"depth": 2}}), "model_invalid", "model.options.depth",
     "Unknown option", {"rule": "unknown", "option": "depth", "allowed": []}),
    (_with(LINE, data={"name": "regression"}), "model_invalid", "model.name", "line needs exactly 1 feature",
     {"rule": "features", "model": "line", "features": 10, "needs": 1}),
    (_with(SPIRAL, model={"name": "logistic"}, data={"name": "regression"}), "training_invalid", "data",
     "labels y must be 0 or 1", {"rule": "labels", "model": "logistic", "data": "regression"}),
    (_with(SPIRAL, batch_size=61), "training_invalid", "batch_size", "batch_size must be an integer in [1, 60]",
     {"rule": "batch_size", "min": 1, "max": 60}),
    (_with(LINEAR, batch_size=4), "training_invalid", "batch_size", "must be None for lbfgs",
     {"rule": "full_batch_only", "run": 0, "optimizer": "L-BFGS"}),
    (_with(SPIRAL, data={"name": "spiral", "options": {"n": 2000}}, batch_size=1, epochs=60), "training_invalid",
     "epochs", "at most 100000", {"rule": "max_steps", "steps": 120_000, "max": MAX_STEPS}),
    (_with(SPIRAL, data={"name": "spiral", "options": {"n": 2000}}, batch_size=40, epochs=120), "training_invalid",
     "epochs", "samples", {"rule": "max_step_samples", "steps": 6000, "n": 2000, "samples": 12_000_000,
                           "max": 10_000_000}),
    (_with(SPIRAL, epochs=0), "integer_range", "epochs", "must be an integer in [1, 10000]", {"min": 1, "max": 10000}),
    (_with(SPIRAL, runs=[]), "run_count", "runs", "must be a list of 1 to 6 runs", {"min": 1, "max": 6}),
    (_with(SPIRAL, runs=[{"optimizer": "adam", "params": {"lr": -1}}]), "hyperparameter_range",
     "runs[0].params.lr", "must be a number in", {"name": "lr", "min": 0.0}),
    (_with(SPIRAL, landscape={"grid": 8}), "odd_grid", "landscape.grid", "must be an odd integer",
     {"min": 5, "max": 41}),
    (_with(SPIRAL, landscape={"run": 4}), "integer_range", "landscape.run", "must be an index of runs",
     {"min": 0, "max": 2}),
    (_with(SPIRAL, model={"name": "mlp", "options": {"hidden": [32, 32, 32]}},
           data={"name": "spiral", "options": {"n": 2000}}, batch_size=None, epochs=2000),
     "train_work_budget", "request body", "training work units", {"limit": MAX_TRAIN_WORK}),
    # the scheduler codes, exactly as POST /api/trajectories gives them, against the training's steps
    (_sched(SPIRAL, {"name": "Nope"}), "scheduler_name", "runs[0].scheduler.name", "", {}),
    (_sched(SPIRAL, {"name": "StepLR", "params": {"step_size": -1}}), "scheduler_value",
     "runs[0].scheduler.params.step_size", "step_size must be an integer",
     {"scheduler": "StepLR", "name": "step_size", "min": 1}),
    (_sched(SPIRAL, {"name": "StepLR", "params": {"size": 3}}, run=2), "scheduler_unknown_parameter",
     "runs[2].scheduler.params.size", "", {"scheduler": "StepLR"}),
    (_sched(SPIRAL, {"name": "StepLR"}), "scheduler_missing_parameter", "runs[0].scheduler.params.step_size", "",
     {"scheduler": "StepLR", "name": "step_size"}),
    (_sched(SPIRAL, {"name": "OneCycleLR", "params": {"max_lr": 0.1, "total_steps": SPIRAL_STEPS - 1}}),
     "scheduler_rule", "runs[0].scheduler.params.total_steps", f"the run's {SPIRAL_STEPS} steps",
     {"scheduler": "OneCycleLR", "name": "total_steps"}),
    (_sched(SPIRAL, {"name": "LambdaLR", "params": {"lr_lambda": "0.9 ** nope"}}), "scheduler_formula",
     "runs[0].scheduler.params.lr_lambda", "", {"scheduler": "LambdaLR", "name": "lr_lambda"}),
]


@pytest.mark.parametrize("body,code,field,words,params", REFUSALS,
                         ids=[f"{r[1]}-{r[2]}" for r in REFUSALS])
def test_train_refusals_carry_a_code_and_the_params_to_word_them(client, body, code, field, words, params):
    for route in ("/api/train", "/api/train/stream", "/api/export/pytorch"):
        r = client.post(route, json=body)
        assert r.status_code == 422, r.text
        detail = r.json()["detail"]
        assert len(detail) == 1, detail
        item = detail[0]
        assert item["code"] == code and item["params"]["field"] == field, item
        assert words in item["msg"], item["msg"]
        assert {k: item["params"].get(k) for k in params} == params, item["params"]


def test_a_scheduler_that_fits_the_training_steps_is_taken(client):
    ok = client.post("/api/train", json=_sched(SPIRAL, {"name": "OneCycleLR", "params": {
        "max_lr": 0.1, "total_steps": SPIRAL_STEPS}}))
    assert ok.status_code == 200, ok.text


CATALOG_MODULES = {"static/js/i18n.js": ("en", "zh"), "static/js/i18n-schedules.js": ("SCHED_EN", "SCHED_ZH"),
                   "static/js/views/model-i18n.js": ("en", "zh")}
# Codes a training body shares with POST /api/trajectories, which the page words as it words them there (or with
# the server's sentence); not training's to word.
SHARED = {"hyperparameter_range"}


def _catalog(path: str) -> dict[str, dict[str, str]]:
    """{"en": {key: text}, "zh": {...}} of a catalog module's ``const en = {...}`` and ``const zh = {...}``."""
    text = (ROOT / path).read_text(encoding="utf-8")
    out = {}
    for lang, name in zip(("en", "zh"), CATALOG_MODULES[path], strict=True):
        body = text.split(f"const {name} = {{", 1)[1].split("\n};", 1)[0]
        out[lang] = dict(re.findall(r"^\s*'([^']+)': '((?:[^'\\]|\\.)*)',?$", body, flags=re.M))
    return out


def _words_for(catalogs, code: str, params: dict) -> dict[str, str]:
    """The sentence errors.js would pick: ``err.<code>.<rule>`` if the catalog has it, else ``err.<code>``."""
    out = {}
    for lang, catalog in catalogs.items():
        rule = params.get("rule")
        key = f"err.{code}.{rule}" if rule is not None and f"err.{code}.{rule}" in catalog else f"err.{code}"
        assert key in catalog, (lang, key)
        out[lang] = catalog[key]
    return out


WORDED = [r for r in REFUSALS if r[1] not in SHARED]


@pytest.mark.parametrize("body,code,field,words,params", WORDED, ids=[f"{r[1]}-{r[2]}" for r in WORDED])
def test_the_page_has_en_and_zh_words_for_every_train_refusal(client, body, code, field, words, params):
    catalogs = {lang: {} for lang in ("en", "zh")}
    for path in CATALOG_MODULES:
        for lang, catalog in _catalog(path).items():
            catalogs[lang].update(catalog)
    item = client.post("/api/train", json=body).json()["detail"][0]
    for lang, text in _words_for(catalogs, item["code"], item["params"]).items():
        missing = set(re.findall(r"\{(\w+)\}", text)) - set(item["params"]) - {"field"}
        assert not missing, (lang, text, missing)  # every placeholder is filled from the item's params


def test_errors_js_words_a_rule_before_its_code():
    text = (ROOT / "static/js/errors.js").read_text(encoding="utf-8")
    assert "err.${code}.${params.rule}" in text


@pytest.mark.parametrize("scheduler", [
    {"name": "OneCycleLR", "params": {"max_lr": 0.1, "total_steps": SPIRAL_STEPS - 1}},
    {"name": "SequentialLR", "params": {"milestones": [5], "schedulers": [
        {"name": "StepLR", "params": {"step_size": 0}}, {"name": "ExponentialLR", "params": {"gamma": 0.9}}]}},
    {"name": "CyclicLR", "params": {"base_lr": 0.01, "max_lr": 0.1, "mode": "sideways"}},
], ids=["total_steps", "nested", "choice"])
def test_a_scheduler_refusal_is_the_one_trajectories_give_for_the_same_steps(client, scheduler):
    trained = client.post("/api/train", json=_sched(SPIRAL, scheduler, run=1))
    traced = client.post("/api/trajectories", json={"surface": "beale", "steps": SPIRAL_STEPS, "runs": [
        SPIRAL["runs"][0], {**SPIRAL["runs"][1], "scheduler": scheduler}]})
    assert trained.status_code == traced.status_code == 422
    assert trained.json() == traced.json()
