"""Request and response models, and every limit of the API, stated once.

Validation is data-driven: optimizer names, hyperparameter kinds and ranges come from ``optim_core.OPTIMIZERS``
and surface names from ``optim_core.SURFACES``, so a new optimizer needs no change here. Each refusal is a
predicate such as "must be a number in [0, 100]"; the error handler in :mod:`app.main` puts the field's path in
front of it ("runs[2].params.lr must be a number in [0, 100]").
"""

from __future__ import annotations

import json
import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, WrapValidator, field_validator
from pydantic_core import PydanticCustomError

from optim_core import OPTIMIZERS, SURFACES
from optim_core.spec import Hyperparameter

# ------------------------------------------------------------------------------------------------------ limits
MAX_STEPS = 10_000  # steps per run; the page's slider tops out here too
MAX_RUNS = 16  # runs per request, as the page allows
# Work budget per request, in work units of about one elementwise optimizer step (~1-5 us): see run_cost().
# 16 runs x 10,000 steps of an elementwise optimizer is 160,000; all 13 optimizers at 500 steps with defaults
# (L-BFGS counted at its worst case, 705 units a step) is 358,500. The worst request takes about 1.5 s of CPU.
MAX_WORK = 400_000
MAX_BODY_BYTES = 64 * 1024  # request bodies; the largest sensible request (16 runs) is about 3 KiB
MAX_COORD = 1e6  # start points and typed-surface ranges: |v| <= MAX_COORD
MAX_NOISE = 1e3  # gradient-noise standard deviation
MAX_SEED = 2**53 - 1  # the largest integer a browser's JSON keeps exactly
MAX_LABEL = 100  # characters in a run's label
GRID_MIN, GRID_MAX, GRID_DEFAULT = 2, 400, 150  # contour grid points per axis
GRID_CACHE_BYTES = 48 * 2**20  # per cache (named surfaces; typed surfaces), per process: ~100 grids of 150 x 150
LBFGS_MAX_LS = 25  # torch's strong-Wolfe line search may overrun max_eval by up to this many evaluations



def fmt(v: float | None) -> str:
    """Numbers in messages as people write them: 100, 0.5, 1e-12, 1000000.

    >>> fmt(100.0), fmt(1e-12), fmt(-1e6), fmt(0.999)
    ('100', '1e-12', '-1000000', '0.999')
    """
    if v is None:
        return "unbounded"
    if float(v).is_integer() and abs(v) < 1e15:
        return str(int(v))
    return f"{v:g}"


COORD_RANGE = f"[{fmt(-MAX_COORD)}, {fmt(MAX_COORD)}]"


def explain(rule: str) -> WrapValidator:
    """Replace pydantic's message for this value (not for its items or fields) with ``rule``.

    >>> from pydantic import TypeAdapter
    >>> ta = TypeAdapter(Annotated[int, Field(strict=True, le=3), explain("must be an integer <= 3")])
    >>> try:
    ...     ta.validate_python(4)
    ... except ValidationError as e:
    ...     print(e.errors()[0]["msg"])
    must be an integer <= 3
    """

    def validate(value: Any, handler: Any) -> Any:
        try:
            return handler(value)
        except ValidationError as err:
            errors = err.errors()
            if any(e["loc"] for e in errors):
                raise  # an item or a field is wrong: its own message says which
            raise PydanticCustomError(errors[0]["type"], rule) from None

    return WrapValidator(validate)


def _finite(lo: float, hi: float, rule: str) -> Any:
    return Annotated[float, Field(strict=True, ge=lo, le=hi, allow_inf_nan=False), explain(rule)]


Coordinate = _finite(-MAX_COORD, MAX_COORD, f"must be a finite number in {COORD_RANGE}")
Point = Annotated[list[Coordinate], Field(min_length=2, max_length=2),
                  explain(f"must be a point [x, y] of two finite numbers in {COORD_RANGE}")]
Range = Annotated[list[Coordinate], Field(min_length=2, max_length=2),
                  explain(f"must be a range [min, max] of two finite numbers in {COORD_RANGE}")]
