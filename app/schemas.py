"""Request and response models. The limits they enforce live in :mod:`app.limits` and ``optim_core``.

Validation is data-driven: optimizer names, hyperparameter kinds and ranges come from ``optim_core.OPTIMIZERS``
and surface names from ``optim_core.SURFACES``, so a new optimizer needs no change here. A hyperparameter is
judged by the core's own coercion (``optim_core.spec._coerce``, the one validator of that table) and then held to
its spec's range. Each refusal is a predicate such as "must be a number in [0, 100]" with a machine-readable code
and its parameters; the error handler in :mod:`app.errors` puts the field's path in front of it
("runs[2].params.lr must be a number in [0, 100]").
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, WrapValidator, field_validator
from pydantic_core import PydanticCustomError

from optim_core import OPTIMIZERS, SURFACES
from optim_core.spec import Hyperparameter, _coerce

from .limits import MAX_COORD, MAX_EXPRESSION, MAX_LABEL, MAX_NOISE, MAX_RUNS, MAX_SEED, MAX_STEPS


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


def explain(rule: str, code: str, **params: Any) -> WrapValidator:
    """Replace pydantic's error for this value (not for its items or fields) with ``rule``, ``code`` and ``params``.

    >>> from pydantic import TypeAdapter
    >>> ta = TypeAdapter(Annotated[int, Field(strict=True, le=3), explain("must be an integer <= 3", "int_max")])
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
            raise PydanticCustomError(code, rule, params) from None

    return WrapValidator(validate)


def _finite(lo: float, hi: float) -> Any:
    return Annotated[float, Field(strict=True, ge=lo, le=hi, allow_inf_nan=False),
                     explain(f"must be a finite number in [{fmt(lo)}, {fmt(hi)}]", "number_range", min=lo, max=hi)]


def integer(lo: int, hi: int) -> Any:
    return Annotated[int, Field(strict=True, ge=lo, le=hi),
                     explain(f"must be an integer in [{lo}, {hi}]", "integer_range", min=lo, max=hi)]


COORDS = {"min": -MAX_COORD, "max": MAX_COORD}
Coordinate = _finite(-MAX_COORD, MAX_COORD)
Point = Annotated[list[Coordinate], Field(min_length=2, max_length=2),
                  explain(f"must be a point [x, y] of two finite numbers in {COORD_RANGE}", "point", **COORDS)]
Range = Annotated[list[Coordinate], Field(min_length=2, max_length=2),
                  explain(f"must be a range [min, max] of two finite numbers in {COORD_RANGE}", "range", **COORDS)]
Steps = integer(0, MAX_STEPS)
OptimizerName = Annotated[Literal[tuple(OPTIMIZERS)], explain(f"must be one of: {', '.join(OPTIMIZERS)}",
                                                              "optimizer_name", choices=list(OPTIMIZERS))]
NoiseStd = _finite(0.0, MAX_NOISE)
Seed = integer(0, MAX_SEED)
Flag = Annotated[bool, Field(strict=True), explain("must be true or false", "boolean")]
SurfaceName = Literal[tuple(SURFACES)]
SURFACE_RULE = (f"must be a surface name ({', '.join(SURFACES)}) or an object "
                '{"expression": "...", "domain": {"x": [min, max], "y": [min, max]}}')


