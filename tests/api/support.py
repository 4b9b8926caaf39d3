"""Helpers shared by the API tests: the seed figure, an event-stream parser, a real uvicorn on loopback."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
SEED_FIGURE = {
    "surface": "beale", "start": [1.0, 1.5], "steps": 300,
    "runs": [
        {"optimizer": "sgd", "params": {"lr": 1e-3}, "label": "SGD"},
        {"optimizer": "sgd", "params": {"lr": 1e-3, "momentum": 0.9}, "label": "Momentum"},
        {"optimizer": "sgd", "params": {"lr": 1e-3, "momentum": 0.9, "nesterov": True}, "label": "NAG"},
        {"optimizer": "adagrad", "params": {"lr": 0.1}},
        {"optimizer": "adadelta", "params": {"lr": 1.0}},
        {"optimizer": "rmsprop", "params": {"lr": 1e-2}},
    ],
}


def parse_sse(text: str) -> list[tuple[str, dict]]:
    """(event, data) for each event of a text/event-stream body; comments (keep-alives) are skipped."""
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        name, data = "message", []
        for line in block.split("\n"):
            if line.startswith(":") or not line:
                continue
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field == "event":
                name = value
            elif field == "data":
                data.append(value)
        if data:
            events.append((name, json.loads("\n".join(data))))
    return events


def reassemble(events: list[tuple[str, dict]]) -> dict:
    """The JSON answer rebuilt from a stream's meta, points and done events."""
    assert events[0][0] == "meta" and events[-1][0] == "done"
    result = dict(events[0][1])
    runs = [dict(r, xy=[], loss=[], evals=None, grad=None) for r in result["runs"]]
    for name, data in events[1:-1]:
        assert name == "points"
        run = runs[data["run"]]
        assert data["offset"] == len(run["xy"]), "points must arrive in order, with no gap"
        run["xy"] += data["xy"]
        run["loss"] += data["loss"]
        if data["evals"] is not None:
            run["evals"] = (run["evals"] or []) + data["evals"]
        if data.get("grad") is not None:
            run["grad"] = (run["grad"] or []) + data["grad"]
    for run, final in zip(runs, events[-1][1]["runs"], strict=True):
        run.update(final)
        if run["evals"] is None and run["optimizer"] == "lbfgs":
            run["evals"] = []  # a run that sent no points at all
    result["runs"] = runs
    return result


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """``python -m uvicorn app.main:app`` (or ``optim-playground serve``) on a free loopback port, in its own
    process; its output goes to a temporary file, so a chatty server can never block on a full pipe."""

    def __init__(self, cli: bool = False, env: dict[str, str] | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        if cli:
            command = [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        else:
            command = [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port",
                       str(self.port), "--log-level", "warning"]
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the server; closed by stop()
        self.proc = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            if self.proc.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"the server exited: {self.log.read().decode(errors='replace')}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("uvicorn did not answer /healthz within 30 s")
            time.sleep(0.05)

    def cpu_seconds(self) -> float:
        """User plus system CPU time the server process has used so far (Linux's /proc)."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


