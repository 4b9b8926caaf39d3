"""The scheduler table: each torch.optim.lr_scheduler class with its keywords, defaults, ranges and help (en, zh).

Keyword names and defaults are torch 2.13's. A keyword torch requires (``T_max``, ``step_size``...) is listed in
``required``; its ``default`` is only the value the page suggests. Besides the kinds of
:class:`~optim_core.spec.Hyperparameter`, three are new here:

- ``ints``: a list of integers, each in [low, high] (``milestones``);
- ``expression``: a typed formula, read by ``optim_core.expression.scalar_function`` in the variable named by
  :data:`EXPRESSION_VARIABLE` (``lr_lambda`` in the epoch ``t``, ``scale_fn`` in ``x``), never run as Python;
- ``schedulers``: a list of other schedulers, each ``[name, {params}]`` or ``{"name": ..., "params": ...}``.

``torch_checked`` lists the keywords whose rule torch's constructor enforces itself: those are checked by the
constructor first, so the error carries torch's own message.

The JSON shape is the API's to choose (as for optimizers); what it needs beyond a Hyperparameter's fields is
``name in spec.required`` and, for an ``expression``, ``EXPRESSION_VARIABLE[name]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..spec import Hyperparameter, find_param


def hp(name: str, kind: str, default: Any, low=None, high=None, *, log=False, en="", zh="", slider=None,
       choices=None, nullable=False) -> Hyperparameter:
    # by keyword: optim_core.spec.hp's positional order is not the same on every branch
    return Hyperparameter(name=name, kind=kind, default=default, low=low, high=high, log=log, help_en=en,
                          help_zh=zh, slider=slider, choices=choices, nullable=nullable)


EXPRESSION_VARIABLE = {"lr_lambda": "t", "scale_fn": "x"}
MAX_LIST = 100  # milestones and children per container: far beyond any schedule one would draw
MAX_EPOCHS = 10**9  # step counts (T_max, step_size, milestones...): beyond any run, and exact as floats


@dataclass(frozen=True)
class SchedulerSpec:
    name: str
    label: str
    params: tuple[Hyperparameter, ...]
    required: tuple[str, ...] = ()
    torch_checked: tuple[str, ...] = ()
    help_en: str = ""
    help_zh: str = ""
    cls: type | None = field(default=None, compare=False)

    def param(self, name: str) -> Hyperparameter:
        return find_param(self.params, name)

    def defaults(self) -> dict[str, Any]:
        """torch's defaults of the optional keywords (the required ones have none)."""
        return {p.name: p.default for p in self.params if p.name not in self.required}


def _gamma(default: float, en: str, zh: str) -> Hyperparameter:
    return hp("gamma", "float", default, 0.0, 10.0, slider=(0.0, 1.0), en=en, zh=zh)


def _eta_min() -> Hyperparameter:
    return hp("eta_min", "float", 0.0, 0.0, 100.0, slider=(0.0, 0.1),
              en="Lowest learning rate the cosine reaches.", zh="余弦曲线到达的最低学习率。")


def _total_iters(default: int, en: str, zh: str) -> Hyperparameter:
    return hp("total_iters", "int", default, 0, MAX_EPOCHS, slider=(0, 1000), en=en, zh=zh)


def _lr_lambda(default: str, en: str, zh: str) -> Hyperparameter:
    return hp("lr_lambda", "expression", default, en=en, zh=zh)


def _cycle_momentum(default_base: float, default_max: float) -> tuple[Hyperparameter, ...]:
    return (
        hp("cycle_momentum", "bool", True,
           en="Also cycle momentum (SGD, RMSprop) or beta1 (Adam family), opposite to the learning rate.",
           zh="同时反向循环动量（SGD、RMSprop）或 beta1（Adam 系列）。"),
        hp("base_momentum", "float", default_base, 0.0, 1.0, slider=(0.0, 0.99),
           en="Lowest momentum, reached where the learning rate peaks.", zh="最低动量，在学习率最高处取到。"),
        hp("max_momentum", "float", default_max, 0.0, 1.0, slider=(0.0, 0.99),
           en="Highest momentum, where the learning rate is lowest.", zh="最高动量，在学习率最低处取到。"),
    )


def _lr(name: str, default: float, en: str, zh: str) -> Hyperparameter:
    return hp(name, "float", default, 0.0, 100.0, log=True, slider=(1e-5, 10.0), en=en, zh=zh)


