"""Load benchmark against a real ``optim-playground serve`` on loopback: prints figures, asserts nothing.

    python scripts/bench_load.py [--soak-seconds 600]

1. The worst and median wait of a small request (50 steps) and of /healthz, probed every 0.2 s while 24 and then
   48 heavy requests are in flight (issue 14's: beale, 10,000 steps, 16 Adam runs), and what became of the heavy
   ones (served, or 503 with Retry-After).
2. How long after 30 heavy requests are sent and dropped (their sockets closed at once) the server is idle again
   (below 5% of a core over half a second).
3. The server's resident memory (VmRSS) through a soak of mixed requests (60 s by default; 600 s for the issue's
   10-minute soak).
4. The CPU time of the costliest accepted requests of each kind, computed in this process, beside their work
   units: what the budget really buys.
Before 1, the same probes against the idle server give the baseline that the machine's own load sets.
Bounded in count and time throughout. The machine's load average is printed before and after, since the figures
only mean something beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.api.support import SEED_FIGURE  # noqa: E402  (one definition, shared with the API tests)

HEAVY = {"surface": "beale", "steps": 10_000, "runs": [{"optimizer": "adam", "params": {}}] * 16}
SMALL = {"surface": "beale", "steps": 50, "runs": [{"optimizer": "adam"}]}


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


class Server:
    def __init__(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}  # serve sets it itself
        self.proc = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--port", str(self.port)], cwd=ROOT,
                                     env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.05)
        self.stop()
        raise SystemExit("the server did not come up")

    def rss_mib(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


async def timed(http: httpx.AsyncClient, method: str, path: str, body: dict | None = None) -> tuple[float, int]:
    t0 = time.perf_counter()
    r = await http.request(method, path, json=body)
    return time.perf_counter() - t0, r.status_code


async def baseline(server: Server, seconds: float = 5.0) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        small, health = [], []
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            (ts, _), (th, _) = await asyncio.gather(timed(http, "POST", "/api/trajectories", SMALL),
                                                    timed(http, "GET", "/healthz"))
            small.append(ts)
            health.append(th)
            await asyncio.sleep(0.2)
    print(f"  idle server: small request worst {max(small):.3f} s, median {statistics.median(small):.3f} s; "
          f"/healthz worst {max(health):.3f} s, median {statistics.median(health):.3f} s ({len(small)} probes)")


async def under_load(server: Server, heavy: int, limit: float = 120.0) -> None:
    limits = httpx.Limits(max_connections=heavy + 8, max_keepalive_connections=heavy + 8)
    async with httpx.AsyncClient(base_url=server.url, timeout=limit, limits=limits) as http:
        t0 = time.perf_counter()
        jobs = [asyncio.create_task(http.post("/api/trajectories", json=HEAVY)) for _ in range(heavy)]
        await asyncio.sleep(0.3)  # let them arrive
        small: list[float] = []
        health: list[float] = []
        small_codes: set[int] = set()
        while not all(j.done() for j in jobs) and time.perf_counter() - t0 < limit:
            (ts, cs), (th, _) = await asyncio.gather(timed(http, "POST", "/api/trajectories", SMALL),
                                                    timed(http, "GET", "/healthz"))
            small.append(ts)
            health.append(th)
            small_codes.add(cs)
            await asyncio.sleep(0.2)
        done = await asyncio.gather(*jobs, return_exceptions=True)
        codes = [r.status_code if isinstance(r, httpx.Response) else type(r).__name__ for r in done]
        retry = {r.headers.get("retry-after") for r in done if isinstance(r, httpx.Response) and r.status_code == 503}
        took = time.perf_counter() - t0
    print(f"  {heavy} heavy in flight: small request worst {max(small):.3f} s, median {statistics.median(small):.3f} s "
          f"({len(small)} probes, status {sorted(small_codes)}); /healthz worst {max(health):.3f} s, median "
          f"{statistics.median(health):.3f} s")
    print(f"    heavy: {codes.count(200)} served, {codes.count(503)} turned away with 503 (Retry-After "
          f"{sorted(retry)}), other {[c for c in codes if c not in (200, 503)]}; all answered in {took:.1f} s")


def drop(server: Server, count: int) -> None:
    data = json.dumps(HEAVY).encode()
    head = (f"POST /api/trajectories HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\n\r\n").encode()
    for _ in range(count):
        with socket.create_connection(("127.0.0.1", server.port)) as s:
            s.sendall(head + data)


def idle_after_drop(server: Server, count: int = 30, limit: float = 60.0) -> None:
    t0 = time.perf_counter()
    drop(server, count)
    while time.perf_counter() - t0 < limit:
        c0 = server.cpu_seconds()
        time.sleep(0.5)
        if server.cpu_seconds() - c0 < 0.025:  # under 5% of a core over the half second
            print(f"  idle {time.perf_counter() - t0 - 0.5:.2f} s after {count} dropped heavy requests "
                  f"(to within the 0.5 s sampling window)")
            return
    print(f"  still busy {limit:.0f} s after {count} dropped heavy requests")


async def soak(server: Server, seconds: float, clients: int = 8) -> None:
    rng = random.Random(0)
    grids = [f"/api/surfaces/custom/grid?expression=x*y%2B{k}*sin(x)&n={rng.randint(40, 200)}" for k in range(200)]
    samples: list[tuple[float, float]] = [(0.0, server.rss_mib())]
    counts = {"requests": 0, "errors": 0}
    t0 = time.perf_counter()

    async def client(http: httpx.AsyncClient) -> None:
        while time.perf_counter() - t0 < seconds:
            kind = rng.random()
            if kind < 0.5:
                r = await http.post("/api/trajectories", json=SEED_FIGURE)
            elif kind < 0.7:
                r = await http.post("/api/trajectories/stream", json={**SEED_FIGURE, "steps": 600})
            elif kind < 0.8:
                r = await http.post("/api/trajectories", json=HEAVY)
            else:
                r = await http.get(rng.choice(grids))
            counts["requests"] += 1
            counts["errors"] += r.status_code not in (200, 503)

    async def sampler() -> None:
        step = max(1.0, seconds / 20)
        while time.perf_counter() - t0 < seconds:
            await asyncio.sleep(step)
            samples.append((time.perf_counter() - t0, server.rss_mib()))

    async with httpx.AsyncClient(base_url=server.url, timeout=120) as http:
        await asyncio.gather(sampler(), *(client(http) for _ in range(clients)))
    series = ", ".join(f"{t:.0f}s {m:.0f}" for t, m in samples)
    second_half = [m for t, m in samples if t >= seconds / 2]
    print(f"  RSS (MiB) over a {seconds:.0f} s soak of {counts['requests']} mixed requests "
          f"({counts['errors']} errors): {series}")
    print(f"  second half: min {min(second_half):.0f}, max {max(second_half):.0f} MiB")


def worst_accepted() -> None:
    from app.api.trajectories import compute, prepare
    from app.config import Settings
    from app.limits import MAX_WORK
    from app.schemas import TrajectoryRequest
    from optim_core import OPTIMIZERS

    lbfgs_max = {"optimizer": "lbfgs", "params": {"max_iter": 100, "max_eval": 200, "history_size": 1000,
                                                   "lr": 1e-4}}
    lbfgs_default = {"optimizer": "lbfgs", "params": {"lr": 1e-4}}  # small steps: every inner iteration runs
    per_step = {"max": OPTIMIZERS["lbfgs"].make(**lbfgs_max["params"]).cost(1),
                "default": OPTIMIZERS["lbfgs"].make(**lbfgs_default["params"]).cost(1)}
    all13 = sum(OPTIMIZERS[n].make().cost(1) for n in OPTIMIZERS)
    cases = {
        "16 x adam x 10,000 steps (beale)": HEAVY,
        f"13 optimizers x {int(MAX_WORK // all13)} steps (rosenbrock)": {
            "surface": "rosenbrock", "steps": int(MAX_WORK // all13), "runs": [{"optimizer": n} for n in OPTIMIZERS]},
        f"L-BFGS defaults x {int(MAX_WORK // per_step['default'])} steps (rosenbrock, lr 1e-4)": {
            "surface": "rosenbrock", "steps": int(MAX_WORK // per_step["default"]), "runs": [lbfgs_default]},
        f"L-BFGS max_iter 100, max_eval 200, history 1000 x {int(MAX_WORK // per_step['max'])} steps": {
            "surface": "rosenbrock", "steps": int(MAX_WORK // per_step["max"]), "runs": [lbfgs_max]},
        "16 x adam x 10,000 steps, typed formula nested 12 deep": {
            "surface": {"expression": "max(sin(x),min(cos(y)," * 6 + "x*y" + "))" * 6}, "steps": 10_000,
            "runs": [{"optimizer": "adam"}] * 16},
    }
    request = type("R", (), {"app": type("A", (), {"state": type("S", (), {"settings": Settings()})()})()})()
    for name, body in cases.items():
        try:
            job = asyncio.run(prepare(TrajectoryRequest.model_validate(body), request))
        except Exception as err:  # noqa: BLE001 - a refused request is a figure too
            print(f"  {name}: refused ({type(err).__name__})")
            continue
        t0 = time.process_time()
        compute(job)
        cpu = time.process_time() - t0
        print(f"  {name}: {job.work:,.0f} units, {cpu:.2f} s CPU, {cpu / job.work * 1e6:.1f} us a unit")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--soak-seconds", type=float, default=60.0)
    parser.add_argument("--phases", default="load,drop,soak,worst", help="which of load, drop, soak, worst to run")
    args = parser.parse_args()
    phases = set(args.phases.split(","))
    print(f"load average before: {load_average()} ({os.cpu_count()} cores)")
    server = Server()
    try:
        if "load" in phases:
            print("1. waits under load")
            asyncio.run(baseline(server))
            for heavy in (24, 48):
                asyncio.run(under_load(server, heavy))
        if "drop" in phases:
            print("2. dropped requests")
            idle_after_drop(server)
        if "soak" in phases:
            print("3. memory")
            asyncio.run(soak(server, args.soak_seconds))
    finally:
        server.stop()
    if "worst" in phases:
        print("4. the costliest accepted requests, computed directly")
        worst_accepted()
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
