"""CyclicLR and OneCycleLR (which also cycle momentum or beta1) and ReduceLROnPlateau, as torch 2.13 has them.

CyclicLR and OneCycleLR write the optimizer's group at construction: CyclicLR sets ``lr`` to ``base_lr``;
OneCycleLR overwrites ``initial_lr`` (``max_lr / div_factor``) and adds ``max_lr`` and ``min_lr``; with
``cycle_momentum`` both set ``momentum`` (or beta1) to ``max_momentum`` and add ``max_momentum`` and
``base_momentum``. Later schedulers on the same group (inside SequentialLR or ChainedScheduler) read those keys,
so they are kept in the group exactly as torch keeps them.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from .base import Group, Scheduler

_NO_MOMENTUM = "optimizer must support momentum or beta1 with `cycle_momentum` option enabled"


def _start_momentum(group: Group, label: str, max_momentum: float, base_momentum: float) -> bool:
    """torch's constructor branch for ``cycle_momentum``; returns ``use_beta1``."""
    if "momentum" not in group.defaults and "betas" not in group.defaults:
        raise ValueError(f"{_NO_MOMENTUM} ({label} with cycle_momentum=true needs an optimizer with momentum "
                         f"(SGD, RMSprop) or betas (the Adam family); {group.optimizer_name} has neither)")
    use_beta1 = "betas" in group.defaults
    if use_beta1:
        group["betas"] = (max_momentum, *group["betas"][1:])
    else:
        group["momentum"] = max_momentum
    group["max_momentum"] = max_momentum
    group["base_momentum"] = base_momentum
    group.cycled = True
    return use_beta1


def _set_momentum(group: Group, use_beta1: bool, momentum: float) -> None:
    if use_beta1:
        group["betas"] = (momentum, *group["betas"][1:])
    else:
        group["momentum"] = momentum


class CyclicLR(Scheduler):
    """lr goes base_lr -> max_lr -> base_lr in triangles, scaled per cycle or per iteration; momentum the other way."""

    label = "CyclicLR"

    def __init__(self, group: Group, base_lr: float, max_lr: float, step_size_up: int = 2000,
                 step_size_down: int | None = None, mode: str = "triangular", gamma: float = 1.0,
                 scale_fn: Callable[[float], float] | None = None, scale_mode: str = "cycle",
                 cycle_momentum: bool = True, base_momentum: float = 0.8, max_momentum: float = 0.9) -> None:
        group["lr"] = base_lr
        self.max_lr = max_lr
        step_size_up = float(step_size_up)
        step_size_down = float(step_size_down) if step_size_down is not None else step_size_up
        self.total_size = step_size_up + step_size_down
        self.step_ratio = step_size_up / self.total_size
        if mode not in ["triangular", "triangular2", "exp_range"] and scale_fn is None:
            raise ValueError("mode is invalid and scale_fn is None (mode must be one of triangular, triangular2, "
                             f"exp_range; got {mode!r})")
        self.mode = mode
        self.gamma = gamma
        self._scale_fn_custom = scale_fn
        self.scale_mode = scale_mode
        self._init_scale_fn()
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.use_beta1 = _start_momentum(group, self.label, max_momentum, base_momentum)
            self.base_momentum = base_momentum
            self.max_momentum = max_momentum
        super().__init__(group)
        self.base_lr = base_lr  # torch overwrites base_lrs after the initial step, whatever initial_lr says

    def _init_scale_fn(self) -> None:
        if self._scale_fn_custom is not None:
            return
        if self.mode == "triangular":
            self._scale_fn_ref = self._triangular_scale_fn
            self.scale_mode = "cycle"
        elif self.mode == "triangular2":
            self._scale_fn_ref = self._triangular2_scale_fn
            self.scale_mode = "cycle"
        elif self.mode == "exp_range":
            gamma = self.gamma
            self._scale_fn_ref = lambda x: gamma ** x
            self.scale_mode = "iterations"

    def scale_fn(self, x) -> float:
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        return self._scale_fn_ref(x)

    @staticmethod
    def _triangular_scale_fn(x: float) -> float:
        return 1.0

    @staticmethod
    def _triangular2_scale_fn(x: float) -> float:
        return 1 / (2.0 ** (x - 1))

    def get_lr(self) -> float:
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        scale_factor = x / self.step_ratio if x <= self.step_ratio else (x - 1) / (self.step_ratio - 1)
        base_height = (self.max_lr - self.base_lr) * scale_factor
        if self.scale_mode == "cycle":
            lr = self.base_lr + base_height * self.scale_fn(cycle)
        else:
            lr = self.base_lr + base_height * self.scale_fn(self.last_epoch)
        if self.cycle_momentum:
            base_height = (self.max_momentum - self.base_momentum) * scale_factor
            if self.scale_mode == "cycle":
                momentum = self.max_momentum - base_height * self.scale_fn(cycle)
            else:
                momentum = self.max_momentum - base_height * self.scale_fn(self.last_epoch)
            _set_momentum(self.group, self.use_beta1, momentum)
        return lr