class StrictModel(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


# ----------------------------------------------------------------------------------------------------- requests
class Domain(StrictModel):
    """Plot and grid ranges of a typed surface."""

    x: Annotated[Range, Field(description="[min, max] with min < max")]
    y: Annotated[Range, Field(description="[min, max] with min < max")]

    @field_validator("x", "y")
    @classmethod
    def _ordered(cls, v: list[float], info: ValidationInfo) -> list[float]:
        if not v[0] < v[1]:
            raise PydanticCustomError("range_order", "must have min < max, got [{lo}, {hi}]",
                                      {"lo": fmt(v[0]), "hi": fmt(v[1]), "min": v[0], "max": v[1]})
        return v

    def pairs(self) -> tuple[tuple[float, float], tuple[float, float]]:
        return (self.x[0], self.x[1]), (self.y[0], self.y[1])


Expression = Annotated[str, Field(min_length=1, max_length=MAX_EXPRESSION),
                       explain(f"must be a formula of 1 to {MAX_EXPRESSION} characters", "expression_length",
                               min=1, max=MAX_EXPRESSION)]


class CustomSurface(StrictModel):
    """A typed f(x, y); see ``optim_core.expression`` for the grammar and its limits."""

    expression: Expression
    domain: Domain | None = None


def _surface_ref(value: Any, handler: Any) -> Any:
    if isinstance(value, str) and value not in SURFACES:
        raise PydanticCustomError("unknown_surface", SURFACE_RULE, {"choices": list(SURFACES)})
    if not isinstance(value, str | dict):
        raise PydanticCustomError("surface_type", SURFACE_RULE, {"choices": list(SURFACES)})
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


def _param_error(p: Hyperparameter, value: Any) -> PydanticCustomError | None:
    """None if ``value`` is good for ``p``: the core's coercion says whether it is of the right kind (and why
    not), the spec's range whether the API takes it."""
    params = {"name": p.name, "kind": p.kind, "min": p.low, "max": p.high,
              "choices": list(p.choices) if p.choices is not None else None, "nullable": p.nullable}
    try:
        v = _coerce(p, value)
    except (ValueError, OverflowError) as err:  # OverflowError: an integer too large for a float
        return PydanticCustomError("hyperparameter_type", _param_rule(p) + " ({reason})", {**params,
                                   "reason": str(err)[:200]})
    values = v if p.kind == "pair" else (v,)
    if p.kind in ("float", "int", "pair") and not all(
            e is None or ((p.low is None or e >= p.low) and (p.high is None or e <= p.high)) for e in values):
        return PydanticCustomError("hyperparameter_range", _param_rule(p), params)
    return None


class Run(StrictModel):
    """One optimizer with its hyperparameters (torch's keyword names; omitted ones take torch's defaults)."""

    optimizer: OptimizerName
    params: dict[str, Any] = Field(default_factory=dict, description="Hyperparameters as in GET /api/optimizers")
    label: Annotated[str | None, Field(max_length=MAX_LABEL),
                     explain(f"must be a string of at most {MAX_LABEL} characters, or null", "label",
                             max_length=MAX_LABEL)] = None
    scheduler: SchedulerRef | None = Field(None, description="torch's lr scheduler, stepped after each step")

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
                    {"opt": name, "name": key, "allowed": ", ".join(allowed)}), "loc": (key,), "input": value})
            elif (problem := _param_error(p, value)) is not None:
                problems.append({"type": problem, "loc": (key,), "input": value})
        if problems:
            raise ValidationError.from_exception_data("params", problems)
        try:
            optimizer = spec.make(**params)
        except ValueError as err:  # torch's cross-field rules, e.g. nesterov needs momentum and no dampening
            raise PydanticCustomError("optimizer_rule", "{why}", {"why": str(err), "optimizer": name}) from None
        return optimizer.hyperparameters()


SchedulerName = Annotated[str, Field(min_length=1, max_length=64),
                          explain("must be a scheduler name from GET /api/schedulers", "scheduler_name")]


class SchedulerRef(StrictModel):
    """torch's lr scheduler for one run: its class name and keywords (GET /api/schedulers). It is checked by the
    core (``optim_core.make_scheduler``) against the run's optimizer and steps: see
    :func:`app.scheduling.check_schedulers`."""

    name: SchedulerName
    params: dict[str, Any] = Field(default_factory=dict, description="Keywords as in GET /api/schedulers")


class Noise(StrictModel):
    """Gaussian noise added to each gradient component, reproducible from the seed."""

    std: NoiseStd = 0.0
    seed: Seed = 0


class TrajectoryRequest(StrictModel):
    surface: SurfaceRef
    start: Point | None = Field(None, description="Start point; null for the surface's default start")
    steps: Steps
    runs: Annotated[list[Run], Field(max_length=MAX_RUNS),
                    explain(f"must be a list of at most {MAX_RUNS} runs", "run_count", max=MAX_RUNS)]
    noise: Noise = Field(default_factory=Noise)
    grad: Flag = Field(
        False, description="Also send the surface's gradient at every point (for hover), null where not finite")
    inspect: Flag = Field(False, description="Also send each run's recorded optimizer state, received gradient, "
                                             "update, lr and momentum per step, and its status (implies status_detail)")
    status_detail: Flag = Field(False, description="Also send each run's status: final, per step, and where it "
                                                   "diverged")

    @field_validator("runs")
    @classmethod
    def _check_schedulers(cls, runs: list[Run], info: ValidationInfo) -> list[Run]:
        from .scheduling import check_schedulers  # the core's one validator, with the field's path

        if "steps" in info.data:  # else the steps' own error says what is wrong
            check_schedulers(runs, info.data["steps"])
        return runs


