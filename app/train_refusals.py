"""The refusals of ``POST /api/train`` that the schema cannot make, as 422 items the page can word without the core's
English: each has a ``code`` (``data_invalid``, ``model_invalid``, ``training_invalid``), a ``rule`` saying which
check failed, and that check's numbers. docs/api.md lists them; static/js/views/model-i18n.js words them
(``err.<code>.<rule>``).

The core raises plain ValueErrors worded for Python users. Rather than parse that English, each function finds the
failing check again with the core's own validators and constants (``check_value``, ``MAX_STEPS``...), and keeps
the core's sentence as ``reason`` for API users and for anything unforeseen (``rule`` "other").
"""

from __future__ import annotations

from typing import Any

import numpy as np
from fastapi.exceptions import RequestValidationError

from optim_core import OPTIMIZERS
from optim_core.models import DATASETS, HIDDEN_LAYERS_RANGE, MAX_STEP_SAMPLES, MAX_STEPS, MODELS
from optim_core.models.options import check_value

from .errors import invalid


def _refusal(loc: tuple, err: Exception, code: str, rule: str, **params: Any) -> RequestValidationError:
    return invalid(loc, str(err), code, rule=rule, reason=str(err)[:300], **params)


def _option_problem(specs, given: dict[str, Any], lengths: dict[str, tuple[int, int]]) -> tuple[str, dict] | None:
    """(the first refused option, its rule and range), checked as ``check_options`` checks them; None if none."""
    allowed = {s.name: s for s in specs}
    unknown = sorted(str(k) for k in set(given) - set(allowed))
    if unknown:
        return unknown[0], {"rule": "unknown", "option": unknown[0], "allowed": list(allowed)}
    for spec in specs:
        if spec.name not in given:
            continue
        try:
            check_value(spec, given[spec.name], length=lengths.get(spec.name))
        except ValueError:
            params = {"rule": spec.kind, "option": spec.name, "min": spec.low, "max": spec.high}
            if spec.choices is not None:
                params["choices"] = list(spec.choices)
            if spec.name in lengths:
                params["min_length"], params["max_length"] = lengths[spec.name]
            return spec.name, {k: v for k, v in params.items() if v is not None}
    return None


def refusal_for_data(body, err: ValueError) -> RequestValidationError:
    """A data-set option refused: at ``data.options.<option>``, rule unknown / int / float / choice."""
    problem = _option_problem(DATASETS[body.data.name].options, body.data.options, {})
    if problem is None:
        return _refusal(("body", "data", "options"), err, "data_invalid", "other", data=body.data.name)
    option, params = problem
    return _refusal(("body", "data", "options", option), err, "data_invalid", data=body.data.name, **params)


def refusal_for_model(body, X: np.ndarray, err: ValueError) -> RequestValidationError:
    """A model option refused (at ``model.options.<option>``, rule unknown / choice / list), or the model does not
    fit the data's features (at ``model.name``, rule features: line takes 1)."""
    name = body.model.name
    problem = _option_problem(MODELS[name].options, body.model.options, {"hidden": HIDDEN_LAYERS_RANGE})
    if problem is not None:
        option, params = problem
        return _refusal(("body", "model", "options", option), err, "model_invalid", model=name, **params)
    if name == "line" and X.shape[1] != 1:
        return _refusal(("body", "model", "name"), err, "model_invalid", "features", model=name,
                        features=int(X.shape[1]), needs=1)
    return _refusal(("body", "model"), err, "model_invalid", "other", model=name)


def refusal_for_training(body, i: int, y: np.ndarray, err: Exception) -> RequestValidationError:
    """Run i's Trainer refused the training: the checks of :class:`optim_core.models.Trainer`, in its order."""
    run, batch, n = body.runs[i], body.batch_size, len(y)
    if MODELS[body.model.name].task == "classification" and not np.isin(y, (0.0, 1.0)).all():
        return _refusal(("body", "data"), err, "training_invalid", "labels", model=body.model.name,
                        data=body.data.name)
    if batch is not None and batch > n:
        return _refusal(("body", "batch_size"), err, "training_invalid", "batch_size", min=1, max=n)
    if batch is not None and not OPTIMIZERS[run.optimizer].make(**run.params).elementwise:
        # L-BFGS evaluates its closure on the full batch: a minibatch size is refused for it
        return _refusal(("body", "batch_size"), err, "training_invalid", "full_batch_only", run=i,
                        optimizer=OPTIMIZERS[run.optimizer].label)
    steps = body.epochs * (1 if batch is None else -(-n // batch))
    if steps > MAX_STEPS:
        return _refusal(("body", "epochs"), err, "training_invalid", "max_steps", steps=steps, max=MAX_STEPS)
    if steps * n > MAX_STEP_SAMPLES:
        return _refusal(("body", "epochs"), err, "training_invalid", "max_step_samples", steps=steps, n=n,
                        samples=steps * n, max=MAX_STEP_SAMPLES)
    return _refusal(("body", "runs", i), err, "training_invalid", "other", run=i)
