"""The base of every scheduler: torch.optim.lr_scheduler.LRScheduler, for one parameter group, in Python floats.

torch keeps a schedule's state in two places: the scheduler's attributes (``last_epoch``, ``base_lrs``,
``_step_count``) and the optimizer's ``param_groups`` (``lr``, ``initial_lr``, ``momentum`` or ``betas``, and the
extra keys CyclicLR and OneCycleLR add). Schedulers built on the same optimizer share those group entries, and
SequentialLR and ChainedScheduler depend on that sharing (each child's constructor reads the ``lr`` the previous
one left). So the port keeps the same split: every scheduler holds a reference to one :class:`Group` (a dict
with torch's keys), and ``get_lr`` reads and writes it in torch's order. The optimizers here are frozen
dataclasses, so the run loop reads :attr:`Scheduler.lr` and :attr:`Scheduler.momentum` before each step instead
of the scheduler writing into the optimizer.

What is left out on purpose: torch's warnings (about calling order and ``get_lr()`` outside ``step()``), which
do not change a number; ``last_epoch`` other than -1, which needs a checkpoint; ``state_dict``; several groups.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, fields
from typing import Any

from ..backend import FLOAT_ERRORS

# torch's own Python arithmetic raises FLOAT_ERRORS for some settings (0/0 in a OneCycleLR phase of length zero,
# 2.0 ** 50000 in CyclicLR's triangular2): torch refuses those settings at that step, so we refuse them up front.


class Group(dict):
    """torch's ``optimizer.param_groups[0]``: ``lr`` plus ``momentum`` or ``betas`` where the optimizer has them.

    ``cycled`` is ours: set once a scheduler writes the momentum or betas, so that :attr:`Scheduler.momentum`
    reports them (torch's optimizer would simply read the group).
    """

    def __init__(self, optimizer: Any) -> None:
        names = {f.name for f in fields(optimizer)}
        super().__init__(lr=optimizer.lr)
        if "momentum" in names:
            self["momentum"] = optimizer.momentum
        if "betas" in names:
            self["betas"] = tuple(optimizer.betas)
        self.defaults = names  # torch's optimizer.defaults: the constructor's keywords
        self.optimizer_name = type(optimizer).SPEC.name
        self.cycled = False


class Scheduler:
    """torch's ``LRScheduler``: ``step()`` after each optimizer step; :attr:`lr` is the lr of the next one.

    Subclasses set their attributes, then call ``super().__init__(group)`` as torch's do, which records
    ``initial_lr`` and takes the initial step (``last_epoch`` -1 -> 0) with ``_is_initial`` set.
    """

    _is_initial = False
    label = "LRScheduler"
    plan: Plan | None = None  # set by make_scheduler(..., steps=n)

    def __init__(self, group: Group) -> None:
        self.group = group
        group.setdefault("initial_lr", group["lr"])
        self.base_lr = group["initial_lr"]
        self.last_epoch = -1
        self._initial_step()

    @property
    def lr(self) -> float:
        """The learning rate the next optimizer step uses."""
        return float(self.group["lr"])

    @property
    def momentum(self) -> float | tuple[float, float] | None:
        """SGD's/RMSprop's momentum or the Adam family's betas, when a scheduler cycles them; else None."""
        if not self.group.cycled:
            return None
        if "betas" in self.group:
            b1, b2 = self.group["betas"]
            return (float(b1), float(b2))
        return float(self.group["momentum"])

    def _initial_step(self) -> None:
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def step(self, loss: float | None = None) -> None:
        """torch's ``scheduler.step()``; ``loss`` is read by ReduceLROnPlateau only."""
        self._step_count += 1
        self._update_lr(None)

    def _update_lr(self, epoch: int | None = None) -> None:
        if epoch is None:
            self.last_epoch += 1
            value = self.get_lr()
        else:  # only SequentialLR passes an epoch (0, at a milestone): torch then prefers the closed form
            self.last_epoch = epoch
            closed = getattr(self, "_get_closed_form_lr", None)
            value = closed() if closed is not None else self.get_lr()
        self.group["lr"] = value

    def get_lr(self) -> float:  # pragma: no cover - every scheduler overrides it
        raise NotImplementedError

    def _walk(self):
        """This scheduler and every scheduler inside it."""
        yield self
        for child in getattr(self, "_schedulers", ()):
            yield from child._walk()

    def validate_for_run(self, steps: int) -> Plan | None:
        """Refuse, before the run starts, a schedule that torch would refuse within ``steps`` steps.

        torch raises during ``step()`` (OneCycleLR past ``total_steps``; arithmetic errors such as 0/0), so the
        check steps a copy of this scheduler ``steps`` times: the exact sequence torch would compute, which is
        returned as a :class:`Plan`. A ReduceLROnPlateau depends on the losses and never raises: None.
        """
        if any(s.label == "ReduceLROnPlateau" for s in self._walk()):
            return None
        # the formulas are shared, not copied: they hold no state, and a compiled one need not be copyable
        shared = {id(v): v for s in self._walk() for v in vars(s).values() if callable(v)}
        twin = copy.deepcopy(self, shared)
        if not twin.group.cycled:  # only the lr moves (no constructor set momentum or betas cycling)
            plan = _lr_plan(self, twin, steps)
            if plan is not None:
                return plan
            twin = copy.deepcopy(self, shared)
        lrs, momenta = [twin.lr], [twin.momentum]
        for k in range(1, steps + 1):
            try:
                twin.step()
            except (*FLOAT_ERRORS, NotImplementedError) as e:
                raise ValueError(_step_failure(self, k, steps, e)) from e
            lrs.append(twin.lr)
            momenta.append(twin.momentum)
        return Plan(lrs, None if momenta[-1] is None else momenta)


def _lr_plan(scheduler: Scheduler, twin: Scheduler, steps: int) -> Plan | None:
    """The plan of a schedule that moves only the lr: the same ``step()`` calls, reading the group's lr as
    :attr:`Scheduler.lr` does, without a property call per step (this loop is most of what a schedule adds to a
    2,000-step run). None if the momentum started cycling on the way (no scheduler does: their constructors set
    it), for the general loop to redo."""
    group, lrs = twin.group, [twin.lr]
    append = lrs.append
    k = 0
    try:
        if type(twin).step is Scheduler.step and type(twin)._update_lr is Scheduler._update_lr:
            # torch's LRScheduler.step() without an epoch, inlined: _step_count += 1, last_epoch += 1,
            # group["lr"] = get_lr() (the composites and ReduceLROnPlateau have steps of their own)
            get_lr = twin.get_lr
            for k in range(1, steps + 1):  # noqa: B007 - k names the failing step below
                twin._step_count += 1
                twin.last_epoch += 1
                value = group["lr"] = get_lr()
                append(float(value))
        else:
            step = twin.step
            for k in range(1, steps + 1):  # noqa: B007 - k names the failing step below
                step()
                append(float(group["lr"]))
    except (*FLOAT_ERRORS, NotImplementedError) as e:
        raise ValueError(_step_failure(scheduler, k, steps, e)) from e
    return None if group.cycled else Plan(lrs, None)


@dataclass(frozen=True)
class Plan:
    """A whole schedule computed ahead, for loops that would rather index a list than call ``step()``.

    ``lr[t]`` is the lr optimizer step t+1 uses (``lr[steps]``: after the last ``step()``); ``momentum[t]``
    likewise, or None when no scheduler cycles it. Equal, bit for bit, to reading :attr:`Scheduler.lr` and
    :attr:`Scheduler.momentum` before each ``step()``.
    """

    lr: list[float]
    momentum: list | None


def _step_failure(scheduler: Scheduler, k: int, steps: int, e: Exception) -> str:
    for s in scheduler._walk():
        if s.label == "OneCycleLR" and "Tried to step" in str(e):
            return f"{e} (total_steps must be at least the run's {steps} steps)"
    if isinstance(e, NotImplementedError):  # torch's base get_lr: a container restarted at a milestone
        return (f"SequentialLR cannot restart a SequentialLR or ChainedScheduler at a milestone (torch raises "
                f"NotImplementedError at step {k}) (put containers first in SequentialLR, or nest them less)")
    return (f"{scheduler.label} fails at step {k} of {steps}, as in torch: {type(e).__name__}: {e} "
            "(change its settings so the schedule stays finite)")
