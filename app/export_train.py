""""Copy as PyTorch" for a training body: a self-contained torch script that trains the same model, on the same
data, from the same initial weights, with the same minibatch order, with torch.optim itself.

The data and the initial weights are embedded as literals (shortest round-trip reprs, so every float is the same
double); the per-epoch shuffles are regenerated with NumPy's generator, the three lines optim_core uses. The loop
is the one torch users write: ``zero_grad(); loss_fn(model(X[batch]), y[batch]).backward(); step()``, and L-BFGS
``step(closure)`` on the full batch. A run's lr scheduler is torch's class with every keyword (defaults filled in,
nested schedulers too; formulas as lambdas, :func:`app.export_script.scheduler_call`), stepped after each
``optimizer.step()`` as the core steps it: ``ReduceLROnPlateau.step(loss)`` with the minibatch loss that step was
computed from (L-BFGS: the full-batch loss its closure returned first). User text (labels) reaches the script only
as ``repr`` string literals.
"""

from __future__ import annotations

import textwrap
from typing import Any

from optim_core.schedulers import find_spec

from .export_script import TORCH_CLASSES, WIDTH, literal, scheduler_call


def _numbers(name: str, values: list) -> str:
    body = textwrap.fill(literal(values), WIDTH, break_long_words=False, break_on_hyphens=False)
    return f"{name} = {body}\n"


def _model_lines(parameter_names, activation: str | None) -> str:
    layers = []
    for name, shape in parameter_names:
        if name.endswith(".weight"):
            if layers:
                layers.append("torch.nn.Tanh()" if activation == "tanh" else "torch.nn.ReLU()")
            layers.append(f"torch.nn.Linear({shape[1]}, {shape[0]})")
    return "torch.nn.Sequential(" + ", ".join(layers) + ")"


