"""API benchmark against a real uvicorn on loopback: prints figures, asserts nothing.

    python scripts/bench_api.py [--quick]

1. Latency (p50, p99) of the seed figure (beale, start (1, 1.5), 300 steps, six runs) and of the 13-optimizer
   comparison (rosenbrock, 500 steps, defaults), as JSON and as a stream (first event, whole stream), beside the
   same work done directly with optim_core.run in this process: HTTP over direct is the API's overhead.
2. Requests per second with 32 concurrent clients (asyncio + httpx) for a bounded count and time; errors counted.
3. The server's resident memory (VmRSS) before and after each fifth of 10,000 mixed requests (1,000 with
   --quick): the bounded caches fill early, and a leak would show as growth through the last fifths.
Medians of repeats measured in one run, so the ratios hold on a noisy machine.
"""

from __future__ import annotations

import argparse
import asyncio
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

from optim_core import OPTIMIZERS, run  # noqa: E402
from tests.api.support import SEED_FIGURE  # noqa: E402  (one definition, shared with the API tests)

COMPARISON = {"surface": "rosenbrock", "start": [-1.5, 2.0], "steps": 500,
              "runs": [{"optimizer": name} for name in OPTIMIZERS]}


class Server:
    def __init__(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1",
                                      "--port", str(self.port), "--log-level", "warning", "--no-access-log"],
                                     cwd=ROOT, env=os.environ.copy())
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.05)
        self.stop()
        raise SystemExit("the server did not come up")

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def direct_seconds(body: dict, repeats: int) -> float:
    def once():
        for r in body["runs"]:
            run(r["optimizer"], body["surface"], body["start"], body["steps"], **r.get("params", {}))

    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        once()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def http_latencies(http: httpx.Client, body: dict, repeats: int, encoding: str = "gzip") -> list[float]:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        r = http.post("/api/trajectories", json=body, headers={"accept-encoding": encoding})
        r.raise_for_status()
        _ = r.content
        times.append(time.perf_counter() - t0)
    return times


def stream_latencies(http: httpx.Client, body: dict, repeats: int) -> tuple[list[float], list[float]]:
    first, total = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        got_first = None
        with http.stream("POST", "/api/trajectories/stream", json=body) as r:
            r.raise_for_status()
            for line in r.iter_lines():
                if got_first is None and line.startswith("event: points"):
                    got_first = time.perf_counter() - t0
        first.append(got_first or float("nan"))
        total.append(time.perf_counter() - t0)
    return first, total


async def load(url: str, make_request, count: int, max_seconds: float, clients: int = 32):
    """``count`` requests from ``clients`` concurrent clients, stopping early after ``max_seconds``."""
    done = errors = 0
    next_index = 0
    deadline = time.perf_counter() + max_seconds

    async def client(http: httpx.AsyncClient):
        nonlocal done, errors, next_index
        while next_index < count and time.perf_counter() < deadline:
            i = next_index
            next_index += 1
            method, path, kwargs = make_request(i)
            try:
                r = await http.request(method, path, **kwargs)
                if r.status_code != 200:
                    errors += 1
            except httpx.HTTPError:
                errors += 1
            done += 1

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as http:
        t0 = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(clients)))
        elapsed = time.perf_counter() - t0
    return done, errors, elapsed


def mixed_request(i: int):
    """A spread of what the page sends: varied trajectories, streams, grids, formula checks, catalogs."""
    rng = random.Random(i)
    kind = i % 10
    if kind < 5:
        body = {**SEED_FIGURE, "runs": [dict(r, params={**r["params"], "lr": r["params"]["lr"] * rng.uniform(0.5, 2)})
                                        for r in SEED_FIGURE["runs"]]}
        return "POST", "/api/trajectories", {"json": body}
    if kind == 5:
        return "POST", "/api/trajectories/stream", {"json": {**SEED_FIGURE, "steps": rng.randint(50, 300)}}
    if kind == 6:
        name = rng.choice(["beale", "rosenbrock", "himmelblau", "saddle"])
        return "GET", f"/api/surfaces/{name}/grid", {"params": {"n": rng.choice([100, 150, 200])}}
    if kind == 7:
        text = f"x^2 + {rng.randint(1, 10_000)} y^2 + sin({rng.randint(1, 50)}x)"
        return "POST", "/api/expressions/check", {"json": {"expression": text}}
    if kind == 8:
        return "GET", "/api/surfaces/custom/grid", {"params": {"expression": f"x^4 - {rng.randint(1, 5000)}x^2 + y^2",
                                                               "n": 120}}
    return "GET", "/api/optimizers", {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and requests")
    args = parser.parse_args()
    repeats = 30 if args.quick else 200
    memory_requests = 1_000 if args.quick else 10_000

    server = Server()
    try:
        with httpx.Client(base_url=server.url, timeout=60) as http:
            rows = []
            for name, body in [("seed figure (6 runs x 300)", SEED_FIGURE), ("13 optimizers x 500", COMPARISON)]:
                http_latencies(http, body, 3)  # warm up
                direct = direct_seconds(body, repeats)
                lat = http_latencies(http, body, repeats)
                plain = http_latencies(http, body, repeats // 2, "identity")
                first, total = stream_latencies(http, body, max(10, repeats // 4))
                rows.append((name, direct, statistics.median(lat), percentile(lat, 0.99), statistics.median(plain),
                             statistics.median(first), statistics.median(total)))

        print(f"server: uvicorn, 1 worker, {server.url}; {repeats} sequential requests per figure\n")
        head = f"{'request':<28}{'direct':>9}{'HTTP p50':>10}{'HTTP p99':>10}{'HTTP/direct':>12}" \
               f"{'no-gzip p50':>12}{'SSE first':>11}{'SSE total':>11}"
        print(head)
        print("-" * len(head))
        for name, direct, p50, p99, plain, first, total in rows:
            print(f"{name:<28}{direct * 1e3:>7.2f}ms{p50 * 1e3:>8.2f}ms{p99 * 1e3:>8.2f}ms{p50 / direct:>11.2f}x"
                  f"{plain * 1e3:>10.2f}ms{first * 1e3:>9.2f}ms{total * 1e3:>9.2f}ms")
        print("(direct: optim_core.run for each run in this process; HTTP: the JSON answer, gzipped as a browser "
              "asks;\n target HTTP/direct <= 2x. SSE first: until the first points event; total: until done)\n")

        count = 500 if args.quick else 3_000
        done, errors, elapsed = asyncio.run(
            load(server.url, lambda i: ("POST", "/api/trajectories", {"json": SEED_FIGURE}), count, 60))
        print(f"throughput, seed figure, 32 concurrent clients: {done / elapsed:.0f} requests/s "
              f"({done} requests in {elapsed:.1f} s, {errors} errors)")

        # Resident memory after each fifth of the mixed load: the bounded caches (grids, typed surfaces) fill in
        # the first rounds; a leak would keep climbing through the last ones.
        readings = [server.rss_mb()]
        done_all = errors_all = 0
        seconds = 0.0
        fifth = memory_requests // 5
        for k in range(5):
            done, errors, elapsed = asyncio.run(load(server.url, lambda i, k=k: mixed_request(i + k * fifth), fifth,
                                                     600))
            done_all, errors_all, seconds = done_all + done, errors_all + errors, seconds + elapsed
            readings.append(server.rss_mb())
        print(f"memory, {done_all} mixed requests ({done_all / seconds:.0f}/s, {errors_all} errors), VmRSS after "
              f"each fifth: " + " -> ".join(f"{r:.1f}" for r in readings) + " MB")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
