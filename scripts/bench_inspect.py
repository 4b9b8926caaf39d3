"""What "inspect": true costs: prints medians and ratios, asserts nothing.

    python scripts/bench_inspect.py

For a few optimizers on rosenbrock (2,000 steps), the median time of (1) optim_core.run plain and with
record_state=True, (2) the API's whole JSON answer (app.api.trajectories.compute: steps, status, encoding) plain,
with status_detail and with inspect. The ratios are what app.limits.INSPECT_FACTOR should cover.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.api.trajectories import compute, prepare  # noqa: E402
from app.limits import INSPECT_FACTOR  # noqa: E402
from app.schemas import TrajectoryRequest  # noqa: E402
from optim_core import run  # noqa: E402

STEPS = 2000
START = [-1.5, 2.0]


def median(f, repeats: int = 7) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


class _Request:  # what prepare() reads off the request: the work budget
    class app:  # noqa: N801
        class state:  # noqa: N801
            class settings:  # noqa: N801
                max_work = 10**9


def job(name: str, **flags):
    body = TrajectoryRequest.model_validate({"surface": "rosenbrock", "start": START, "steps": STEPS,
                                             "runs": [{"optimizer": name}], **flags})
    return asyncio.run(prepare(body, _Request()))


def main() -> None:
    print(f"rosenbrock, {STEPS} steps; INSPECT_FACTOR = {INSPECT_FACTOR}")
    print(f"{'optimizer':10} {'run':>8} {'record':>8} {'ratio':>6} | {'api':>8} {'status':>8} {'inspect':>8} "
          f"{'ratio':>6}")
    for name in ("sgd", "adam", "adagrad", "rmsprop", "rprop", "lbfgs"):
        plain = median(lambda name=name: run(name, "rosenbrock", START, STEPS))
        rec = median(lambda name=name: run(name, "rosenbrock", START, STEPS, record_state=True))
        jobs = job(name), job(name, status_detail=True), job(name, inspect=True)
        api, status, insp = (median(lambda j=j: compute(j)) for j in jobs)
        print(f"{name:10} {plain * 1e3:7.1f}ms {rec * 1e3:7.1f}ms {rec / plain:6.2f} | {api * 1e3:7.1f}ms "
              f"{status * 1e3:7.1f}ms {insp * 1e3:7.1f}ms {insp / api:6.2f}")


if __name__ == "__main__":
    main()
