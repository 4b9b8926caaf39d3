"""Issue 14, against a real uvicorn on loopback: admission control, cancellation of abandoned requests, timeouts,
malloc arenas, and the small fixes (gzip level, OpenAPI constraints, cache headers, HEAD, trusted hosts).

No timing is asserted except where the issue states a bound (idle within 3 s of a drop), and then generously.
"""

from __future__ import annotations

import gzip
import json
import socket
import threading
import time

import httpx
import pytest

from app import cli
from app.config import Settings
from app.server import HeaderTimeoutProtocol
from tests.api.support import LiveServer

# The heavy request: within every limit, and the page itself can send it (160,000 work units).
HEAVY = {"surface": "beale", "steps": 10_000, "runs": [{"optimizer": "adam", "params": {}}] * 16}
SMALL = {"surface": "beale", "steps": 50, "runs": [{"optimizer": "adam"}]}


def _post_all(url: str, bodies: list[dict]) -> list[httpx.Response]:
    out: list[httpx.Response | None] = [None] * len(bodies)

    def send(i: int) -> None:
        with httpx.Client(base_url=url, timeout=120) as http:
            out[i] = http.post("/api/trajectories", json=bodies[i])

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out  # type: ignore[return-value]


@pytest.fixture(scope="module")
def narrow_server():
    """One heavy slot and a queue of one, so that a handful of requests fills it."""
    server = LiveServer(env={"OPTIM_PLAYGROUND_COMPUTE_SLOTS": "1", "OPTIM_PLAYGROUND_COMPUTE_QUEUE": "1",
                             "OPTIM_PLAYGROUND_RETRY_AFTER": "3"})
    yield server
    server.stop()


def test_heavy_requests_past_the_queue_get_503_with_retry_after(narrow_server):
    """Finding 1: past the slots and the queue, the answer is 503 at once, with Retry-After and a code."""
    found: dict[str, list] = {"cheap": [], "small": []}
    stop = threading.Event()

    def meanwhile():  # cheap endpoints and small requests while the heavy ones are in flight
        with httpx.Client(base_url=narrow_server.url, timeout=60) as http:
            while not stop.is_set():
                found["cheap"] += [http.get(p).status_code for p in ("/healthz", "/api/optimizers", "/api/limits")]
                found["small"].append(http.post("/api/trajectories", json=SMALL).status_code)

    watcher = threading.Thread(target=meanwhile)
    watcher.start()
    answers = _post_all(narrow_server.url, [HEAVY] * 5)
    stop.set()
    watcher.join()
    codes = sorted(r.status_code for r in answers)
    assert codes.count(200) >= 2 and codes.count(503) >= 1, codes
    assert set(codes) <= {200, 503}
    busy = next(r for r in answers if r.status_code == 503)
    assert busy.headers["retry-after"] == "3"
    assert busy.json()["code"] == "busy" and busy.json()["params"] == {"retry_after": 3}
    assert found["cheap"] and set(found["cheap"]) == {200}  # never turned away, never queued
    assert found["small"] and set(found["small"]) == {200}  # the light lane


def test_stream_past_the_queue_gets_503_before_it_starts(narrow_server):
    results: list[int] = []

    def stream() -> None:
        with httpx.Client(base_url=narrow_server.url, timeout=120) as http, \
                http.stream("POST", "/api/trajectories/stream", json=HEAVY) as r:
            results.append(r.status_code)
            r.read()

    threads = [threading.Thread(target=stream) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(503) >= 1 and results.count(200) >= 1, results


def _drop(url: str, body: dict, count: int) -> None:
    """Send ``body`` ``count`` times over raw sockets and close each at once, as a closed browser tab does."""
    port = int(url.rsplit(":", 1)[1])
    data = json.dumps(body).encode()
    head = (f"POST /api/trajectories HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\n\r\n").encode()
    for _ in range(count):
        with socket.create_connection(("127.0.0.1", port)) as s:
            s.sendall(head + data)


def test_dropped_json_requests_stop_computing_within_3_s():
    """Finding 2: abandoned JSON requests compute in slices and stop when the client has gone."""
    server = LiveServer(env={"OPTIM_PLAYGROUND_COMPUTE_QUEUE": "30"})
    try:
        _drop(server.url, HEAVY, 12)  # 12 x ~1 s of CPU each if they ran to the end
        time.sleep(3.0)  # the bound
        before = server.cpu_seconds()
        time.sleep(2.0)
        busy = server.cpu_seconds() - before
        # Running to the end, they would keep a core busy for another ~10 s; idle, the server uses next to none.
        assert busy < 0.2, f"the server still computed {busy:.2f} s of CPU in the 2 s after the bound"
        assert httpx.get(server.url + "/healthz", timeout=10).status_code == 200
    finally:
        server.stop()


def test_formulas_are_accepted_while_heavy_work_is_in_flight(live_server):
    """Finding 5: valid formulas are not refused as too complex because the server is busy."""
    formulas = [f"sin({k}*x) + cos(y)^2 + x^2/{k + 1}" for k in range(10)]
    heavy = threading.Thread(target=_post_all, args=(live_server.url, [HEAVY] * 6))
    heavy.start()
    time.sleep(0.2)
    with httpx.Client(base_url=live_server.url, timeout=60) as http:
        checks = [http.post("/api/expressions/check", json={"expression": f}).json() for f in formulas]
    heavy.join()
    assert all(c["ok"] for c in checks), [c for c in checks if not c["ok"]]


def test_serve_bounds_connections_timeouts_and_malloc_arenas(monkeypatch):
    """Findings 4 and 6: serve passes uvicorn a concurrency limit, a keep-alive timeout and the header-timeout
    protocol, and bounds glibc's arenas before any thread starts."""
    seen: dict = {}
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: seen.update(kw, app=app))
    assert cli.main(["serve", "--port", "8123"]) == 0
    defaults = Settings()
    assert seen["limit_concurrency"] == defaults.limit_concurrency
    assert seen["timeout_keep_alive"] == defaults.timeout_keep_alive
    assert seen["http"] is HeaderTimeoutProtocol
    import os

    assert os.environ["MALLOC_ARENA_MAX"] == "2"


