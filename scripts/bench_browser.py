"""Prints three figures of the page in headless Chromium; asserts nothing (machines differ).

1. Time to the first drawn path: from navigation start to the page's ``first-path`` performance mark, set when a
   path trace first holds two points. Cold is the first load after the server starts (grid not yet cached, no
   browser cache); warm is the median of the next loads, each in a fresh browser context.
2. Frames per second while the 13 paths of ?preset=rosenbrock animate: requestAnimationFrame callbacks counted by
   the page's player over about 3 s, and how many of those frames redrew the paths (one per new step).
3. Latency from a slider change to the redraw: an lr slider moved by script, until the page has drawn the new
   paths; median of 10. It includes the page's 100 ms debounce, which is there on purpose.

Usage: python scripts/bench_browser.py [--viewport 1440x900]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
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


def start_server() -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port",
                             str(port), "--log-level", "warning"], cwd=ROOT)
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


def first_path_ms(browser, base: str, viewport: dict) -> float:
    ctx = browser.new_context(viewport=viewport)
    page = ctx.new_page()
    page.goto(f"{base}/?preset=contour")
    wait(page, "performance.getEntriesByName('first-path').length > 0")
    ms = page.evaluate("performance.getEntriesByName('first-path')[0].startTime")
    ctx.close()
    return ms


def animation_fps(browser, base: str, viewport: dict, seconds: float = 3.0) -> tuple[float, float, int]:
    ctx = browser.new_context(viewport=viewport)
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
    ctx = browser.new_context(viewport=viewport)
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
            while (d.draws === draws) await new Promise((r) => setTimeout(r, 2));
            return d.lastDrawAt - t0;
        }""", value)
        out.append(ms)
        wait(page, "window.__playground.settled()")
    ctx.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--viewport", default="1440x900")
    args = ap.parse_args()
    w, h = (int(v) for v in args.viewport.split("x"))
    viewport = {"width": w, "height": h}
    from playwright.sync_api import sync_playwright

    proc, base = start_server()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            cold = first_path_ms(browser, base, viewport)
            warm = [first_path_ms(browser, base, viewport) for _ in range(5)]
            fps, redraws, n_paths = animation_fps(browser, base, viewport)
            latency = slider_latency_ms(browser, base, viewport)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)

    print(f"headless Chromium, viewport {w}x{h}")
    print(f"time to first drawn path:  cold {cold:.0f} ms, warm median {statistics.median(warm):.0f} ms "
          f"(min {min(warm):.0f}, max {max(warm):.0f}; ?preset=contour)")
    print(f"animation, {n_paths} paths:       {fps:.1f} frames/s, {redraws:.1f} path redraws/s "
          "(?preset=rosenbrock at 60 steps/s)")
    print(f"slider change to redraw:   median {statistics.median(latency):.0f} ms "
          f"(min {min(latency):.0f}, max {max(latency):.0f}; includes the 100 ms debounce)")


if __name__ == "__main__":
    main()
