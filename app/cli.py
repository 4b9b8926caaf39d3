"""``optim-playground serve | run``: the server, or one trajectory printed as CSV or JSON with no browser.

    optim-playground serve --host 0.0.0.0 --port 8000 --workers 4
    optim-playground run --optimizer adam --surface rosenbrock --start -1.5,2 --steps 500 --lr 0.01
    optim-playground run --optimizer sgd --expression "x^4 - 2x^2 + y^2" --start 0.5,1 --steps 100 --momentum 0.9
    optim-playground run --optimizer sgd --steps 500 --scheduler StepLR --scheduler-param step_size=100 \
        --scheduler-param gamma=0.5

``run`` takes any hyperparameter of the chosen optimizer as ``--name value`` (pairs as ``0.9,0.999``, booleans
as ``true``/``false``, none as ``none``), and writes the same numbers as ``POST /api/trajectories``. Bad input
exits with status 2 and a message. ``--scheduler`` is torch's lr scheduler (GET /api/schedulers), each keyword as
``--scheduler-param name=value`` (milestones as ``100,200``, a formula as typed, SequentialLR's schedulers as JSON);
the CSV then has an ``lr`` column (and ``momentum`` where the scheduler cycles it). OneCycleLR's length defaults to
the run's steps, as on the page.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
import threading
import time
import urllib.request
import webbrowser
from pathlib import Path
from typing import Any

from optim_core import OPTIMIZERS, SURFACES, make_scheduler
from optim_core.expression import ExpressionError, parse_expression
from optim_core.schedulers import find_spec
from optim_core.spec import Hyperparameter, _coerce

from .api.expressions import custom_echo
from .config import Settings

_NEGATIVE = re.compile(r"^-[\d.]")  # "-1.5,2" is a value, though argparse takes anything with "-" for a flag


def _join_negative_values(argv: list[str]) -> list[str]:
    """``--start -1.5,2`` -> ``--start=-1.5,2`` so argparse does not read the value as an option."""
    out: list[str] = []
    for arg in argv:
        if out and out[-1].startswith("--") and "=" not in out[-1] and _NEGATIVE.match(arg):
            out[-1] = f"{out[-1]}={arg}"
        else:
            out.append(arg)
    return out


def _numbers(text: str, count: int, what: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise ValueError(f"{what} must be {count} comma-separated numbers, got {text!r}") from None
    if len(values) != count:
        raise ValueError(f"{what} must be {count} comma-separated numbers, got {text!r}")
    return values


def _literal(text: str) -> Any:
    """Command-line text as the plain value it spells: none, true/false, a number or comma-separated numbers,
    else the text itself. Whether that value suits the hyperparameter is the core's to say."""
    low = text.strip().lower()
    if low in ("none", "null"):
        return None
    if low in ("true", "false"):
        return low == "true"
    try:
        numbers = [int(part) if part.strip().lstrip("+-").isdigit() else float(part) for part in text.split(",")]
    except ValueError:
        return text
    return numbers if len(numbers) > 1 else numbers[0]


def parse_value(p: Hyperparameter, text: str) -> Any:
    """A hyperparameter's value from the command line, checked by the core's own coercion (the one validator of
    the hyperparameter table), whose message it reports.

    >>> parse_value(OPTIMIZERS["adam"].param("betas"), "0.8,0.99")
    (0.8, 0.99)
    >>> parse_value(OPTIMIZERS["sgd"].param("nesterov"), "true")
    True
    >>> print(parse_value(OPTIMIZERS["lbfgs"].param("max_eval"), "none"))
    None
    >>> parse_value(OPTIMIZERS["sgd"].param("lr"), "fast")
    Traceback (most recent call last):
    ...
    ValueError: --lr: Invalid lr value: 'fast' (lr must be a number)
    """
    try:
        return _coerce(p, _literal(text))
    except (ValueError, OverflowError) as err:
        raise ValueError(f"--{p.name}: {err}") from None


