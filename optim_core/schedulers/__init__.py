"""torch.optim.lr_scheduler, exact to torch 2.13 in float64, for one optimizer's single parameter group.

``SCHEDULERS`` maps each lower-cased class name to its :class:`SchedulerSpec`; :func:`make_scheduler` builds one.
The loop is torch's: read ``scheduler.lr`` (and ``scheduler.momentum``), take the optimizer step, then call
``scheduler.step(loss)``.

>>> from optim_core import OPTIMIZERS
>>> s = make_scheduler(("OneCycleLR", {"max_lr": 0.1, "total_steps": 10}), OPTIMIZERS["adam"].make(), steps=10)
>>> round(s.lr, 6), s.momentum
(0.004, (0.95, 0.999))
"""

from .base import Group, Plan, Scheduler
from .basic import (
    ConstantLR,
    CosineAnnealingLR,
    CosineAnnealingWarmRestarts,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    MultiplicativeLR,
    MultiStepLR,
    PolynomialLR,
    StepLR,
)
from .compose import ChainedScheduler, SequentialLR
from .cyclic import CyclicLR, OneCycleLR, ReduceLROnPlateau
from .factory import find_spec, make_scheduler, rule
from .specs import EXPRESSION_VARIABLE, SPECS, SchedulerSpec

_CLASSES = (LambdaLR, MultiplicativeLR, StepLR, MultiStepLR, ConstantLR, LinearLR, ExponentialLR, PolynomialLR,
            CosineAnnealingLR, CosineAnnealingWarmRestarts, CyclicLR, OneCycleLR, ReduceLROnPlateau, SequentialLR,
            ChainedScheduler)

for _spec in SPECS:
    object.__setattr__(_spec, "cls", next(c for c in _CLASSES if c.label == _spec.label))

SCHEDULERS = {spec.name: spec for spec in SPECS}

__all__ = ["SCHEDULERS", "SchedulerSpec", "Scheduler", "Plan", "Group", "make_scheduler", "find_spec", "rule",
           "EXPRESSION_VARIABLE"] + [c.label for c in _CLASSES]
