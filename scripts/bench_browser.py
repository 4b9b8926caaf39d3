"""Prints three figures of the page in headless Chromium; asserts nothing (machines differ).

1. Time to the first drawn path: from navigation start to the page's ``first-path`` performance mark, set when a
   path trace first holds two points. Cold is the first load after the server starts (grid not yet cached, no
   browser cache); warm is the median of the next loads, each in a fresh browser context.
2. Frames per second while the 13 paths of ?preset=rosenbrock animate: requestAnimationFrame callbacks counted by
   the page's player over about 3 s, and how many of those frames redrew the paths (one per new step).
3. Latency from a slider change to the redraw: an lr slider moved by script, until the page has drawn the new
   paths; median of 10. It includes the page's 100 ms debounce, which is there on purpose.
4. Switching 2-D to 3-D: from the click on "3-D surface" until the 3-D view is drawn; median of 3. Once right
   after the page has settled (its race playing), and once after 5 s paused, which is when the page has built the
   3-D view out of sight (plots.js, PREPARE_3D_IDLE_MS) if it does.
5. Plotly's own start-up: from navigation start to window.Plotly being defined.

--before REF measures the page of a git revision (its tree, served by its own app) in the same run, and prints
the ratios. --bundle FILE serves another Plotly build in place of the page's first bundle (plotly-cartesian.min.js,
or plotly.min.js for revisions before the cartesian bundle came), for the 2-D figures only: e.g. the wheel's full
bundle, to see what the cartesian one saves. The load average is
printed with the figures: on a busy machine they are slower, and the ratios are what carries over.

Usage: python scripts/bench_browser.py [--viewport 1440x900] [--before REF] [--bundle FILE]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(root: Path = ROOT) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port",
                             str(port), "--log-level", "warning"], cwd=root)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1):
                return proc, base
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("uvicorn did not start")


def wait(page, expression: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not page.evaluate(f"!!({expression})"):
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {expression}")
        time.sleep(0.02)


BUNDLE: Path | None = None  # --bundle: served in place of the page's first Plotly bundle


def new_context(browser, viewport: dict):
    ctx = browser.new_context(viewport=viewport)
    if BUNDLE is not None:
        body = BUNDLE.read_bytes()
        ctx.route("**/static/vendor/plotly-cartesian.min.js",
                  lambda r: r.fulfill(status=200, body=body, content_type="text/javascript"))
    return ctx


def first_path_ms(browser, base: str, viewport: dict) -> tuple[float, float]:
    """(first drawn path, Plotly defined), both from navigation start."""
    ctx = new_context(browser, viewport)
    page = ctx.new_page()
    page.add_init_script("""(() => { const t = setInterval(() => { if (window.Plotly) {
        window.__plotlyAt = performance.now(); clearInterval(t); } }, 2); })()""")
    page.goto(f"{base}/?preset=contour")
    wait(page, "performance.getEntriesByName('first-path').length > 0")
    ms = page.evaluate("performance.getEntriesByName('first-path')[0].startTime")
    plotly = page.evaluate("window.__plotlyAt ?? NaN")
    ctx.close()
    return ms, plotly


def switch_3d_ms(browser, base: str, viewport: dict, n: int = 3, idle: float = 0.0) -> list[float]:
    out = []
    for _ in range(n):
        ctx = new_context(browser, viewport)
        page = ctx.new_page()
        page.goto(f"{base}/?preset=contour")
        wait(page, "window.__playground && window.__playground.settled()")
        if idle:
            page.evaluate("window.__playground.player.pause()")
            time.sleep(idle)
        ms = page.evaluate("""async () => {
            const d = () => window.__playground.debug;
            const draws = d().draws;
            const t0 = performance.now();
            document.getElementById('view-3d').click();
            while (!(d().draws > draws && window.__playground.settled()) && performance.now() < t0 + 60000) {
                await new Promise((r) => setTimeout(r, 5));
            }
            return d().lastDrawAt - t0;
        }""")
        out.append(ms)
        ctx.close()
    return out


def animation_fps(browser, base: str, viewport: dict, seconds: float = 3.0) -> tuple[float, float, int]:
    ctx = new_context(browser, viewport)
    page = ctx.new_page()
    page.goto(f"{base}/?preset=rosenbrock")
    wait(page, "window.__playground && window.__playground.settled()")
    n_paths = page.evaluate("window.__playground.plotted().length")
    # Count frames and redraws in the page itself, so the numbers do not depend on this process's timing.
    result = page.evaluate("""async (seconds) => {
        const p = window.__playground.player;
        p.speed = 60;
        p.restart();
        let redraws = 0;
        const onStep = p.onStep;
        p.onStep = (k) => { redraws++; onStep(k); };
        await new Promise((r) => setTimeout(r, 300));
        const f0 = p.frames, r0 = redraws, t0 = performance.now();
        await new Promise((r) => setTimeout(r, seconds * 1000));
        const dt = (performance.now() - t0) / 1000;
        const out = [(p.frames - f0) / dt, (redraws - r0) / dt, p.playing];
        p.onStep = onStep;
        return out;
    }""", seconds)
    ctx.close()
    fps, redraws, still_playing = result
    if not still_playing:
        print("  (warning: the animation ended before the measurement did)")
    return fps, redraws, n_paths


def slider_latency_ms(browser, base: str, viewport: dict, n: int = 10) -> list[float]:
    ctx = new_context(browser, viewport)
    page = ctx.new_page()
    page.goto(f"{base}/?preset=contour")
    wait(page, "window.__playground && window.__playground.settled()")
    out = []
    for i in range(n):
        value = 400 + 25 * (i % 2 * 2 - 1) * (i // 2 + 1)  # alternate around the middle: every value is new
        ms = page.evaluate("""async (value) => {
            const s = document.getElementById('run0-lr-slider');
            const d = window.__playground.debug;
            const draws = d.draws;
            const t0 = performance.now();
            s.value = String(value);
            s.dispatchEvent(new Event('input', {bubbles: true}));
            s.dispatchEvent(new Event('change', {bubbles: true}));
            const give_up = t0 + 30000;
            while (d.draws === draws && performance.now() < give_up) await new Promise((r) => setTimeout(r, 2));
            return d.lastDrawAt - t0;
        }""", value)
        out.append(ms)
        wait(page, "window.__playground.settled()")
    ctx.close()
    return out


def measure(browser, root: Path, viewport: dict, with_3d: bool) -> dict:
    proc, base = start_server(root)
    try:
        cold = first_path_ms(browser, base, viewport)
        warm = [first_path_ms(browser, base, viewport) for _ in range(5)]
        fps, redraws, n_paths = animation_fps(browser, base, viewport)
        latency = slider_latency_ms(browser, base, viewport)
        switch = switch_3d_ms(browser, base, viewport) if with_3d else []
        switch_idle = switch_3d_ms(browser, base, viewport, idle=5.0) if with_3d else []
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return {"cold": cold[0], "warm": statistics.median(w[0] for w in warm),
            "plotly": statistics.median(w[1] for w in warm), "fps": fps, "redraws": redraws, "n_paths": n_paths,
            "latency": statistics.median(latency), "switch": statistics.median(switch) if switch else float("nan"),
            "switch_idle": statistics.median(switch_idle) if switch_idle else float("nan")}


ROWS = [("warm", "first drawn path, warm median (ms)"), ("cold", "first drawn path, cold (ms)"),
        ("plotly", "Plotly defined, warm median (ms)"), ("fps", "animation frames/s, 13 paths"),
        ("redraws", "path redraws/s"), ("latency", "slider release to redraw, median (ms)"),
        ("switch", "2-D to 3-D switch, median (ms)"), ("switch_idle", "  the same after 5 s idle, median (ms)")]


def main() -> None:
    global BUNDLE
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--viewport", default="1440x900")
    ap.add_argument("--before", help="a git revision whose page is measured too, in the same run")
    ap.add_argument("--bundle", type=Path, help="a Plotly build served as the page's first (2-D figures only)")
    args = ap.parse_args()
    w, h = (int(v) for v in args.viewport.split("x"))
    viewport = {"width": w, "height": h}
    from playwright.sync_api import sync_playwright

    results = {}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        if args.before:
            archive = subprocess.run(["git", "archive", args.before], cwd=ROOT, capture_output=True, check=True).stdout
            subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
            results[f"before ({args.before})"] = measure(browser, Path(tmp), viewport, True)
            print("measured", args.before, file=sys.stderr)
        results["this tree"] = measure(browser, ROOT, viewport, True)
        if args.bundle:
            BUNDLE = args.bundle
            results[f"this tree, {args.bundle.name}"] = measure(browser, ROOT, viewport, False)
        browser.close()

    print(f"headless Chromium, viewport {w}x{h}; load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    names = list(results)
    print(f"{'':42}" + "".join(f"{n[:28]:>30}" for n in names))
    for key, label in ROWS:
        print(f"{label:42}" + "".join(f"{results[n][key]:30.1f}" for n in names))
    if len(names) > 1:
        first = results[names[0]]
        for n in names[1:]:
            ratios = ", ".join(f"{key} {results[n][key] / first[key]:.2f}x" for key, _ in ROWS
                               if first[key] == first[key] and results[n][key] == results[n][key])
            print(f"{n} / {names[0]}: {ratios}")


if __name__ == "__main__":
    main()