def _hyperparameters(optimizer: str, extra: list[str]) -> dict[str, Any]:
    spec = OPTIMIZERS[optimizer]
    names = {p.name: p for p in spec.params}
    params: dict[str, Any] = {}
    args = iter(extra)
    for arg in args:
        if not arg.startswith("--"):
            raise ValueError(f"unexpected argument {arg!r}")
        name, _, value = arg[2:].partition("=")
        name = name.replace("-", "_")
        if name not in names:
            raise ValueError(f"--{name} is not a hyperparameter of {optimizer}; allowed: "
                             + ", ".join(f"--{n}" for n in names))
        if not value:
            value = next(args, None)
            if value is None:
                raise ValueError(f"--{name} needs a value")
        params[name] = parse_value(names[name], value)
    return params


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="optim-playground", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    defaults = Settings()
    serve = sub.add_parser("serve", help="run the web app on uvicorn")
    serve.add_argument("--host", default=defaults.host, help=f"interface (default {defaults.host})")
    serve.add_argument("--port", type=int, default=defaults.port, help=f"port (default {defaults.port})")
    serve.add_argument("--workers", type=int, default=defaults.workers, help="worker processes (default 1)")
    serve.add_argument("--open", action="store_true", help="open the page in a browser once the server is up")

    run = sub.add_parser("run", help="print one trajectory as CSV (or JSON)",
                         epilog="Any hyperparameter of the optimizer: --name value, e.g. --lr 0.01 --betas 0.9,0.999")
    run.add_argument("--optimizer", required=True, choices=list(OPTIMIZERS))
    where = run.add_mutually_exclusive_group()
    where.add_argument("--surface", choices=list(SURFACES), help="a built-in surface (default rosenbrock)")
    where.add_argument("--expression", help='a typed f(x, y), e.g. "x^4 - 2x^2 + y^2"')
    run.add_argument("--domain", help="typed surface's ranges: xmin,xmax,ymin,ymax (default -3,3,-3,3)")
    run.add_argument("--start", help="x,y (default: the surface's start)")
    run.add_argument("--steps", type=int, default=100)
    run.add_argument("--noise", type=float, default=0.0, help="gradient-noise standard deviation")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--out", type=Path, help="write to this .csv or .json file instead of stdout")
    run.add_argument("--format", choices=["csv", "json"], help="default: from --out's extension, else csv")
    run.add_argument("--scheduler", help="torch's lr scheduler class, e.g. StepLR, OneCycleLR, CosineAnnealingLR")
    run.add_argument("--scheduler-param", action="append", default=[], metavar="NAME=VALUE",
                     help="a keyword of the scheduler, repeated: --scheduler-param step_size=100")
    return parser


def parse_scheduler(name: str | None, pairs: list[str], steps: int) -> tuple[str, dict[str, Any]] | None:
    """``--scheduler`` and its ``--scheduler-param name=value`` as the core's spec; each value read by the core's
    coercion for its kind (the run checks the whole, as the API does).

    >>> parse_scheduler("StepLR", ["step_size=100", "gamma=0.5"], 500)
    ('StepLR', {'step_size': 100, 'gamma': 0.5})
    >>> parse_scheduler("MultiStepLR", ["milestones=100,200"], 500)
    ('MultiStepLR', {'milestones': [100, 200]})
    >>> parse_scheduler("OneCycleLR", ["max_lr=0.1"], 300)
    ('OneCycleLR', {'max_lr': 0.1, 'total_steps': 300})
    """
    if name is None:
        if pairs:
            raise ValueError("--scheduler-param goes with --scheduler")
        return None
    spec = find_spec(name)
    params: dict[str, Any] = {}
    for pair in pairs:
        key, eq, text = pair.partition("=")
        key = key.strip()
        if not eq:
            raise ValueError(f"--scheduler-param {pair!r}: write name=value")
        try:
            p = spec.param(key)
        except KeyError:
            raise ValueError(f"--scheduler-param {key} is not a keyword of {spec.label}; allowed: "
                             + ", ".join(q.name for q in spec.params)) from None
        params[key] = _scheduler_value(p, text)
    if spec.label == "OneCycleLR" and not {"total_steps", "epochs"} & set(params):
        params["total_steps"] = steps  # the page's default too: one cycle over the whole run
    return spec.label, params