class OneCycleLR(Scheduler):
    """Warm up from max_lr/div_factor to max_lr over pct_start of the steps, then anneal far below the start."""

    label = "OneCycleLR"

    def __init__(self, group: Group, max_lr: float, total_steps: int | None = None, epochs: int | None = None,
                 steps_per_epoch: int | None = None, pct_start: float = 0.3, anneal_strategy: str = "cos",
                 cycle_momentum: bool = True, base_momentum: float = 0.85, max_momentum: float = 0.95,
                 div_factor: float = 25.0, final_div_factor: float = 1e4, three_phase: bool = False) -> None:
        if total_steps is not None:
            if total_steps <= 0 or not isinstance(total_steps, int):
                raise ValueError(f"Expected positive integer total_steps, but got {total_steps} "
                                 "(total_steps must be an integer >= 1)")
            self.total_steps = total_steps
        elif epochs is not None and steps_per_epoch is not None:
            if not isinstance(epochs, int) or epochs <= 0:
                raise ValueError(f"Expected positive integer epochs, but got {epochs} (epochs must be an integer >= 1)")
            if not isinstance(steps_per_epoch, int) or steps_per_epoch <= 0:
                raise ValueError(f"Expected positive integer steps_per_epoch, but got {steps_per_epoch} "
                                 "(steps_per_epoch must be an integer >= 1)")
            self.total_steps = epochs * steps_per_epoch
        else:
            raise ValueError("You must define either total_steps OR (epochs AND steps_per_epoch) "
                             "(give total_steps, or both epochs and steps_per_epoch)")
        up = {"start_lr": "initial_lr", "end_lr": "max_lr", "start_momentum": "max_momentum",
              "end_momentum": "base_momentum"}
        if three_phase:
            self._schedule_phases = [
                {"end_step": float(pct_start * self.total_steps) - 1, **up},
                {"end_step": float(2 * pct_start * self.total_steps) - 2, "start_lr": "max_lr",
                 "end_lr": "initial_lr", "start_momentum": "base_momentum", "end_momentum": "max_momentum"},
                {"end_step": self.total_steps - 1, "start_lr": "initial_lr", "end_lr": "min_lr",
                 "start_momentum": "max_momentum", "end_momentum": "max_momentum"},
            ]
        else:
            self._schedule_phases = [
                {"end_step": float(pct_start * self.total_steps) - 1, **up},
                {"end_step": self.total_steps - 1, "start_lr": "max_lr", "end_lr": "min_lr",
                 "start_momentum": "base_momentum", "end_momentum": "max_momentum"},
            ]
        if pct_start < 0 or pct_start > 1 or not isinstance(pct_start, float):
            raise ValueError(f"Expected float between 0 and 1 pct_start, but got {pct_start} "
                             "(pct_start must be in [0, 1])")
        if anneal_strategy not in ["cos", "linear"]:
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy} "
                             "(anneal_strategy must be cos or linear)")
        self._anneal_func_type = anneal_strategy
        group["initial_lr"] = max_lr / div_factor
        group["max_lr"] = max_lr
        group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.use_beta1 = _start_momentum(group, self.label, max_momentum, base_momentum)
        super().__init__(group)

    @staticmethod
    def _annealing_cos(start, end, pct):
        cos_out = math.cos(math.pi * pct) + 1
        return end + (start - end) / 2.0 * cos_out

    @staticmethod
    def _annealing_linear(start, end, pct):
        return (end - start) * pct + start

    def get_lr(self) -> float:
        step_num = self.last_epoch
        if step_num > self.total_steps:
            raise ValueError(f"Tried to step {step_num} times. The specified number of total steps is "
                             f"{self.total_steps}")
        anneal = self._annealing_cos if self._anneal_func_type == "cos" else self._annealing_linear
        group = self.group
        start_step = 0.0
        last = len(self._schedule_phases) - 1
        for i, phase in enumerate(self._schedule_phases):
            end_step = phase["end_step"]
            if step_num <= end_step or i == last:
                pct = (step_num - start_step) / (end_step - start_step)
                computed_lr = anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct)
                if self.cycle_momentum:
                    computed_momentum = anneal(group[phase["start_momentum"]], group[phase["end_momentum"]], pct)
                break
            start_step = phase["end_step"]
        if self.cycle_momentum:
            _set_momentum(group, self.use_beta1, computed_momentum)
        return computed_lr


class ReduceLROnPlateau(Scheduler):
    """Multiply lr by factor once the loss has not improved for more than patience steps."""

    label = "ReduceLROnPlateau"

    def __init__(self, group: Group, mode: str = "min", factor: float = 0.1, patience: int = 10,
                 threshold: float = 1e-4, threshold_mode: str = "rel", cooldown: int = 0, min_lr: float = 0.0,
                 eps: float = 1e-8) -> None:
        if factor >= 1.0:
            raise ValueError(f"Factor should be < 1.0. (factor must be in [0, 1); got {factor})")
        self.factor = factor
        self.group = group  # no initial step and no initial_lr: torch does not call LRScheduler.__init__ here
        self.min_lr = min_lr
        self.patience = patience
        self.cooldown = cooldown
        self.eps = eps
        self.last_epoch = 0
        if mode not in {"min", "max"}:
            raise ValueError(f"mode {mode} is unknown! (mode must be min or max)")
        if threshold_mode not in {"rel", "abs"}:
            raise ValueError(f"threshold mode {threshold_mode} is unknown! (threshold_mode must be rel or abs)")
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    def step(self, loss: float | None = None) -> None:
        if loss is None:
            raise ValueError("ReduceLROnPlateau.step() needs the loss: it is the metric that must improve")
        current = float(loss)
        self.last_epoch = self.last_epoch + 1
        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            old_lr = float(self.group["lr"])
            new_lr = max(old_lr * self.factor, self.min_lr)
            if old_lr - new_lr > self.eps:
                self.group["lr"] = new_lr
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0

    def _is_better(self, a: float, best: float) -> bool:
        if self.mode == "min" and self.threshold_mode == "rel":
            return a < best * (1.0 - self.threshold)
        if self.mode == "min" and self.threshold_mode == "abs":
            return a < best - self.threshold
        if self.mode == "max" and self.threshold_mode == "rel":
            return a > best * (self.threshold + 1.0)
        return a > best + self.threshold
