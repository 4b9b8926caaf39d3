"""Schedulers in the API: the core's one validator with the field's path, the JSON shape of the catalog, the echo.

A run's ``scheduler`` is checked by ``optim_core.make_scheduler`` against the run's optimizer and steps, so the API
refuses exactly what the core (and torch) refuse, with the core's message. The message names the keyword; this
module turns that into the field's path (``runs[0].scheduler.params.step_size``, and for a scheduler inside
SequentialLR ``runs[0].scheduler.params.schedulers[1].params.T_max``), a code and its parameters.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError
from pydantic_core import PydanticCustomError

from optim_core import OPTIMIZERS, SCHEDULERS, make_scheduler
from optim_core.schedulers import EXPRESSION_VARIABLE, SchedulerSpec, find_spec

from .limits import SCHEDULER_STEP_COST  # noqa: F401 - re-exported for the routes
from .serialize import hyperparameter_info

_NESTED = re.compile(r"schedulers\[(\d+)\]: ")
_KEYED = (
    (re.compile(r"^Unknown parameter '(\w+)'"), "scheduler_unknown_parameter"),
    (re.compile(r"missing required argument '(\w+)'"), "scheduler_missing_parameter"),
    (re.compile(r"^Invalid (\w+) value"), "scheduler_value"),
)


def scheduler_info(spec: SchedulerSpec) -> dict[str, Any]:
    """One entry of ``GET /api/schedulers``: the form of ``/api/optimizers`` plus ``required`` (and, for a
    formula, ``variable``: the letter it is typed in)."""
    params = []
    for p in spec.params:
        info = hyperparameter_info(p)
        info["required"] = p.name in spec.required
        if p.kind == "expression":
            info["variable"] = EXPRESSION_VARIABLE[p.name]
        params.append(info)
    return {"name": spec.name, "label": spec.label, "help": {"en": spec.help_en, "zh": spec.help_zh},
            "required": list(spec.required), "params": params}


def scheduler_spec(ref: Any) -> tuple[str, dict[str, Any]] | None:
    """A request's ``SchedulerRef`` as the core's spec."""
    return None if ref is None else (ref.name, dict(ref.params))


def scheduler_echo(spec: tuple[str, dict[str, Any]] | None) -> dict[str, Any] | None:
    """The run's scheduler as the answer states it: torch's class name and every keyword, defaults filled in."""
    if spec is None:
        return None
    s = find_spec(spec[0])
    return {"name": s.label, "params": {**s.defaults(), **spec[1]}}


def _locate(spec: Any, message: str) -> tuple[tuple, str, str, dict[str, Any]]:
    """(path inside ``scheduler``, code, the core's message without the nesting prefixes, params) of an error."""
    loc: tuple = ()
    current = spec
    while (m := _NESTED.match(message)) is not None:
        k = int(m.group(1))
        message = message[m.end():]
        loc += ("params", "schedulers", k)
        try:
            current = _split(current)[1]["schedulers"][k]
        except (KeyError, IndexError, TypeError, ValueError):
            current = None
    name = _split(current)[0] if current is not None else None
    try:
        s = find_spec(name)
    except ValueError:
        return loc + ("name",), "scheduler_name", message, {"choices": [x.label for x in SCHEDULERS.values()]}
    keys = {p.name: p for p in s.params}
    for pattern, code in _KEYED:
        m = pattern.search(message)
        if m is not None and (m.group(1) in keys or code == "scheduler_unknown_parameter"):
            return loc + ("params", m.group(1)), code, message, _range(keys.get(m.group(1)), s)
    # torch's own rules name a keyword somewhere in their sentence ("Expected positive integer T_0, ...")
    for key in sorted(keys, key=len, reverse=True):
        if re.search(rf"\b{re.escape(key)}\b", message):
            return loc + ("params", key), "scheduler_rule", message, _range(keys[key], s)
    # the formula parser's messages ("unknown function ...") do not name the keyword: the formula is the one given
    given = _split(current)[1]
    for key, p in keys.items():
        if p.kind == "expression" and given.get(key) is not None:
            return loc + ("params", key), "scheduler_formula", message, _range(p, s)
    return loc + ("params",), "scheduler_rule", message, {"scheduler": s.label}


def _split(spec: Any) -> tuple[Any, dict]:
    if isinstance(spec, dict) and "name" in spec:
        return spec["name"], spec.get("params") or {}
    if isinstance(spec, (list, tuple)) and len(spec) == 2 and isinstance(spec[1], dict):
        return spec[0], spec[1]
    return spec, {}


def _range(p: Any, s: SchedulerSpec) -> dict[str, Any]:
    if p is None:
        return {"scheduler": s.label, "allowed": [q.name for q in s.params]}
    return {"scheduler": s.label, "name": p.name, "kind": p.kind, "min": p.low, "max": p.high,
            "choices": list(p.choices) if p.choices is not None else None, "nullable": p.nullable,
            "required": p.name in s.required}


def scheduler_problems(runs: list[Any], steps: int) -> list[dict[str, Any]]:
    """Build each run's scheduler as the run will (``make_scheduler(..., steps=steps)``); one item per refusal,
    ``{"loc": (i, "scheduler", ...), "code", "message", "params", "input"}``, worded by the core."""
    problems = []
    for i, run in enumerate(runs):
        if run.scheduler is None:
            continue
        spec = scheduler_spec(run.scheduler)
        try:
            make_scheduler(spec, OPTIMIZERS[run.optimizer].make(**run.params), steps=steps)
        except ValueError as err:
            where, code, message, params = _locate(spec, str(err))
            params = {k: v for k, v in params.items() if v is not None}
            problems.append({"loc": (i, "scheduler", *where), "code": code, "message": message[:300],
                             "params": params, "input": spec[1]})
    return problems


def check_schedulers(runs: list[Any], steps: int) -> None:
    """:func:`scheduler_problems` as a pydantic error of the ``runs`` field: every refusal a 422 item at its
    field."""
    problems = [{"type": PydanticCustomError(p["code"], "{reason}", {**p["params"], "reason": p["message"]}),
                 "loc": p["loc"], "input": p["input"]} for p in scheduler_problems(runs, steps)]
    if problems:
        raise ValidationError.from_exception_data("runs", problems)


def cycled(spec: tuple[str, dict[str, Any]] | None, optimizer: Any) -> bool:
    """Whether the scheduler writes the momentum or beta1 (then the answer carries ``momentum``)."""
    return spec is not None and make_scheduler(spec, optimizer).momentum is not None