def test_connection_that_never_finishes_its_headers_is_closed():
    """Finding 4: a slowloris connection is closed after the header timeout; a normal one is served."""
    server = LiveServer(cli=True, env={"OPTIM_PLAYGROUND_HEADER_TIMEOUT": "1"})
    try:
        port = int(server.url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port)) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and never the blank line
            s.settimeout(15)
            assert s.recv(1024) == b""  # closed by the server, with nothing sent
        with httpx.Client(base_url=server.url, timeout=10) as http:
            assert http.get("/healthz").status_code == 200
            time.sleep(1.5)  # an idle keep-alive connection past the header timeout is closed, and reopened
            assert http.get("/healthz").status_code == 200
    finally:
        server.stop()


def test_custom_grid_gzip_is_level_1(client):
    """Finding 7: a new grid is compressed at level 1, not 6."""
    url = "/api/surfaces/custom/grid?expression=x*y%2Bsin(x)&n=97"
    r = client.get(url, headers={"accept-encoding": "gzip"})
    assert r.status_code == 200
    assert r.headers["content-encoding"] == "gzip"
    raw = client.get(url, headers={"accept-encoding": "identity"}).content
    assert gzip.compress(raw, 1, mtime=0) != gzip.compress(raw, 6, mtime=0)  # the two levels differ here
    from app.api.catalog import CUSTOM_GRIDS

    cached = next(e for k, e in CUSTOM_GRIDS._items.items() if k[0] == "x*y+sin(x)" and k[2] == 97)
    assert cached._gzipped == gzip.compress(raw, 1, mtime=0)


def test_new_grids_take_the_light_lane_and_cached_ones_never_wait():
    """A page full of distinct grid URLs cannot fill the thread pool: a new grid passes the light lane (503 when
    it is full); a cached grid, /healthz and the catalog answer regardless."""
    from fastapi.testclient import TestClient

    from app.main import create_app

    with TestClient(create_app(Settings(light_slots=1, light_queue=0))) as c:
        assert c.get("/api/surfaces/booth/grid?n=31").status_code == 200  # cached from now on
        light = c.app.state.admission.light
        light.pending = light.slots + light.queue  # as if the lane were full
        try:
            busy = c.get("/api/surfaces/booth/grid?n=32")
            assert busy.status_code == 503
            assert busy.headers["retry-after"] == str(Settings().retry_after)
            assert busy.json()["code"] == "busy"
            assert c.get("/api/surfaces/custom/grid?expression=x%2By&n=33").status_code == 503
            assert c.get("/api/surfaces/booth/grid?n=31").status_code == 200
            assert c.get("/healthz").status_code == 200
            assert c.get("/api/optimizers").status_code == 200
            assert c.post("/api/expressions/check", json={"expression": "x+y"}).status_code == 200
            assert c.post("/api/trajectories", json=SMALL).status_code == 503
        finally:
            light.pending = 0
        assert c.get("/api/surfaces/booth/grid?n=32").status_code == 200


def test_openapi_states_min_length_and_the_range_rule(client):
    """Finding 9: an empty expression and a domain with min = max are refused, and the schema says so."""
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    expression = schemas["CustomSurface"]["properties"]["expression"]
    assert expression["minLength"] == 1 and expression["maxLength"] == 300
    assert "min < max" in json.dumps(schemas["Domain"]["properties"]["x"])
    grid = next(p for p in spec["paths"]["/api/surfaces/custom/grid"]["get"]["parameters"]
                if p["name"] == "expression")
    assert grid["schema"]["minLength"] == 1
    assert client.get("/api/surfaces/custom/grid?expression=").status_code == 422


