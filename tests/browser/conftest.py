"""Browser tests: a real uvicorn serving the app, driven by Debian's Chromium through Playwright.

Every page opened through the ``open_page`` fixture records console errors, uncaught exceptions, dialogs (an
``alert`` from injected script would open one) and every request to a host other than 127.0.0.1, which is
aborted. Screenshots go to test-artifacts/screenshots/, for people to look at.

The page's CSP forbids eval, and Playwright's ``wait_for_function`` compiles its predicate with it, so waits poll
``page.evaluate`` (which the CSP does not govern) instead.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
INSTALL_HINT = "apt-get install -y chromium fonts-noto-cjk"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    """The app under uvicorn on a free port, as a subprocess; its base URL."""
    port = _free_port()
    SCREENSHOTS.parent.mkdir(exist_ok=True)
    log = open(SCREENSHOTS.parent / "uvicorn.log", "w")  # noqa: SIM115 - open for the server's whole life
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "warning"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        if proc.poll() is not None:
            pytest.fail(f"uvicorn exited with {proc.returncode}; see test-artifacts/uvicorn.log")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("uvicorn did not answer /healthz within 30 s")
        time.sleep(0.1)
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"The browser tests need Debian's Chromium at {CHROMIUM}: run `{INSTALL_HINT}` as root.")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("The browser tests need Playwright: pip install -e '.[test]' (or pip install playwright).")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@dataclass
class Loaded:
    """A page and what it did: console errors, page errors, dialogs, requests that tried to leave the machine."""

    page: object
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    offsite: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def js(self, expression: str, arg=None):
        return self.page.evaluate(expression, arg)

    def wait(self, expression: str, timeout: float = 20.0, what: str = "") -> None:
        """Polls a JS expression until it is truthy."""
        deadline = time.monotonic() + timeout
        while True:
            if self.js(f"!!({expression})"):
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout} s waiting for {what or expression}; "
                                     f"console errors: {self.console_errors}; page errors: {self.page_errors}")
            time.sleep(0.05)

    def settle(self, timeout: float = 20.0) -> None:
        """Waits until the page has drawn the paths of its current state and has nothing pending."""
        self.wait("window.__playground && window.__playground.settled()", timeout, "the page to settle")

    def to_end(self) -> None:
        """Stops the animation on the last step, so that whole paths are plotted."""
        self.js("window.__playground.player.pause(); window.__playground.player.seek(1e9)")
        time.sleep(0.15)

    def plotted(self) -> list:
        return self.js("window.__playground.plotted()")

    def paths(self) -> list:
        """Each run's whole path as the server sent it."""
        return self.js("window.__playground.result.runs.map(r => r.xy)")

    def state(self) -> dict:
        return self.js("window.__playground.state")

    def shot(self, name: str, full_page: bool = False) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path


@pytest.fixture
def open_page(browser, server) -> Iterator[Callable[..., Loaded]]:
    """open_page(query="", width=1440, height=900, locale="en-US", settle=True) -> Loaded."""
    contexts = []
    loaded: list[Loaded] = []

    def open_(query: str = "", *, width: int = 1440, height: int = 900, locale: str = "en-US",
              settle: bool = True, permissions: list[str] | None = None) -> Loaded:
        ctx = browser.new_context(viewport={"width": width, "height": height}, locale=locale,
                                  permissions=permissions or [])
        contexts.append(ctx)
        page = ctx.new_page()
        rec = Loaded(page)
        loaded.append(rec)

        def route(r):
            url = r.request.url
            rec.requests.append(url)
            if urlsplit(url).hostname != "127.0.0.1":
                rec.offsite.append(url)
                r.abort()
            else:
                r.continue_()

        ctx.route("**/*", route)
        page.on("console", lambda m: m.type == "error" and rec.console_errors.append(m.text))
        page.on("pageerror", lambda e: rec.page_errors.append(str(e)))

        def dialog(d):
            rec.dialogs.append(d.message)
            d.dismiss()

        page.on("dialog", dialog)
        page.goto(f"{server}/{query}")
        if settle:
            rec.settle()
        return rec

    yield open_
    for ctx in contexts:
        ctx.close()
    for rec in loaded:  # a safety net under every test: nothing left this machine
        assert rec.offsite == [], f"requests to other hosts: {rec.offsite}"
