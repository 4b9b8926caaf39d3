"""Against a real uvicorn on a loopback port: streaming arrives in pieces, and a heavy request stalls nobody."""

from __future__ import annotations

import json
import threading
import time

import httpx

from tests.api.support import SEED_FIGURE, LiveServer, parse_sse, reassemble

HEAVY = {"surface": "rosenbrock", "steps": 10_000,
         "runs": [{"optimizer": name} for name in ["adam", "nadam", "radam", "adamw"] * 4]}


def test_stream_from_real_server_arrives_in_pieces_and_equals_json(live_server):
    arrivals: list[tuple[float, str]] = []
    chunks: list[str] = []
    with httpx.Client(base_url=live_server.url, timeout=60) as http:
        with http.stream("POST", "/api/trajectories/stream", json=HEAVY) as r:
            assert r.status_code == 200
            assert r.headers["content-type"].startswith("text/event-stream")
            for text in r.iter_text():
                arrivals.append((time.perf_counter(), text))
                chunks.append(text)
        whole = http.post("/api/trajectories", json=HEAVY)
    assert whole.status_code == 200
    events = parse_sse("".join(chunks))
    assert reassemble(events) == whole.json()
    # The first points were on the wire before the last ones were computed: the body came in many reads,
    # and the read holding the first "points" event came before the one holding "done".
    first_points = next(k for k, (_, text) in enumerate(arrivals) if "event: points" in text)
    done = next(k for k, (_, text) in enumerate(arrivals) if "event: done" in text)
    assert first_points < done
    assert len(arrivals) > 10


def test_heavy_request_does_not_block_healthz(live_server):
    finished: list[str] = []

    def heavy():
        with httpx.Client(base_url=live_server.url, timeout=60) as http:
            r = http.post("/api/trajectories", json=HEAVY)
        finished.append(f"heavy {r.status_code}")

    thread = threading.Thread(target=heavy)
    with httpx.Client(base_url=live_server.url, timeout=60) as http:
        thread.start()
        time.sleep(0.05)  # let the heavy request reach the server
        answered_meanwhile = 0
        while thread.is_alive():
            assert http.get("/healthz").status_code == 200
            answered_meanwhile += thread.is_alive()
            if answered_meanwhile == 5:  # a light stream: it takes the light lane, not a place behind the heavy one
                with http.stream("POST", "/api/trajectories/stream", json=SEED_FIGURE) as s:
                    assert any(line.startswith("event: points") for line in s.iter_lines())
                    finished.append("stream started")
        thread.join()
    # Had the computation held the event loop, each health check would have waited for the heavy answer.
    assert answered_meanwhile >= 5
    assert finished == ["stream started", "heavy 200"]


def test_real_server_refuses_bad_input_and_stays_up(live_server):
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        bad = [
            ("POST", "/api/trajectories", b'{"surface": "beale", "steps": NaN, "runs": []}', 422),
            ("POST", "/api/trajectories", b"x" * 70_000, 413),
            ("POST", "/api/trajectories", b"\xff\xfe\x00", 400),
            ("POST", "/api/trajectories/stream", json.dumps({"surface": "beale", "steps": 10_000, "runs": [
                {"optimizer": "lbfgs"}]}).encode(), 422),
            ("GET", "/api/surfaces/custom/grid?expression=" + "(" * 300, b"", 422),
        ]
        for method, path, content, status in bad:
            r = http.request(method, path, content=content, headers={"content-type": "application/json"})
            assert r.status_code == status, (path, r.text)
        assert http.get("/healthz").json() == {"status": "ok"}


def test_cli_serve_runs_the_app():
    server = LiveServer(cli=True)
    try:
        r = httpx.get(server.url + "/api/surfaces", timeout=10)
        assert r.status_code == 200
        assert r.json()[0]["name"] == "rosenbrock"
    finally:
        server.stop()
    assert server.proc.returncode is not None
