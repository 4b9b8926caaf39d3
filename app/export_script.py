""""Copy as PyTorch": a self-contained torch script that recomputes a trajectory request with torch.optim itself.

The script is made of pieces, each a function returning source text, so that schedulers and trained models can
be added as pieces of their own:

- :func:`header_piece`: docstring, imports, float64, the request's constants (steps, start, divergence bound);
- :func:`surface_piece`: ``f(x, y)`` written from the parsed formula (see :mod:`app.export_formula`);
- :func:`noise_piece`: optim_core's noise generator, copied from its source, and a stream of draws;
- :func:`loop_piece`: ``train(label, p, optimizer)``, the training loop with the playground's stopping rule;
- :func:`run_piece`: one run: its parameter tensor and optimizer, built with torch's class and keywords, and its
  lr scheduler (:func:`scheduler_call`), stepped after each optimizer step as torch's docs do;
- :func:`main_piece`: every run, then the points as a table or as JSON.

Safety: user text reaches the script only as Python string literals made by ``repr`` (labels, the formula as
typed); everything else is generated from validated numbers and the parsed tree.
"""

from __future__ import annotations

import inspect
import math
import textwrap
from typing import Any

from optim_core import SURFACES, Optimizer, noise
from optim_core.trajectory import BOUND_FACTOR

from .export_formula import scalar_lambda, surface_formula, torch_expression

# Our optimizer names -> torch.optim's classes; every one is run by scripts/make_golden_export.py.
TORCH_CLASSES = {"sgd": "SGD", "asgd": "ASGD", "adagrad": "Adagrad", "adadelta": "Adadelta", "rmsprop": "RMSprop",
                 "adam": "Adam", "adamw": "AdamW", "adamax": "Adamax", "nadam": "NAdam", "radam": "RAdam",
                 "sparseadam": "SparseAdam", "lbfgs": "LBFGS", "rprop": "Rprop"}
NOISE_BLOCK = 256  # draws per call of the generator; any size gives the same numbers (they are addressed by count)
WIDTH = 120  # the longest line a call may take before it is wrapped


def literal(value: Any) -> str:
    """A hyperparameter or constant as Python source; refuses anything that is not a plain finite literal."""
    if value is None or isinstance(value, bool | str):
        return repr(value)
    if isinstance(value, int):
        return repr(int(value))
    if isinstance(value, float):  # float() as well: NumPy 2 writes np.float64(0.5) as "np.float64(0.5)"
        if not math.isfinite(value):
            raise ValueError(f"cannot write {value!r} as a literal")
        return repr(float(value))
    if isinstance(value, tuple | list):
        items = [literal(v) for v in value]
        return f"({', '.join(items)})" if isinstance(value, tuple) else f"[{', '.join(items)}]"
    raise TypeError(f"cannot write a {type(value).__name__} as a literal")


def bound(domain) -> float:
    """The playground's divergence bound for a surface's plot domain (optim_core.trajectory's rule)."""
    return BOUND_FACTOR * max(1.0, max(abs(v) for pair in domain for v in pair))


def header_piece(title: str, steps: int, start: tuple[float, float], limit: float, with_noise: bool,
                 surface_line: str) -> str:
    numpy_import = "import numpy as np\n" if with_noise else ""
    return f'''#!/usr/bin/env python3
"""{title}, exported from Optimizer Playground as a PyTorch script.

Run with torch 2.13 (CPU), it computes every path with torch.optim itself and gets the playground's numbers, bit for
bit wherever torch's sqrt, exp, sin and cos round correctly (on some CPUs they are one ulp off now and then).
由 Optimizer Playground 导出的 PyTorch 脚本：用 torch 2.13（CPU）运行，torch.optim 算出与页面相同的路径。

    python this_script.py          # each run's points and losses
    python this_script.py --json   # {{"runs": [{{"label": ..., "xy": [[x, y], ...], "loss": [...]}}]}}
"""

import argparse
import json
import math

{numpy_import}import torch

torch.set_default_dtype(torch.float64)  # the playground computes in float64, and so must torch

STEPS = {literal(steps)}
START = {literal([float(v) for v in start])}
# The playground stops a run at its first point beyond BOUND (10^6 times the plot's largest coordinate) or whose
# loss is not finite, and keeps the points before it.
BOUND = {literal(limit)}
{surface_line}'''


def surface_line(surface_echo: Any) -> str:
    """The constant naming the surface, for the header: its registry name, or the formula as typed (a literal)."""
    if isinstance(surface_echo, str):
        return f"SURFACE = {surface_echo!r}\n"
    return f"FORMULA = {surface_echo['expression']!r}  # as typed on the page\n"


def surface_piece(surface_echo: Any) -> str:
    """``f(x, y)`` for a built-in surface (by name) or a typed one (``{"expression": ..., "domain": ...}``)."""
    if isinstance(surface_echo, str):
        formula = surface_formula(surface_echo)
        doc = f"{SURFACES[surface_echo].label}: {formula}"
    else:
        formula = surface_echo["expression"]
        doc = "The formula typed on the page (FORMULA), as the playground parsed it."
    body = torch_expression(formula)
    return f'''def f(x, y):
    """{doc}"""
    return {body}
'''