def test_page_and_modules_are_revalidated_and_plotly_has_an_etag(client):
    """Finding 10: Cache-Control on /, no-cache + ETag for modules, an ETag for plotly.min.js; each answers 304."""
    page = client.get("/")
    assert page.headers["cache-control"] == "no-cache" and page.headers["etag"]
    assert client.get("/", headers={"if-none-match": page.headers["etag"]}).status_code == 304
    module = client.get("/static/js/main.js")
    assert module.status_code == 200
    assert module.headers["cache-control"] == "no-cache" and module.headers["etag"]
    assert client.get("/static/js/main.js", headers={"if-none-match": module.headers["etag"]}).status_code == 304
    plotly = client.get("/static/vendor/plotly.min.js")
    assert plotly.headers["etag"] and "max-age" in plotly.headers["cache-control"]
    again = client.get("/static/vendor/plotly.min.js", headers={"if-none-match": plotly.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


def test_head_on_page_and_health(live_server):
    """Finding 10: HEAD / and HEAD /healthz answer 200, not 405."""
    with httpx.Client(base_url=live_server.url, timeout=10) as http:
        for path in ("/", "/healthz", "/static/js/main.js"):
            r = http.head(path)
            assert r.status_code == 200, path
            assert r.content == b""


def test_trusted_hosts_setting_refuses_other_hosts():
    from fastapi.testclient import TestClient

    from app.main import create_app

    with TestClient(create_app(Settings(trusted_hosts=["play.example.org"])), base_url="http://play.example.org") as c:
        assert c.get("/healthz").status_code == 200
        r = c.get("/healthz", headers={"host": "evil.example.com"})
        assert r.status_code == 400
        assert r.json()["code"] == "host_not_allowed" and r.json()["params"] == {"host": "evil.example.com"}
        assert "content-security-policy" in r.headers
        assert c.post("/api/trajectories", json=SMALL, headers={"host": "evil.example.com"}).status_code == 400
    with TestClient(create_app(Settings())) as c:  # off by default
        assert c.get("/healthz", headers={"host": "anything.example"}).status_code == 200


def test_every_request_leaves_its_lane():
    """Admitted requests are counted out again whatever their end: answered, streamed, refused by the budget."""
    from fastapi.testclient import TestClient

    from app.main import create_app

    with TestClient(create_app(Settings())) as c:
        assert c.post("/api/trajectories", json=SMALL).status_code == 200
        assert c.post("/api/trajectories/stream", json=SMALL).status_code == 200
        assert c.post("/api/trajectories", json={**HEAVY, "steps": 2000}).status_code == 200  # heavy lane
        assert c.post("/api/trajectories", json={**SMALL, "runs": [{"optimizer": "lbfgs"}], "steps": 10_000}
                      ).status_code == 422
        admission = c.app.state.admission
        assert admission.light.pending == admission.heavy.pending == 0


HEAVY_TRAINING = {"model": {"name": "mlp", "options": {"hidden": [32, 32]}},
                  "data": {"name": "spiral", "options": {"n": 400}}, "epochs": 100, "batch_size": 16,
                  "runs": [{"optimizer": "adam", "params": {"lr": 0.01}}] * 3}


@pytest.mark.parametrize("route, body", [("/api/trajectories/stream", HEAVY),
                                         ("/api/train/stream", HEAVY_TRAINING)], ids=["trajectories", "train"])
def test_a_stream_dropped_mid_way_gives_its_slot_back_at_once(narrow_server, route, body):
    """A client that leaves a stream (a page aborting it on a change of settings) must not keep the lane's one
    slot: its generator is paused at a yield when the pulling task is cancelled, and nothing but the garbage
    collector would close it (a following heavy stream once waited over 40 s)."""
    port = int(narrow_server.url.rsplit(":", 1)[1])
    with httpx.Client(base_url=narrow_server.url, timeout=60) as http:
        limits = http.get("/api/limits").json()
        assert limits  # the server is up
        for k in range(3):  # three drops in a row: a leaked slot would block the second at the latest
            data = json.dumps(body).encode()
            with socket.create_connection(("127.0.0.1", port)) as s:
                s.sendall((f"POST {route} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                           f"Content-Length: {len(data)}\r\n\r\n").encode() + data)
                s.settimeout(20)
                deadline = time.monotonic() + 30  # a leaked slot: only keep-alive comments would come
                seen = b""
                while b"event: points" not in seen:  # computing, paused at a yield: then the tab closes
                    assert time.monotonic() < deadline, f"drop {k}: no points within 30 s (slot leaked?)"
                    chunk = s.recv(65536)
                    assert chunk, seen[:300]
                    seen += chunk
                assert b" 200 " in seen.split(b"\r\n", 1)[0]
        started = time.monotonic()
        with http.stream("POST", route, json=body, timeout=60) as r:
            assert r.status_code == 200
            for line in r.iter_lines():
                if line.startswith("event: meta"):  # sent once the stream holds the slot
                    break
        waited = time.monotonic() - started
    # Liveness, not speed: with the slot leaked this waits for a garbage collection (15 s to minutes).
    assert waited < 10, f"the next stream waited {waited:.1f} s for the slot"