def _scheduler_value(p: Hyperparameter, text: str) -> Any:
    if p.kind == "expression":
        return None if text.strip().lower() in ("none", "null") else text
    if p.kind == "schedulers":
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            raise ValueError(f"--scheduler-param {p.name}: a JSON list such as "
                             '[["LinearLR", {"total_iters": 10}], ["CosineAnnealingLR", {"T_max": 90}]]') from None
    value = _literal(text)
    if p.kind == "ints":
        return value if isinstance(value, list) else [value]
    if p.kind == "choice":
        return text.strip()
    try:
        return _coerce(p, value)
    except (ValueError, OverflowError) as err:
        raise ValueError(f"--scheduler-param {p.name}: {err}") from None


def _trajectory_json(args: argparse.Namespace, params: dict[str, Any]) -> str:
    from .api.trajectories import Job, compute  # the API's own encoder: the same numbers as over HTTP
    from .scheduling import cycled

    if args.expression is not None:
        domain = None
        if args.domain is not None:
            x0, x1, y0, y1 = _numbers(args.domain, 4, "--domain")
            domain = ((x0, x1), (y0, y1))
        surface = parse_expression(args.expression, domain=domain)
        echo: Any = custom_echo(args.expression, surface)
    else:
        if args.domain is not None:
            raise ValueError("--domain goes with --expression")
        surface = SURFACES[args.surface or "rosenbrock"]
        echo = surface.name
    start = tuple(_numbers(args.start, 2, "--start")) if args.start else surface.start
    spec = OPTIMIZERS[args.optimizer]
    optimizer = spec.make(**params)
    scheduler = parse_scheduler(args.scheduler, args.scheduler_param, args.steps)
    if scheduler is not None:  # the core's checks for this optimizer and these steps, before the run
        make_scheduler(scheduler, optimizer, steps=args.steps)
    job = Job(surface, echo, start, args.steps, [optimizer], [spec.label], args.noise, args.seed,
              schedulers=(scheduler,), cycled=(cycled(scheduler, optimizer),))
    return compute(job).decode()


def _csv(result: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    run = result["runs"][0]
    extra = [key for key in ("lr", "momentum") if run.get(key) is not None]  # with a scheduler
    writer.writerow(["step", "x", "y", "loss", *extra])
    columns = [run[key] for key in extra]
    for k, ((x, y), f) in enumerate(zip(run["xy"], run["loss"], strict=True)):
        writer.writerow([k, repr(x), repr(y), repr(f), *("" if c[k] is None else repr(c[k]) for c in columns)])
    return out.getvalue()


def run_command(args: argparse.Namespace, extra: list[str]) -> int:
    try:
        params = _hyperparameters(args.optimizer, extra)
        text = _trajectory_json(args, params)
    except ExpressionError as err:
        print(f"optim-playground run: error: --expression: {err.message}", file=sys.stderr)
        return 2
    except ValueError as err:  # torch's messages for hyperparameters, ours for the rest
        print(f"optim-playground run: error: {err}", file=sys.stderr)
        return 2
    fmt = args.format or ("json" if args.out is not None and args.out.suffix.lower() == ".json" else "csv")
    result = json.loads(text)
    body = text + "\n" if fmt == "json" else _csv(result)
    if args.out is None:
        sys.stdout.write(body)
    else:
        args.out.write_text(body)
    run = result["runs"][0]
    if run["status"] == "diverged":
        print(f"diverged at step {run['diverged_at']}: the path stops before it", file=sys.stderr)
    return 0


def _open_when_up(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "healthz", timeout=1):
                webbrowser.open(url)
                return
        except OSError:
            time.sleep(0.2)


def serve_command(args: argparse.Namespace) -> int:
    import uvicorn

    if args.open:
        host = "127.0.0.1" if args.host in ("0.0.0.0", "::", "") else args.host
        url = f"http://{'[' + host + ']' if ':' in host else host}:{args.port}/"
        threading.Thread(target=_open_when_up, args=(url,), daemon=True).start()
    from .server import bound_malloc_arenas, uvicorn_options

    bound_malloc_arenas()  # before uvicorn starts any thread
    uvicorn.run("app.main:app", host=args.host, port=args.port, workers=args.workers,
                **uvicorn_options(Settings()))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args, extra = parser.parse_known_args(_join_negative_values(list(sys.argv[1:] if argv is None else argv)))
    if args.command == "serve":
        if extra:
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        return serve_command(args)
    return run_command(args, extra)


if __name__ == "__main__":
    sys.exit(main())