def noise_piece(std: float, seed: int) -> str:
    source = inspect.getsource(noise)
    marker = "import numpy as np\n"
    if marker not in source:  # pragma: no cover - optim_core/noise.py changed its shape: update this piece
        raise RuntimeError("optim_core/noise.py no longer imports numpy as np")
    generator = source.split(marker, 1)[1].strip()
    return f'''NOISE_STD = {literal(float(std))}
NOISE_SEED = {literal(int(seed))}

# ----- The playground's gradient noise, copied from its source (optim_core/noise.py) so that the draws match -----
{generator}
# ----- end of the copy -----


def gradient_noise():
    """The noise for each gradient evaluation of one run in turn: draw k goes to the k-th evaluation."""
    k = 0
    while True:
        for kx, ky in (gaussian(NOISE_SEED, 0, np.arange(k, k + {NOISE_BLOCK})) * NOISE_STD).tolist():
            yield torch.tensor([kx, ky])
        k += {NOISE_BLOCK}
'''


def loop_piece(*, lbfgs: bool, others: bool, sparse: bool, with_noise: bool, scheduled: bool = False,
               plateau: bool = False) -> str:
    """The training loop, with only the branches this request needs."""
    lines = [
        "def train(label, p, optimizer, scheduler=None):" if scheduled else "def train(label, p, optimizer):",
        '    """STEPS steps of optimizer on f from p; the points and losses up to where the playground would stop."""',
    ]
    if with_noise:
        lines.append("    noise = gradient_noise()")
    lines += ["", "    def closure():", "        optimizer.zero_grad()", "        loss = f(p[0], p[1])",
              "        loss.backward()"]
    if with_noise:
        lines.append("        p.grad += next(noise)  # the playground's gradient noise")
    if sparse:
        lines += ["        if isinstance(optimizer, torch.optim.SparseAdam):",
                  "            p.grad = p.grad.to_sparse()  # SparseAdam takes sparse gradients only"]
    lines += ["        return loss", "", "    xy, losses = [p.tolist()], []  # losses[i] is f at xy[i]",
              "    for step in range(STEPS):"]
    evaluate_without_grad = ["with torch.no_grad():", "    loss = f(p[0], p[1])  # L-BFGS calls closure() itself"]
    if lbfgs and others:
        lines += ["        if isinstance(optimizer, torch.optim.LBFGS):"]
        lines += ["            " + s for s in evaluate_without_grad]
        lines += ["        else:", "            loss = closure()"]
    elif lbfgs:
        lines += ["        " + s for s in evaluate_without_grad]
    else:
        lines += ["        loss = closure()"]
    lines += ["        if not math.isfinite(loss.item()):", "            return label, xy[:-1], losses",
              "        losses.append(loss.item())"]
    if lbfgs:
        step = ["optimizer.step(closure)"] if not others else [
            "if isinstance(optimizer, torch.optim.LBFGS):", "    optimizer.step(closure)", "else:",
            "    optimizer.step()"]
        lines += ["        try:"] + ["            " + s for s in step]
        lines += ["        except IndexError:  # torch's line search indexes past its bracket on a nan loss",
                  "            return label, xy, losses"]
    else:
        lines += ["        optimizer.step()"]
    if scheduled:  # torch's order: optimizer.step(), then scheduler.step() (with the loss, for ReduceLROnPlateau)
        if plateau:
            lines += ["        if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):",
                      "            scheduler.step(loss.item())  # the loss where this step started",
                      "        elif scheduler is not None:", "            scheduler.step()"]
        else:
            lines += ["        if scheduler is not None:", "            scheduler.step()"]
    lines += ["        point = p.tolist()",
              "        if not (abs(point[0]) <= BOUND and abs(point[1]) <= BOUND):  # nan fails this test too",
              "            return label, xy, losses",
              "        xy.append(point)",
              "    with torch.no_grad():",
              "        loss = f(p[0], p[1]).item()",
              "    if not math.isfinite(loss):",
              "        return label, xy[:-1], losses",
              "    losses.append(loss)",
              "    return label, xy, losses"]
    return "\n".join(lines) + "\n"


def optimizer_call(optimizer: Optimizer) -> str:
    """``torch.optim.<Class>([p], keyword=value, ...)`` with every hyperparameter, defaults included."""
    keywords = ", ".join(f"{k}={literal(v)}" for k, v in optimizer.hyperparameters().items())
    call = f"torch.optim.{TORCH_CLASSES[optimizer.SPEC.name]}([p], {keywords})"
    if len(call) + 16 <= WIDTH:
        return call
    wrapped = textwrap.fill(f"[p], {keywords})", WIDTH - 8, initial_indent=" " * 8, subsequent_indent=" " * 8,
                            break_long_words=False, break_on_hyphens=False)
    return f"torch.optim.{TORCH_CLASSES[optimizer.SPEC.name]}(\n{wrapped}"