Steps = Annotated[int, Field(strict=True, ge=0, le=MAX_STEPS), explain(f"must be an integer in [0, {MAX_STEPS}]")]
OptimizerName = Annotated[Literal[tuple(OPTIMIZERS)], explain(f"must be one of: {', '.join(OPTIMIZERS)}")]
NoiseStd = _finite(0.0, MAX_NOISE, f"must be a finite number in [0, {fmt(MAX_NOISE)}]")
Seed = Annotated[int, Field(strict=True, ge=0, le=MAX_SEED), explain(f"must be an integer in [0, {MAX_SEED}]")]
SurfaceName = Literal[tuple(SURFACES)]
SURFACE_RULE = (f"must be a surface name ({', '.join(SURFACES)}) or an object "
                '{"expression": "...", "domain": {"x": [min, max], "y": [min, max]}}')


class StrictModel(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


# ----------------------------------------------------------------------------------------------------- requests
class Domain(StrictModel):
    """Plot and grid ranges of a typed surface."""

    x: Range
    y: Range

    @field_validator("x", "y")
    @classmethod
    def _ordered(cls, v: list[float], info: ValidationInfo) -> list[float]:
        if not v[0] < v[1]:
            raise PydanticCustomError("range_order", "must have min < max, got [{lo}, {hi}]",
                                      {"lo": fmt(v[0]), "hi": fmt(v[1])})
        return v

    def pairs(self) -> tuple[tuple[float, float], tuple[float, float]]:
        return (self.x[0], self.x[1]), (self.y[0], self.y[1])


class CustomSurface(StrictModel):
    """A typed f(x, y); see ``optim_core.expression`` for the grammar and its limits."""

    expression: str
    domain: Domain | None = None


def _surface_ref(value: Any, handler: Any) -> Any:
    if isinstance(value, str) and value not in SURFACES:
        raise PydanticCustomError("unknown_surface", SURFACE_RULE)
    if not isinstance(value, str | dict):
        raise PydanticCustomError("surface_type", SURFACE_RULE)
    if isinstance(value, dict):
        return CustomSurface.model_validate(value)  # errors keep their path: surface.expression
    return handler(value)


SurfaceRef = Annotated[SurfaceName | CustomSurface, WrapValidator(_surface_ref)]


def _param_rule(p: Hyperparameter) -> str:
    null = " or null" if p.nullable else ""
    if p.kind == "bool":
        return "must be true or false"
    if p.kind == "choice":
        return "must be one of: " + ", ".join(json.dumps(c) for c in p.choices)
    if p.kind == "pair":
        return f"must be a pair [a, b] of numbers, each in [{fmt(p.low)}, {fmt(p.high)}]"
    word = "an integer" if p.kind == "int" else "a number"
    return f"must be {word} in [{fmt(p.low)}, {fmt(p.high)}]{null}"


def _in_range(p: Hyperparameter, v: Any, integer: bool) -> bool:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return False
    if integer and not isinstance(v, int):
        return False
    if isinstance(v, float) and not math.isfinite(v):
        return False
    return (p.low is None or v >= p.low) and (p.high is None or v <= p.high)


def _param_ok(p: Hyperparameter, v: Any) -> bool:
    if v is None:
        return p.nullable or (p.kind == "choice" and None in p.choices)
    if p.kind == "bool":
        return isinstance(v, bool)
    if p.kind == "choice":
        return isinstance(v, str) and v in p.choices
    if p.kind == "pair":
        return isinstance(v, list) and len(v) == 2 and all(_in_range(p, e, False) for e in v)
    return _in_range(p, v, p.kind == "int")


class Run(StrictModel):
    """One optimizer with its hyperparameters (torch's keyword names; omitted ones take torch's defaults)."""

    optimizer: OptimizerName
    params: dict[str, Any] = Field(default_factory=dict, description="Hyperparameters as in GET /api/optimizers")
    label: Annotated[str | None, Field(max_length=MAX_LABEL),
                     explain(f"must be a string of at most {MAX_LABEL} characters, or null")] = None

    @field_validator("params")
    @classmethod
    def _check_params(cls, params: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        """Each value against its spec, then torch's own rules; returns every hyperparameter, defaults filled."""
        name = info.data.get("optimizer")
        if name is None:
            return params  # the optimizer's own error says what is wrong
        spec = OPTIMIZERS[name]
        allowed = {p.name: p for p in spec.params}
        problems = []
        for key, value in params.items():
            p = allowed.get(key)
            if p is None:
                problems.append({"type": PydanticCustomError(
                    "unknown_hyperparameter", "is not a hyperparameter of {opt}; allowed: {allowed}",
                    {"opt": name, "allowed": ", ".join(allowed)}), "loc": (key,), "input": value})
            elif not _param_ok(p, value):
                problems.append({"type": PydanticCustomError(f"invalid_{p.kind}", _param_rule(p)),
                                 "loc": (key,), "input": value})
        if problems:
            raise ValidationError.from_exception_data("params", problems)
        try:
            optimizer = spec.make(**params)
        except ValueError as err:  # torch's cross-field rules, e.g. nesterov needs momentum and no dampening
            raise PydanticCustomError("optimizer_rule", "{why}", {"why": str(err)}) from None
        return optimizer.hyperparameters()


class Noise(StrictModel):
    """Gaussian noise added to each gradient component, reproducible from the seed."""

    std: NoiseStd = 0.0
    seed: Seed = 0


class TrajectoryRequest(StrictModel):
    surface: SurfaceRef
    start: Point | None = Field(None, description="Start point; null for the surface's default start")
    steps: Steps
    runs: Annotated[list[Run], Field(max_length=MAX_RUNS), explain(f"must be a list of at most {MAX_RUNS} runs")]
    noise: Noise = Field(default_factory=Noise)
    grad: Annotated[bool, Field(strict=True), explain("must be true or false")] = Field(
        False, description="Also send the surface's gradient at every point (for hover), null where not finite")


class ExpressionCheckRequest(StrictModel):
    expression: Annotated[str, explain("must be a string")]


# ------------------------------------------------------------------------------------------------- work budget
def run_cost(optimizer: Any, steps: int) -> int:
    """Worst-case work of one run in units of about one elementwise step (see MAX_WORK).

    L-BFGS's step evaluates the objective up to max_eval times (plus a line search's overrun) and each inner
    iteration walks the history twice in Python, about 1 us per stored pair: measured, one evaluation costs
    about 1.5 units and one iteration over h pairs about h / 3.
    """
    if optimizer.elementwise:
        return steps
    h = optimizer.hyperparameters()
    max_eval = h["max_eval"] if h["max_eval"] is not None else h["max_iter"] * 5 // 4
    if h["line_search_fn"] is not None:
        max_eval += LBFGS_MAX_LS
    iterations = min(h["max_iter"], max_eval)
    history = min(h["history_size"], steps * h["max_iter"])
    return steps * math.ceil(1.5 * max_eval + iterations * history / 3)


# ---------------------------------------------------------------------------------------------------- responses
class Health(BaseModel):
    status: Literal["ok"]


class Help(BaseModel):
    en: str
    zh: str


class HyperparameterInfo(BaseModel):
    name: str
    kind: Literal["float", "int", "bool", "pair", "choice"]
    default: Any
    min: float | None
    max: float | None
    log: bool
    nullable: bool
    help: Help
    slider: list[float] | None = None
    choices: list[str | None] | None = None


class OptimizerInfo(BaseModel):
    name: str
    label: str
    family: str
    latex: str
    help: Help
    params: list[HyperparameterInfo]


class DomainInfo(BaseModel):
    x: list[float]
    y: list[float]


class SurfaceInfo(BaseModel):
    name: str
    label: str
    latex: str
    description: str
    log_scale: bool
    domain: DomainInfo
    minima: list[list[float]]
    start: list[float]


class Grid(BaseModel):
    """z[j][i] = f(x[i], y[j]); null where f is not finite."""

    x: list[float]
    y: list[float]
    z: list[list[float | None]]


class CustomSurfaceInfo(BaseModel):
    expression: str
    domain: DomainInfo
    latex: str


class NoiseInfo(BaseModel):
    std: float
    seed: int


class RunResult(BaseModel):
    optimizer: str
    label: str
    params: dict[str, Any]
    xy: list[list[float]]
    loss: list[float]
    status: Literal["ok", "diverged"]
    diverged_at: int | None
    evals: list[list[list[float | None]]] | None = Field(
        description="L-BFGS only: evals[i] are the points evaluated in the step that ended at point i")
    grad: list[list[float | None]] | None = Field(
        None, description="With grad=true: the surface's gradient at each point of xy (without the noise)")


class TrajectoryResponse(BaseModel):
    surface: str | CustomSurfaceInfo
    start: list[float]
    steps: int
    noise: NoiseInfo
    runs: list[RunResult]


class ExpressionProblem(BaseModel):
    message: str
    position: int | None


class ExpressionCheck(BaseModel):
    ok: bool
    latex: str | None = None
    error: ExpressionProblem | None = None


class Message(BaseModel):
    detail: str