class ExpressionCheckRequest(StrictModel):
    expression: Annotated[str, explain("must be a string", "string")]
    domain: Domain | None = Field(None, description="The plot ranges; the default start is computed for them "
                                                     "(null: the default domain)")


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


class RecordedInfo(BaseModel):
    state: dict[str, list[Any]] = Field(description="torch's optimizer.state keys: [x, y] or a number per row")
    grad: list[list[float | None]] = Field(description="The gradient the optimizer received (noise included)")
    update: list[list[float | None]] = Field(description="The change of the parameters, Δθ")
    lr: list[float | None]
    momentum: list[float | None] | None = Field(None, description="momentum or beta1 in effect, where it has one")
    derived: dict[str, list[Any]] = Field(description="The algorithm box's derived quantities (app/derived.py)")


class RunStatusInfo(BaseModel):
    code: Literal["converged", "moving", "oscillating", "stalled", "diverged"]
    reason: str
    key: str = Field(description="The message's key in optim_core.STATUS_MESSAGES (docs/api.md)")
    step: int
    minimum: int | None
    params: dict[str, Any]


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
    lr: list[float | None] | None = Field(
        None, description="With a scheduler: the lr each step used (lr[t] for the step to point t; lr[0] null)")
    momentum: list[float | None] | None = Field(
        None, description="With a scheduler that cycles momentum or beta1: its value at each step, as lr")
    scheduler: dict[str, Any] | None = Field(None, description="The run's scheduler: name and every keyword")
    inspect: RecordedInfo | None = Field(None, description="With inspect=true: the recorded values, row t after "
                                                           "step t (row 0 before the first step)")
    run_status: RunStatusInfo | None = Field(None, description="With status_detail or inspect: why the run ended")
    status_steps: list[list[Any]] | None = Field(
        None, description="With status_detail or inspect: [from_step, code, reason, since] at each change of status")
    diverged_point: list[float] | None = Field(None, description="The last finite point of a diverged run")


class TrajectoryResponse(BaseModel):
    surface: str | CustomSurfaceInfo
    start: list[float]
    steps: int
    noise: NoiseInfo
    runs: list[RunResult]


class ExpressionProblem(BaseModel):
    message: str
    position: int | None
    code: str
    params: dict[str, Any]


class ExpressionCheck(BaseModel):
    ok: bool
    latex: str | None = None
    start: list[float] | None = Field(None, description="Where a run starts by default on the given domain")
    cost: float | None = Field(None, description="A step's work on this surface relative to a built-in one")
    error: ExpressionProblem | None = None


class Message(BaseModel):
    detail: str
    code: str | None = Field(None, description="Machine-readable reason, for the page's catalogs (docs/api.md)")
    params: dict[str, Any] | None = Field(None, description="The code's parameters")


class SchedulerInfo(BaseModel):
    name: str
    label: str
    help: Help
    required: list[str]
    params: list[dict[str, Any]] = Field(description="As /api/optimizers' params, plus kinds ints, expression "
                                                     "(with variable) and schedulers, and required")
# --------------------------------------------------------------------------------- POST /api/train (issue 13)
from optim_core.models import DATASETS, EPOCHS_RANGE, MODELS, N_RANGE, SEED_RANGE  # noqa: E402

from .limits import (  # noqa: E402
    LANDSCAPE_GRID_DEFAULT,
    LANDSCAPE_GRID_MAX,
    LANDSCAPE_GRID_MIN,
    MAX_TRAIN_RUNS,
)

ModelName = Annotated[Literal[tuple(MODELS)], explain(f"must be one of: {', '.join(MODELS)}", "model_name",
                                                      choices=list(MODELS))]
DatasetName = Annotated[Literal[tuple(DATASETS)], explain(f"must be one of: {', '.join(DATASETS)}", "dataset_name",
                                                          choices=list(DATASETS))]
Options = Annotated[dict[str, Any], explain("must be an object of options (see GET /api/models)", "options")]


class ModelRef(StrictModel):
    """A model of GET /api/models with its options (omitted ones take their defaults)."""

    name: ModelName
    options: Options = Field(default_factory=dict)