_SCHEDULERS_PARAM = ("Schedulers to combine, each a name and its parameters (ReduceLROnPlateau is not allowed).",
                     "要组合的调度器，每个给出名称和参数（不能包含 ReduceLROnPlateau）。")

SPECS = (
    SchedulerSpec("lambdalr", "LambdaLR", (
        _lr_lambda("0.95^t", "Factor of the initial learning rate at epoch t, typed in t (e.g. 0.95^t).",
                   "第 t 轮学习率相对初始学习率的倍数，用 t 书写（如 0.95^t）。"),
    ), required=("lr_lambda",), help_en="lr = initial lr * lr_lambda(t).",
        help_zh="学习率 = 初始学习率 × lr_lambda(t)。"),
    SchedulerSpec("multiplicativelr", "MultiplicativeLR", (
        _lr_lambda("0.99", "Factor the learning rate is multiplied by at epoch t (t >= 1), typed in t.",
                   "第 t 轮（t >= 1）学习率乘上的系数，用 t 书写。"),
    ), required=("lr_lambda",), help_en="lr = lr * lr_lambda(t) at each epoch.",
        help_zh="每一轮：学习率 = 学习率 × lr_lambda(t)。"),
    SchedulerSpec("steplr", "StepLR", (
        hp("step_size", "int", 100, 1, MAX_EPOCHS, slider=(1, 1000), en="Epochs between two decays.",
           zh="两次衰减之间的轮数。"),
        _gamma(0.1, "Factor applied at each decay.", "每次衰减乘上的系数。"),
    ), required=("step_size",), help_en="Multiply lr by gamma every step_size epochs.",
        help_zh="每 step_size 轮把学习率乘以 gamma。"),
    SchedulerSpec("multisteplr", "MultiStepLR", (
        hp("milestones", "ints", [100, 200], 0, MAX_EPOCHS, en="Epochs at which the learning rate decays.",
           zh="学习率衰减的轮次。"),
        _gamma(0.1, "Factor applied at each milestone.", "每个里程碑乘上的系数。"),
    ), required=("milestones",), help_en="Multiply lr by gamma at each milestone.",
        help_zh="在每个里程碑把学习率乘以 gamma。"),
    SchedulerSpec("constantlr", "ConstantLR", (
        hp("factor", "float", 1.0 / 3, 0.0, 1.0, slider=(0.0, 1.0),
           en="Factor applied to the learning rate until total_iters.", zh="在 total_iters 轮之前学习率乘上的系数。"),
        _total_iters(5, "Epoch at which the learning rate returns to its initial value.", "学习率恢复初始值的轮次。"),
    ), torch_checked=("factor",), help_en="lr * factor for the first total_iters epochs, then lr.",
        help_zh="前 total_iters 轮使用 学习率 × factor，之后恢复。"),
    SchedulerSpec("linearlr", "LinearLR", (
        hp("start_factor", "float", 1.0 / 3, 0.0, 1.0, slider=(0.01, 1.0),
           en="Factor at epoch 0 (greater than 0).", zh="第 0 轮的系数（大于 0）。"),
        hp("end_factor", "float", 1.0, 0.0, 1.0, slider=(0.0, 1.0), en="Factor reached at total_iters.",
           zh="第 total_iters 轮达到的系数。"),
        _total_iters(5, "Epochs over which the factor moves linearly.", "系数线性变化所用的轮数。"),
    ), torch_checked=("start_factor", "end_factor"),
        help_en="The factor moves linearly from start_factor to end_factor (a common warm-up).",
        help_zh="系数从 start_factor 线性变到 end_factor（常用于预热）。"),
    SchedulerSpec("exponentiallr", "ExponentialLR", (
        _gamma(0.99, "Factor applied every epoch.", "每轮乘上的系数。"),
    ), required=("gamma",), help_en="Multiply lr by gamma every epoch.", help_zh="每轮把学习率乘以 gamma。"),
    SchedulerSpec("polynomiallr", "PolynomialLR", (
        _total_iters(5, "Epochs over which the learning rate decays to zero.", "学习率衰减到零所用的轮数。"),
        hp("power", "float", 1.0, 0.0, 10.0, slider=(0.0, 5.0), en="Power of the polynomial.", zh="多项式的次数。"),
    ), help_en="lr * (1 - t/total_iters)^power, zero after total_iters.",
        help_zh="学习率 × (1 - t/total_iters)^power，total_iters 轮后为零。"),
    SchedulerSpec("cosineannealinglr", "CosineAnnealingLR", (
        hp("T_max", "int", 100, 1, MAX_EPOCHS, slider=(1, 1000), en="Epochs from the initial learning rate to eta_min.",
           zh="从初始学习率降到 eta_min 的轮数。"),
        _eta_min(),
    ), required=("T_max",), help_en="Half a cosine from the initial lr down to eta_min over T_max epochs.",
        help_zh="在 T_max 轮内沿半个余弦从初始学习率降到 eta_min。"),
    SchedulerSpec("cosineannealingwarmrestarts", "CosineAnnealingWarmRestarts", (
        hp("T_0", "int", 50, 1, MAX_EPOCHS, slider=(1, 500), en="Epochs until the first restart.",
           zh="第一次重启前的轮数。"),
        hp("T_mult", "int", 1, 1, MAX_EPOCHS, slider=(1, 4), en="Each period is T_mult times the previous one.",
           zh="每个周期是上一个周期的 T_mult 倍。"),
        _eta_min(),
    ), required=("T_0",), torch_checked=("T_0", "T_mult"),
        help_en="Cosine annealing that restarts at the initial lr (SGDR).", help_zh="会重启的余弦退火（SGDR）。"),
    SchedulerSpec("cycliclr", "CyclicLR", (
        _lr("base_lr", 1e-3, "Lower end of the cycle (also the first learning rate).",
            "循环的下限（也是第一步的学习率）。"),
        _lr("max_lr", 1e-2, "Upper end of the cycle.", "循环的上限。"),
        hp("step_size_up", "int", 2000, 1, MAX_EPOCHS, slider=(1, 500), en="Epochs rising from base_lr to max_lr.",
           zh="从 base_lr 升到 max_lr 的轮数。"),
        hp("step_size_down", "int", None, 0, MAX_EPOCHS, slider=(1, 500), nullable=True,
           en="Epochs falling back (default: step_size_up).", zh="回落的轮数（默认等于 step_size_up）。"),
        hp("mode", "choice", "triangular", choices=("triangular", "triangular2", "exp_range"),
           en="triangular: constant height; triangular2: halved each cycle; exp_range: times gamma^t.",
           zh="triangular：高度不变；triangular2：每个周期减半；exp_range：乘以 gamma^t。"),
        hp("gamma", "float", 1.0, 0.0, 1.0, slider=(0.9, 1.0), en="Base of exp_range's decay gamma^t.",
           zh="exp_range 衰减 gamma^t 的底数。"),
        hp("scale_fn", "expression", None, nullable=True,
           en="Custom height scale, typed in x (the cycle or the epoch); replaces mode.",
           zh="自定义高度缩放，用 x（周期数或轮数）书写；替代 mode。"),
        hp("scale_mode", "choice", "cycle", choices=("cycle", "iterations"),
           en="Whether scale_fn reads the cycle number or the epoch.", zh="scale_fn 的自变量是周期数还是轮数。"),
        *_cycle_momentum(0.8, 0.9),
    ), required=("base_lr", "max_lr"), torch_checked=("mode",),
        help_en="Triangular cycles between base_lr and max_lr (Smith, 2017).",
        help_zh="在 base_lr 与 max_lr 之间三角形循环（Smith, 2017）。"),
    SchedulerSpec("onecyclelr", "OneCycleLR", (
        _lr("max_lr", 1e-2, "Peak learning rate.", "学习率峰值。"),
        hp("total_steps", "int", None, 1, MAX_EPOCHS, slider=(1, 1000), nullable=True,
           en="Length of the cycle (or give epochs and steps_per_epoch); at least the run's steps.",
           zh="周期长度（或给出 epochs 与 steps_per_epoch）；不少于运行步数。"),
        hp("epochs", "int", None, 1, MAX_EPOCHS, nullable=True, en="Epochs, when total_steps is not given.",
           zh="未给 total_steps 时的轮数。"),
        hp("steps_per_epoch", "int", None, 1, MAX_EPOCHS, nullable=True, en="Steps per epoch, with epochs.",
           zh="与 epochs 一起使用的每轮步数。"),
        hp("pct_start", "float", 0.3, 0.0, 1.0, slider=(0.0, 1.0), en="Share of the cycle spent warming up.",
           zh="用于升温的周期比例。"),
        hp("anneal_strategy", "choice", "cos", choices=("cos", "linear"), en="Shape of the rise and fall.",
           zh="上升与下降的形状。"),
        *_cycle_momentum(0.85, 0.95),
        hp("div_factor", "float", 25.0, 0.0, 1e6, log=True, slider=(1.0, 1e3),
           en="The first learning rate is max_lr / div_factor.", zh="初始学习率 = max_lr / div_factor。"),
        hp("final_div_factor", "float", 1e4, 0.0, 1e12, log=True, slider=(1.0, 1e6),
           en="The last learning rate is the first one / final_div_factor.",
           zh="最终学习率 = 初始学习率 / final_div_factor。"),
        hp("three_phase", "bool", False, en="Come back down to the first learning rate before the final anneal.",
           zh="先降回初始学习率，再做最后的退火。"),
    ), required=("max_lr",), torch_checked=("total_steps", "epochs", "steps_per_epoch", "pct_start",
                                            "anneal_strategy"),
        help_en="One warm-up then one long anneal (Smith & Topin, super-convergence).",
        help_zh="一次升温再一次长退火（Smith & Topin，超收敛）。"),
    SchedulerSpec("reducelronplateau", "ReduceLROnPlateau", (
        hp("mode", "choice", "min", choices=("min", "max"), en="min: the loss should fall; max: it should rise.",
           zh="min：损失应下降；max：应上升。"),
        hp("factor", "float", 0.1, 0.0, 1.0, slider=(0.01, 0.99), en="Factor applied when the loss stalls (< 1).",
           zh="损失停滞时学习率乘上的系数（< 1）。"),
        hp("patience", "int", 10, 0, MAX_EPOCHS, slider=(0, 100), en="Steps without improvement tolerated.",
           zh="允许没有改进的步数。"),
        hp("threshold", "float", 1e-4, 0.0, 10.0, log=True, slider=(1e-8, 1.0),
           en="How much better counts as an improvement.", zh="改进至少要达到的幅度。"),
        hp("threshold_mode", "choice", "rel", choices=("rel", "abs"),
           en="rel: relative to the best loss; abs: an absolute margin.", zh="rel：相对最优损失；abs：绝对差值。"),
        hp("cooldown", "int", 0, 0, MAX_EPOCHS, slider=(0, 100), en="Steps to wait after a reduction.",
           zh="降低学习率后等待的步数。"),
        hp("min_lr", "float", 0.0, 0.0, 100.0, slider=(0.0, 0.1), en="The learning rate never goes below this.",
           zh="学习率的下限。"),
        hp("eps", "float", 1e-8, 0.0, 1.0, log=True, slider=(1e-12, 1e-2),
           en="Reductions smaller than this are skipped.", zh="小于该值的降低会被忽略。"),
    ), torch_checked=("mode", "factor", "threshold_mode"),
        help_en="Cut the learning rate when the loss stops improving.", help_zh="损失不再改进时降低学习率。"),
    SchedulerSpec("sequentiallr", "SequentialLR", (
        hp("schedulers", "schedulers",
           [["LinearLR", {"start_factor": 0.1, "total_iters": 20}], ["CosineAnnealingLR", {"T_max": 180}]],
           en=_SCHEDULERS_PARAM[0], zh=_SCHEDULERS_PARAM[1]),
        hp("milestones", "ints", [20], 0, MAX_EPOCHS, en="Epochs at which the next scheduler takes over.",
           zh="切换到下一个调度器的轮次。"),
    ), required=("schedulers", "milestones"), torch_checked=("schedulers", "milestones"),
        help_en="Run schedulers one after another, switching at the milestones.",
        help_zh="依次运行多个调度器，在里程碑处切换。"),
    SchedulerSpec("chainedscheduler", "ChainedScheduler", (
        hp("schedulers", "schedulers",
           [["ConstantLR", {"factor": 0.5, "total_iters": 50}], ["ExponentialLR", {"gamma": 0.99}]],
           en=_SCHEDULERS_PARAM[0], zh=_SCHEDULERS_PARAM[1]),
    ), required=("schedulers",), torch_checked=("schedulers",),
        help_en="Step every scheduler each epoch, their factors multiplying.",
        help_zh="每轮依次调用所有调度器，系数相乘。"),
)
