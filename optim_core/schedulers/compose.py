"""SequentialLR and ChainedScheduler: schedulers over the same group, in torch 2.13's order.

As in torch, the children are built first, one after another, on the same group (each constructor takes its
initial step and so changes ``lr``); only then is the container built. SequentialLR then puts ``initial_lr``
back, winds every child's ``last_epoch`` back by one, and re-takes the first child's initial step.
"""

from __future__ import annotations

from bisect import bisect_right

from .base import Group, Scheduler


def _refuse_plateau(label: str, schedulers: list[Scheduler]) -> None:
    if len(schedulers) < 1:
        what = "at least one scheduler to be chained" if label == "ChainedScheduler" else "at least one scheduler"
        raise ValueError(f"{label} expects {what}, but got no scheduler. (schedulers must list one or more "
                         "schedulers)")
    for i, s in enumerate(schedulers):
        if s.label == "ReduceLROnPlateau":
            raise ValueError(
                f"{label} does not support `ReduceLROnPlateau` scheduler as it requires additional kwargs to be "
                f"specified when calling `step`, but got one at index {i} in the given schedulers sequence. "
                "(use ReduceLROnPlateau on its own)")


class SequentialLR(Scheduler):
    """One child at a time: child i runs from milestone i-1 and restarts its epoch count there."""

    label = "SequentialLR"

    def __init__(self, group: Group, schedulers: list[Scheduler], milestones: list[int]) -> None:
        _refuse_plateau(self.label, schedulers)
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                "Sequential Schedulers expects number of schedulers provided to be one more than the number of "
                f"milestone points, but got number of schedulers {len(schedulers)} and the number of milestones "
                f"to be equal to {len(milestones)} (milestones must have {len(schedulers) - 1} entries)")
        self._schedulers = schedulers
        self._milestones = milestones
        self.last_epoch = 0  # torch: last_epoch + 1 with last_epoch = -1
        self.group = group
        group["lr"] = group["initial_lr"]
        self._recursive_undo(self)
        idx = bisect_right(self._milestones, 0)
        self._schedulers[idx]._initial_step()

    def _recursive_undo(self, sched: Scheduler) -> None:
        # torch's recursive_undo: containers (anything with _schedulers) recurse and keep their own last_epoch;
        # the rest lose one epoch (CosineAnnealingWarmRestarts keeps its T_cur: torch does not touch it).
        if hasattr(sched, "_schedulers"):
            for s in sched._schedulers:
                self._recursive_undo(s)
        elif hasattr(sched, "last_epoch"):
            sched.last_epoch -= 1

    def _initial_step(self) -> None:  # as a child of another SequentialLR: torch's base _initial_step -> step()
        self._step_count = 0
        self.step()

    def step(self, loss: float | None = None) -> None:
        self.last_epoch += 1
        idx = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            scheduler._update_lr(0)
        else:
            scheduler.step()


class ChainedScheduler(Scheduler):
    """Every child steps, in order, each on the lr the previous one left."""

    label = "ChainedScheduler"

    def __init__(self, group: Group, schedulers: list[Scheduler]) -> None:
        _refuse_plateau(self.label, schedulers)
        self._schedulers = schedulers
        self.group = group

    def _initial_step(self) -> None:
        self._step_count = 0
        self.step()

    def step(self, loss: float | None = None) -> None:
        for scheduler in self._schedulers:
            scheduler.step()