class DataRef(StrictModel):
    """A data set of GET /api/models with its options (n, noise, seed...; omitted ones take their defaults)."""

    name: DatasetName
    options: Options = Field(default_factory=dict)


def _odd_grid(value: int) -> int:
    if value % 2 == 0:
        raise PydanticCustomError("odd_grid", "must be an odd integer in [{min}, {max}] (the centre is a grid point)",
                                  {"min": LANDSCAPE_GRID_MIN, "max": LANDSCAPE_GRID_MAX})
    return value


class LandscapeOptions(StrictModel):
    """The shared slice: its grid, its directions' seed, and its centre (a run's parameters at a step)."""

    grid: Annotated[integer(LANDSCAPE_GRID_MIN, LANDSCAPE_GRID_MAX), Field(
        description="Odd: grid points per axis")] = LANDSCAPE_GRID_DEFAULT
    seed: integer(*SEED_RANGE) = 0
    run: Annotated[integer(0, MAX_TRAIN_RUNS - 1), Field(description="The centre's run (an index of runs)")] = 0
    step: Annotated[integer(0, 10**9) | None, Field(
        description="The centre's step (null: where that run ended; else the nearest kept step at or before it)"
    )] = None

    _grid_is_odd = field_validator("grid")(_odd_grid)


class TrainRequest(StrictModel):
    model: ModelRef
    data: DataRef
    epochs: integer(*EPOCHS_RANGE)
    batch_size: Annotated[integer(1, N_RANGE[1]) | None, Field(
        description="Minibatch size, at most the data's n; null for full batch")] = None
    seed: Annotated[integer(*SEED_RANGE), Field(description="Initial weights and per-epoch shuffles")] = 0
    runs: Annotated[list[Run], Field(min_length=1, max_length=MAX_TRAIN_RUNS),
                    explain(f"must be a list of 1 to {MAX_TRAIN_RUNS} runs", "run_count", min=1,
                            max=MAX_TRAIN_RUNS)]
    landscape: LandscapeOptions = Field(default_factory=LandscapeOptions)
# ------------------------------------------------------------------------------------- maps and tuning (issue 12)
from optim_core.tune import DEFAULT_BUDGET, MAX_BUDGET, OBJECTIVES  # noqa: E402

from .limits import MAP_RESOLUTION_MAX, MAP_RESOLUTION_MIN  # noqa: E402 - the section stands alone for merging

MapResolution = integer(MAP_RESOLUTION_MIN, MAP_RESOLUTION_MAX)
AxisValue = _finite(-MAX_COORD, MAX_COORD)


class MapAxis(StrictModel):
    """One axis of a hyperparameter map: a grid name (a numeric hyperparameter, ``name[0]``/``name[1]``, or
    ``beta1``/``beta2``) and its range, spaced evenly or evenly in the logarithm."""

    name: Annotated[str, Field(max_length=40), explain("must be a hyperparameter name", "axis_name")]
    min: AxisValue
    max: AxisValue
    scale: Literal["linear", "log"] = "linear"


class MapRequest(Run):
    """A basin map (every start of the surface's domain) or a hyperparameter map (one or two ``axes``, from
    ``start``), of one optimizer with its ``params``; ``label`` is echoed."""

    kind: Literal["basin", "hyperparameters"]
    surface: SurfaceRef
    steps: Steps
    resolution: MapResolution
    start: Point | None = Field(None, description="Hyperparameter maps: the start point; null for the default")
    axes: Annotated[list[MapAxis], Field(max_length=2),
                    explain("must be a list of at most 2 axes", "axis_count", max=2)] = Field(default_factory=list)
    noise: Noise = Field(default_factory=Noise)


class TuneRequest(StrictModel):
    """Each run's optimizer tuned over the same log grid of lr, its other ``params`` held fixed."""

    surface: SurfaceRef
    start: Point | None = Field(None, description="The start point; null for the surface's default start")
    steps: Steps
    runs: Annotated[list[Run], Field(min_length=1, max_length=MAX_RUNS),
                    explain(f"must be a list of 1 to {MAX_RUNS} runs", "run_count", min=1, max=MAX_RUNS)]
    objective: Literal[tuple(OBJECTIVES)] = "final_loss"
    budget: integer(2, MAX_BUDGET) = DEFAULT_BUDGET
    noise: Noise = Field(default_factory=Noise)
