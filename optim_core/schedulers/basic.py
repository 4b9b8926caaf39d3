"""The schedules that are a factor per epoch: torch 2.13's chainable ``get_lr`` forms, operation for operation.

torch computes these in Python floats, mostly *recursively* (this epoch's lr is last epoch's lr times a ratio),
and rounds at every step; the closed forms in the docs give different last bits. So each ``get_lr`` below is
torch's, expression for expression and in the same order (``a * b / c`` is not ``a * (b / c)`` in floats).
``_get_closed_form_lr`` exists where torch has one: SequentialLR uses it at a milestone (``_update_lr(0)``).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable

from .base import Group, Scheduler


class LambdaLR(Scheduler):
    """lr = initial lr * lr_lambda(epoch)."""

    label = "LambdaLR"

    def __init__(self, group: Group, lr_lambda: Callable[[int], float]) -> None:
        self.lr_lambda = lr_lambda
        super().__init__(group)

    def get_lr(self) -> float:
        return self.base_lr * self.lr_lambda(self.last_epoch)


class MultiplicativeLR(Scheduler):
    """lr *= lr_lambda(epoch), from epoch 1 on."""

    label = "MultiplicativeLR"

    def __init__(self, group: Group, lr_lambda: Callable[[int], float]) -> None:
        if not callable(lr_lambda):
            raise TypeError(f"lr_lambda should be a function, but got {type(lr_lambda).__name__}")
        self.lr_lambda = lr_lambda
        super().__init__(group)

    def get_lr(self) -> float:
        if not self._is_initial:
            return self.group["lr"] * self.lr_lambda(self.last_epoch)
        return self.group["lr"]


class StepLR(Scheduler):
    """lr *= gamma every step_size epochs."""

    label = "StepLR"

    def __init__(self, group: Group, step_size: int, gamma: float = 0.1) -> None:
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(group)

    def get_lr(self) -> float:
        if (self.last_epoch == 0) or (self.last_epoch % self.step_size != 0):
            return self.group["lr"]
        return self.group["lr"] * self.gamma

    def _get_closed_form_lr(self) -> float:
        return self.base_lr * self.gamma ** (self.last_epoch // self.step_size)


class MultiStepLR(Scheduler):
    """lr *= gamma ** (times the epoch is listed) at each milestone."""

    label = "MultiStepLR"

    def __init__(self, group: Group, milestones: list[int], gamma: float = 0.1) -> None:
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(group)

    def get_lr(self) -> float:
        if self.last_epoch not in self.milestones:
            return self.group["lr"]
        return self.group["lr"] * self.gamma ** self.milestones[self.last_epoch]

    def _get_closed_form_lr(self) -> float:
        milestones = sorted(self.milestones.elements())
        return self.base_lr * self.gamma ** bisect_right(milestones, self.last_epoch)


class ConstantLR(Scheduler):
    """lr * factor until epoch total_iters, then lr * (1 / factor) once."""

    label = "ConstantLR"

    def __init__(self, group: Group, factor: float = 1.0 / 3, total_iters: int = 5) -> None:
        if factor > 1.0 or factor < 0:
            raise ValueError("Constant multiplicative factor expected to be between 0 and 1. (factor must be in "
                             f"[0, 1]; got {factor})")
        self.factor = factor
        self.total_iters = total_iters
        super().__init__(group)

    def get_lr(self) -> float:
        if self.last_epoch == 0:
            return self.group["lr"] * self.factor
        if self.last_epoch != self.total_iters:
            return self.group["lr"]
        return self.group["lr"] * (1.0 / self.factor)

    def _get_closed_form_lr(self) -> float:
        return self.base_lr * (self.factor + (self.last_epoch >= self.total_iters) * (1 - self.factor))


class LinearLR(Scheduler):
    """The factor moves linearly from start_factor to end_factor over total_iters epochs (as a ratio per epoch)."""

    label = "LinearLR"

    def __init__(self, group: Group, start_factor: float = 1.0 / 3, end_factor: float = 1.0,
                 total_iters: int = 5) -> None:
        if start_factor > 1.0 or start_factor <= 0:
            raise ValueError("Starting multiplicative factor expected to be greater than 0 and less or equal to 1. "
                             f"(start_factor must be in (0, 1]; got {start_factor})")
        if end_factor > 1.0 or end_factor < 0:
            raise ValueError("Ending multiplicative factor expected to be between 0 and 1. (end_factor must be "
                             f"in [0, 1]; got {end_factor})")
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(group)

    def get_lr(self) -> float:
        if self.last_epoch == 0:
            return self.group["lr"] * self.start_factor
        if self._is_initial or self.last_epoch > self.total_iters:
            return self.group["lr"]
        return self.group["lr"] * (1.0 + (self.end_factor - self.start_factor) / (
            self.total_iters * self.start_factor + (self.last_epoch - 1) * (self.end_factor - self.start_factor)))

    def _get_closed_form_lr(self) -> float:
        return self.base_lr * (self.start_factor + (self.end_factor - self.start_factor)
                               * min(self.total_iters, self.last_epoch) / self.total_iters)


class ExponentialLR(Scheduler):
    """lr *= gamma every epoch."""

    label = "ExponentialLR"

    def __init__(self, group: Group, gamma: float) -> None:
        self.gamma = gamma
        super().__init__(group)

    def get_lr(self) -> float:
        if self._is_initial:
            return self.group["lr"]
        return self.group["lr"] * self.gamma

    def _get_closed_form_lr(self) -> float:
        return self.base_lr * self.gamma ** self.last_epoch


class PolynomialLR(Scheduler):
    """lr follows initial lr * (1 - t / total_iters) ** power, as a ratio per epoch."""

    label = "PolynomialLR"

    def __init__(self, group: Group, total_iters: int = 5, power: float = 1.0) -> None:
        self.total_iters = total_iters
        self.power = power
        super().__init__(group)

    def get_lr(self) -> float:
        if self._is_initial or self.last_epoch > self.total_iters:
            return self.group["lr"]
        decay_factor = ((1.0 - self.last_epoch / self.total_iters)
                        / (1.0 - (self.last_epoch - 1) / self.total_iters)) ** self.power
        return self.group["lr"] * decay_factor

    def _get_closed_form_lr(self) -> float:
        return self.base_lr * (1.0 - min(self.total_iters, self.last_epoch) / self.total_iters) ** self.power


class CosineAnnealingLR(Scheduler):
    """Half a cosine from the initial lr down to eta_min over T_max epochs, then back up (period 2 T_max)."""

    label = "CosineAnnealingLR"

    def __init__(self, group: Group, T_max: int, eta_min: float = 0.0) -> None:  # noqa: N803 - torch's name
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(group)

    def get_lr(self) -> float:
        if self._is_initial:
            return self.group["lr"]
        if self._step_count == 1 and self.last_epoch > 0:  # reachable in torch only when resuming; kept as is
            return self.eta_min + (self.base_lr - self.eta_min) * (
                1 + math.cos(self.last_epoch * math.pi / self.T_max)) / 2
        if (self.last_epoch - 1 - self.T_max) % (2 * self.T_max) == 0:
            return self.group["lr"] + (self.base_lr - self.eta_min) * (1 - math.cos(math.pi / self.T_max)) / 2
        return ((1 + math.cos(math.pi * self.last_epoch / self.T_max))
                / (1 + math.cos(math.pi * (self.last_epoch - 1) / self.T_max))
                * (self.group["lr"] - self.eta_min) + self.eta_min)

    def _get_closed_form_lr(self) -> float:
        return self.eta_min + (self.base_lr - self.eta_min) * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2


class CosineAnnealingWarmRestarts(Scheduler):
    """Cosine from the initial lr to eta_min over T_i epochs, restarting; T_i grows by T_mult at each restart."""

    label = "CosineAnnealingWarmRestarts"

    def __init__(self, group: Group, T_0: int, T_mult: int = 1, eta_min: float = 0.0) -> None:  # noqa: N803
        if T_0 <= 0 or not isinstance(T_0, int):
            raise ValueError(f"Expected positive integer T_0, but got {T_0} (T_0 must be an integer >= 1)")
        if T_mult < 1 or not isinstance(T_mult, int):
            raise ValueError(f"Expected integer T_mult >= 1, but got {T_mult} (T_mult must be an integer >= 1)")
        self.T_0 = T_0
        self.T_i = T_0
        self.T_mult = T_mult
        self.eta_min = eta_min
        self.T_cur = -1
        super().__init__(group)

    def get_lr(self) -> float:
        return self.eta_min + (self.base_lr - self.eta_min) * (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2

    def step(self, loss: float | None = None) -> None:
        # torch's step() without an epoch; SequentialLR's _update_lr(0) goes through the base class and leaves
        # T_cur where it was, as torch does.
        if self.last_epoch < 0:  # the initial step: torch passes epoch 0 to its own epoch branch
            self.T_i = self.T_0
            self.T_cur = 0
            epoch = 0
        else:
            epoch = self.last_epoch + 1
            self.T_cur = self.T_cur + 1
            if self.T_cur >= self.T_i:
                self.T_cur = self.T_cur % self.T_i
                self.T_i = self.T_i * self.T_mult
        self.last_epoch = math.floor(epoch)
        self.group["lr"] = self.get_lr()
