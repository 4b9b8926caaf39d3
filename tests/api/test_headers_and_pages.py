"""Security headers, compression, the page at /, static files and Plotly from its wheel."""

from __future__ import annotations

import pytest

from app.api.pages import PLOTLY_JS
from app.config import Settings
from app.main import create_app
from tests.api.support import ROOT, SEED_FIGURE

PATHS = [("get", "/healthz"), ("get", "/api/optimizers"), ("get", "/api/surfaces/beale/grid"),
         ("post", "/api/trajectories"), ("get", "/api/nothing-here")]


@pytest.mark.parametrize(("method", "path"), PATHS)
def test_every_response_carries_security_headers(client, method, path):
    r = client.request(method, path, json=SEED_FIGURE if method == "post" else None)
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "style-src 'self' 'unsafe-inline'" in csp  # Plotly sets inline styles
    assert "connect-src 'self'" in csp
    assert "frame-ancestors *" in csp  # embeddable in slides and course sites
    assert "x-frame-options" not in r.headers
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin"


def test_errors_carry_security_headers_too(client):
    r = client.post("/api/trajectories", json={"steps": -1})
    assert r.status_code == 422
    assert r.headers["x-content-type-options"] == "nosniff"


def test_large_json_is_gzipped_and_small_is_not(client):
    big = client.post("/api/trajectories", json=SEED_FIGURE, headers={"accept-encoding": "gzip"})
    assert big.status_code == 200
    assert big.headers["content-encoding"] == "gzip"
    small = client.get("/healthz", headers={"accept-encoding": "gzip"})
    assert "content-encoding" not in small.headers


def test_json_is_plain_for_clients_without_gzip(client):
    r = client.get("/api/optimizers", headers={"accept-encoding": "identity"})
    assert r.status_code == 200
    assert "content-encoding" not in r.headers
    assert r.json()[0]["name"] == "sgd"


def test_read_plotly_serves_the_wheels_bundle_with_long_cache(client):
    r = client.get("/static/vendor/plotly.min.js", headers={"accept-encoding": "gzip"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/javascript")
    assert r.headers["content-encoding"] == "gzip"
    assert "max-age=604800" in r.headers["cache-control"]
    assert r.content == PLOTLY_JS.read_bytes()


def test_read_plotly_gzip_is_made_once(client):
    a = client.get("/static/vendor/plotly.min.js", headers={"accept-encoding": "gzip"})
    raw = client.get("/static/vendor/plotly.min.js", headers={"accept-encoding": "identity"})
    assert a.content == raw.content
    assert "content-encoding" not in raw.headers


def test_read_page_renders_index_template(client):
    if not (ROOT / "templates" / "index.html").is_file():
        pytest.skip("templates/index.html is not written yet")
    r = client.get("/")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "<script" in r.text.lower()


def test_read_page_is_404_when_the_template_is_missing(tmp_path):
    from fastapi.testclient import TestClient

    (tmp_path / "templates").mkdir()
    with TestClient(create_app(Settings(assets_dir=tmp_path))) as c:
        r = c.get("/")
    assert r.status_code == 404
    assert "templates/index.html" in r.json()["detail"]


def test_static_files_are_served_from_assets_dir(tmp_path):
    from fastapi.testclient import TestClient

    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "index.html").write_text("<!doctype html><title>{{ static }}</title>")
    (tmp_path / "static" / "js").mkdir(parents=True)
    (tmp_path / "static" / "js" / "main.js").write_text("export const x = 1;\n")
    with TestClient(create_app(Settings(assets_dir=tmp_path))) as c:
        page = c.get("/")
        js = c.get("/static/js/main.js")
        plotly = c.get("/static/vendor/plotly.min.js", headers={"accept-encoding": "identity"})
    assert page.status_code == 200
    assert page.text == "<!doctype html><title>/static</title>"
    assert js.status_code == 200 and js.text == "export const x = 1;\n"
    assert plotly.status_code == 200  # the route wins over the static mount


def test_cached_grid_is_the_same_gzipped_or_not(client):
    r = client.get("/api/surfaces/levi/grid", params={"n": 50}, headers={"accept-encoding": "gzip"})
    raw = client.get("/api/surfaces/levi/grid", params={"n": 50}, headers={"accept-encoding": "identity"})
    assert r.headers["content-encoding"] == "gzip"
    assert r.content == raw.content
