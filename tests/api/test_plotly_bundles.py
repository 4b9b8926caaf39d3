"""The page's two Plotly bundles: the vendored cartesian one it starts with, and the wheel's full one it loads for
3-D. Same plotly.js version (a full bundle of another version would take window.Plotly's place under graphs drawn
by this one), both gzipped and cached a week, the vendored one with its licence beside it."""

from __future__ import annotations

import re
from pathlib import Path

from app.api.pages import PLOTLY_JS

ROOT = Path(__file__).resolve().parents[2]
CARTESIAN = ROOT / "static" / "vendor" / "plotly-cartesian" / "plotly-cartesian.min.js"


def version(path: Path) -> str:
    head = path.read_bytes()[:300].decode()
    return re.search(r"plotly\.js (?:\(cartesian - minified\) )?v(\d+\.\d+\.\d+)", head).group(1)


def test_cartesian_bundle_is_the_wheels_plotly_version_with_its_licence():
    assert version(CARTESIAN) == version(PLOTLY_JS)
    assert "MIT License" in (CARTESIAN.parent / "LICENSE").read_text()


def test_read_plotly_cartesian_is_gzipped_and_cached_a_week(client):
    r = client.get("/static/vendor/plotly-cartesian.min.js", headers={"accept-encoding": "gzip"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/javascript")
    assert r.headers["content-encoding"] == "gzip"
    assert "max-age=604800" in r.headers["cache-control"]
    assert r.content == CARTESIAN.read_bytes()
    again = client.get("/static/vendor/plotly-cartesian.min.js", headers={"if-none-match": r.headers["etag"]})
    assert again.status_code == 304


def test_read_page_starts_with_the_cartesian_bundle(client):
    r = client.get("/")
    assert r.status_code == 200
    assert re.search(r'<script src="/static/vendor/plotly-cartesian\.min\.js" async id="plotly-script">', r.text)
    assert "plotly.min.js\"" not in r.text  # the full bundle is the page's to load, when 3-D is asked for
