"""The installed package runs from outside the checkout: the wheel carries templates/ and static/ inside ``app``,
and the installed CLI serves the page and its modules (issue 9, item 3).

The wheel is built from this checkout into a temporary folder and installed with --no-deps into another (the
dependencies are this interpreter's own), and the console script runs there, with the checkout nowhere on its
path.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.api.support import ROOT, free_port


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("install")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(tmp / "dist"), str(ROOT)], check=True, cwd=tmp,
                   timeout=300)
    wheel = next((tmp / "dist").glob("optim_playground-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "app/templates/index.html" in names and "app/static/js/main.js" in names
    assert not any(n.startswith("share/") or ".data/data/" in n for n in names)  # nothing outside the package
    subprocess.run([*pip, "install", "--no-deps", "--target", str(tmp / "site"), str(wheel)], check=True, cwd=tmp,
                   timeout=300)
    return tmp


def test_building_and_installing_does_not_break_a_server_running_from_the_checkout(live_server, installed):
    """The server came up before the wheel was built in this checkout and installed elsewhere (the fixtures run in
    this order); its page and modules are still served, since nothing it reads was moved or removed."""
    with httpx.Client(base_url=live_server.url, timeout=10) as http:
        assert http.get("/").status_code == 200
        assert http.get("/static/js/main.js").status_code == 200
        assert http.get("/static/css/app.css").status_code == 200


def test_installed_cli_serves_the_page_from_outside_the_checkout(installed):
    site = installed / "site"
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("OPTIM_PLAYGROUND_ASSETS_DIR", None)
    log = (installed / "serve.log").open("wb")
    proc = subprocess.Popen([str(site / "bin" / "optim-playground"), "serve", "--port", str(port)], cwd=installed,
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, (installed / "serve.log").read_text()
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the installed server did not come up"
            time.sleep(0.1)
        page = httpx.get(url + "/", timeout=10)
        assert page.status_code == 200 and 'src="/static/js/main.js"' in page.text
        assert httpx.get(url + "/static/js/main.js", timeout=10).status_code == 200
        assert httpx.get(url + "/static/css/app.css", timeout=10).status_code == 200
        assert httpx.get(url + "/api/limits", timeout=10).status_code == 200
        code = "import app, optim_core; print(app.__file__, optim_core.__file__)"
        where = subprocess.run([sys.executable, "-c", code], cwd=installed, env=env, capture_output=True, text=True,
                               check=True).stdout
        assert str(ROOT) not in where and str(site) in where  # the installed copy ran, not the checkout
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()