def scheduler_call(spec: tuple[str, dict[str, Any]], indent: int = 4) -> str:
    """``torch.optim.lr_scheduler.<Class>(optimizer, keyword=value, ...)`` with the keywords the run was given
    (torch fills in the rest with the same defaults as the core). A formula becomes a lambda written from its parsed
    tree; a container's schedulers are built in the list, in order, on the same optimizer, as torch requires."""
    from optim_core.schedulers import EXPRESSION_VARIABLE, find_spec

    name, params = spec
    s = find_spec(name)
    keywords = []
    for p in s.params:  # the table's order: torch's signature
        if p.name not in params:
            continue
        value = params[p.name]
        if p.kind == "expression" and value is not None:
            text = scalar_lambda(value, EXPRESSION_VARIABLE[p.name])
        elif p.kind == "schedulers":
            pad = " " * (indent + 4)
            children = [scheduler_call(_child(c), indent + 4) for c in value]
            text = "[\n" + "".join(f"{pad}{c},\n" for c in children) + " " * indent + "]"
        else:
            text = literal(value)
        keywords.append(f"{p.name}={text}")
    if s.label == "ChainedScheduler":  # torch's signature is ChainedScheduler(schedulers, optimizer=None)
        return f"torch.optim.lr_scheduler.ChainedScheduler({keywords[0].split('=', 1)[1]}, optimizer=optimizer)"
    return f"torch.optim.lr_scheduler.{s.label}(optimizer{''.join(', ' + k for k in keywords)})"


def _child(child: Any) -> tuple[str, dict[str, Any]]:
    if isinstance(child, dict):
        return child["name"], child.get("params") or {}
    return child[0], child[1]


def run_piece(index: int, optimizer: Optimizer, label: str, scheduler: tuple | None = None) -> str:
    """One run: a fresh parameter at START, its optimizer and lr scheduler, then the loop."""
    if scheduler is None:
        return (f"    # Run {index + 1}\n"
                "    p = torch.tensor(START, requires_grad=True)\n"
                f"    optimizer = {optimizer_call(optimizer)}\n"
                f"    runs.append(train({label!r}, p, optimizer))\n")
    return (f"    # Run {index + 1}\n"
            "    p = torch.tensor(START, requires_grad=True)\n"
            f"    optimizer = {optimizer_call(optimizer)}\n"
            f"    scheduler = {scheduler_call(scheduler)}\n"
            f"    runs.append(train({label!r}, p, optimizer, scheduler))\n")


def main_piece(runs: list[str]) -> str:
    return ('''def main():
    parser = argparse.ArgumentParser(description="Optimizer Playground's runs, recomputed with torch.optim.")
    parser.add_argument("--json", action="store_true", help='print {"runs": [{"label", "xy", "loss"}]} as JSON')
    args = parser.parse_args()

    runs = []

''' + "\n".join(runs) + '''
    if args.json:
        print(json.dumps({"runs": [{"label": label, "xy": xy, "loss": loss} for label, xy, loss in runs]}))
        return
    for label, xy, loss in runs:
        stopped = "" if len(xy) == STEPS + 1 else "  (stopped: diverged / 已发散)"
        print(f"{label}: {len(xy) - 1} steps{stopped}")
        for step, ((x, y), value) in enumerate(zip(xy, loss)):
            print(f"  {step:5d}  x = {x!r}  y = {y!r}  loss = {value!r}")


if __name__ == "__main__":
    main()
''')


def pytorch_script(*, surface_echo: Any, domain, start: tuple[float, float], steps: int,
                   optimizers: list[Optimizer], labels: list[str], noise_std: float, seed: int,
                   schedulers: tuple | list = ()) -> str:
    """The whole script for one trajectory request (already validated); ``schedulers``: per run, the core's
    scheduler spec ``(name, params)`` or None."""
    schedulers = list(schedulers) or [None] * len(optimizers)
    if isinstance(surface_echo, str):
        title = f"{SURFACES[surface_echo].label}, {steps} steps"
    else:
        title = f"A typed surface, {steps} steps"
    names = {o.SPEC.name for o in optimizers}
    with_noise = noise_std > 0
    pieces = [header_piece(title, steps, start, bound(domain), with_noise, surface_line(surface_echo)),
              surface_piece(surface_echo)]
    if with_noise:
        pieces.append(noise_piece(noise_std, seed))
    pieces.append(loop_piece(lbfgs="lbfgs" in names, others=bool(names - {"lbfgs"}),
                             sparse="sparseadam" in names, with_noise=with_noise,
                             scheduled=any(s is not None for s in schedulers),
                             plateau=any(_has_plateau(s) for s in schedulers)))
    pieces.append(main_piece([run_piece(i, o, label, sched) for i, (o, label, sched) in enumerate(
        zip(optimizers, labels, schedulers, strict=True))]))
    return "\n\n".join(p.rstrip("\n") + "\n" for p in pieces)


def _has_plateau(spec: tuple | None) -> bool:
    return spec is not None and spec[0].lower() == "reducelronplateau"