def filled(spec: tuple[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    """A scheduler spec with every keyword, defaults filled in, the nested schedulers' too (the script states
    every number it uses, as for the optimizers)."""
    name, params = spec
    s = find_spec(name)
    out = {**s.defaults(), **params}
    for p in s.params:
        if p.kind == "schedulers" and out.get(p.name) is not None:
            out[p.name] = [filled((c["name"], c.get("params") or {}) if isinstance(c, dict) else (c[0], c[1]))
                           for c in out[p.name]]
    return s.label, out


def training_script(job) -> str:
    """The whole script for one validated training request (an :class:`app.api.train.TrainJob`)."""
    b, first, net = job.body, job.trainers[0], job.net
    model_call = _model_lines(net.parameter_names(), job.model_options.get("activation"))
    title = f"{b.model.name} on {b.data.name}, {b.epochs} epochs"
    runs = []
    for i, (trainer, label, sched) in enumerate(zip(job.trainers, job.labels, job.schedulers, strict=True)):
        opt = trainer.opt
        keywords = ", ".join(f"{k}={literal(v)}" for k, v in opt.hyperparameters().items())
        call = f"torch.optim.{TORCH_CLASSES[opt.SPEC.name]}(model.parameters(), {keywords})"
        if len(call) + 16 > WIDTH:
            call = (f"torch.optim.{TORCH_CLASSES[opt.SPEC.name]}(\n" + textwrap.fill(
                f"model.parameters(), {keywords})", WIDTH - 8, initial_indent=" " * 8, subsequent_indent=" " * 8,
                break_long_words=False, break_on_hyphens=False))
        scheduler = "" if sched is None else f"    scheduler = {scheduler_call(filled(sched))}\n"
        runs.append(f"    # Run {i + 1}\n"
                    "    model = fresh_model()\n"
                    f"    optimizer = {call}\n" + scheduler +
                    f"    runs.append(train({label!r}, model, optimizer{', scheduler' if sched else ''}))\n")
    loss_fn = "torch.nn.BCEWithLogitsLoss()" if net.classifier else "torch.nn.MSELoss()"
    return f'''#!/usr/bin/env python3
"""{title}, exported from Optimizer Playground as a PyTorch script.

The same data, initial weights and minibatch order as the page; run with torch 2.13 (CPU) in float64 it gets the
page's losses to about 1e-10 (matrix products may sum in another order than NumPy's).
由 Optimizer Playground 导出的 PyTorch 训练脚本：相同的数据、初始权重与小批量顺序。

    python this_script.py          # the full-batch loss after every epoch
    python this_script.py --json   # {{"runs": [{{"label": ..., "loss": [every step], "batch_loss": [...]}}]}}
"""

import argparse
import json
import math

import numpy as np
import torch

torch.set_default_dtype(torch.float64)  # the playground computes in float64, and so must torch

EPOCHS = {b.epochs}
BATCH_SIZE = {literal(b.batch_size)}  # None: full batch
SEED = {b.seed}  # drew the initial weights below and draws the per-epoch shuffles
{_numbers("X", first.X.tolist())}{_numbers("Y", first.y.tolist())}{_numbers("INITIAL", first.params[0].tolist())}
N = len(X)
STEPS_PER_EPOCH = 1 if BATCH_SIZE is None else -(-N // BATCH_SIZE)
X, Y = torch.tensor(X), torch.tensor(Y)[:, None]
loss_fn = {loss_fn}


def shuffles():
    """The playground's per-epoch permutations: NumPy's generator on an independent stream of SEED."""
    if BATCH_SIZE is None:
        return [list(range(N))] * EPOCHS
    rng = np.random.default_rng(np.random.SeedSequence(SEED, spawn_key=(1,)))
    return [rng.permutation(N).tolist() for _ in range(EPOCHS)]


def fresh_model():
    """The model with the playground's initial weights, layer by layer: each weight (out, in), then its bias."""
    model = {model_call}
    with torch.no_grad():
        offset = 0
        for p in model.parameters():
            p.copy_(torch.tensor(INITIAL[offset:offset + p.numel()]).view_as(p))
            offset += p.numel()
    return model


def train(label, model, optimizer, scheduler=None):
    """EPOCHS epochs; the full-batch loss before the first step and after every step, and each step's batch loss.
    The lr scheduler, if any, steps after every optimizer step (ReduceLROnPlateau with that step's batch loss)."""
    lbfgs = isinstance(optimizer, torch.optim.LBFGS)
    sparse = isinstance(optimizer, torch.optim.SparseAdam)

    def full_loss():
        with torch.no_grad():
            return loss_fn(model(X), Y).item()

    def closure():
        optimizer.zero_grad()
        value = loss_fn(model(X), Y)
        value.backward()
        return value

    losses, batch_losses = [full_loss()], []
    for perm in shuffles():
        for s in range(STEPS_PER_EPOCH):
            if lbfgs:
                value = optimizer.step(closure)
            else:
                optimizer.zero_grad()
                batch = torch.tensor(perm if BATCH_SIZE is None else perm[s * BATCH_SIZE:(s + 1) * BATCH_SIZE])
                value = loss_fn(model(X[batch]), Y[batch])
                value.backward()
                if sparse:  # SparseAdam takes sparse gradients only
                    for p in model.parameters():
                        p.grad = p.grad.to_sparse()
                optimizer.step()
            batch_losses.append(value.item())
            if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
                scheduler.step(value.item())  # the loss this step was computed from, as the playground watches it
            elif scheduler is not None:
                scheduler.step()
            losses.append(full_loss())
            if not math.isfinite(losses[-1]):  # the playground stops here too
                return label, losses[:-1], batch_losses
    return label, losses, batch_losses


def main():
    parser = argparse.ArgumentParser(description="Optimizer Playground's training runs, recomputed with torch.")
    parser.add_argument("--json", action="store_true", help="print every step's losses as JSON")
    args = parser.parse_args()

    runs = []

{"".join(runs)}
    if args.json:
        print(json.dumps({{"runs": [{{"label": label, "loss": loss, "batch_loss": batch}}
                                    for label, loss, batch in runs]}}))
        return
    for label, loss, _ in runs:
        print(label)
        for epoch in range(1, EPOCHS + 1):
            step = epoch * STEPS_PER_EPOCH
            if step < len(loss):
                print(f"  epoch {{epoch:5d}}  loss = {{loss[step]!r}}")
        if len(loss) < EPOCHS * STEPS_PER_EPOCH + 1:
            print("  (stopped: diverged / 已发散)")


if __name__ == "__main__":
    main()
'''
