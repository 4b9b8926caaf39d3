"""The page learns every limit from GET /api/limits (issue 9, item 1): none is written into static/ or templates/."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Limit values and names as they used to be restated in the page (steps, coordinates, seed, budget, label, runs).
JS_LIMITS = [
    r"\bMAX_(RUNS|STEPS|COORD|LABEL|EXPR|NOISE|SEED|WORK)\b",
    r"\b10_?000\b", r"\b1e[46]\b", r"\b1_?000_?000\b", r"2\s*\*\*\s*(31|53)", r"\b9007199254740991\b",
    r"\b400_?000\b", r"maxlength:\s*'\d", r"\.slice\(0,\s*\d+\)",
]
# Numeric bounds on inputs in the template.
HTML_LIMITS = [r"<input[^>]*\b(min|max|maxlength)=\"-?\d"]


def _files(folder: str, suffixes: tuple[str, ...]) -> list[Path]:
    return [p for p in (ROOT / folder).rglob("*") if p.suffix in suffixes and "vendor" not in p.parts]


def test_no_limit_literal_remains_in_the_page_code():
    found = []
    for path in _files("static", (".js",)):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            found += [f"{path.relative_to(ROOT)}:{n}: {line.strip()}" for pat in JS_LIMITS if re.search(pat, line)]
    for path in _files("templates", (".html",)):
        text = path.read_text()
        found += [f"{path.relative_to(ROOT)}: {m.group(0)}" for pat in HTML_LIMITS for m in re.finditer(pat, text)]
    assert found == []


def _serve_limits(p, change):
    """Answers GET /api/limits with the server's own answer, changed by `change`, for this page only."""

    def handle(route):
        response = route.fetch()
        body = response.json()
        change(body)
        route.fulfill(response=response, body=json.dumps(body), headers={**response.headers,
                                                                          "content-type": "application/json"})

    p.page.route("**/api/limits", handle)


def test_controls_take_their_bounds_from_the_limits_endpoint(open_page):
    p = open_page(settle=False)

    def smaller(body):
        body["steps"]["max"] = 777
        body["runs"]["max"] = 7
        body["label"]["max_length"] = 12
        body["expression"]["max_length"] = 55
        body["coord"] = {"min": -50, "max": 50}

    _serve_limits(p, smaller)
    p.page.goto(p.page.url.split("?")[0] + "?preset=contour")
    p.settle()
    attrs = p.js("""({steps: document.getElementById('steps').max, expr: document.getElementById('expr').maxLength,
        label: document.getElementById('run0-label').maxLength, xmax: document.getElementById('xmax').max,
        count: document.getElementById('runs-count').textContent})""")
    assert attrs == {"steps": "777", "expr": 55, "label": 12, "xmax": "50", "count": "6 of 7"}
    # Steps typed over the served maximum are clamped to it, and the page says so.
    p.page.fill("#steps", "5000")
    p.page.press("#steps", "Enter")
    p.wait("window.__playground.state.steps === 777", what="steps clamped to the served maximum")
    assert "it is now 777" in p.js("document.getElementById('note').textContent")


def test_typed_surface_starts_by_the_served_rule_off_the_stationary_centre(open_page, server):
    p = open_page("?v=1&surface=custom&expr=x%5E4%20-%202x%5E2%20%2B%20y%5E2&xr=-2_2&yr=-2_2&runs=adam:lr=0.05"
                  "&steps=100")
    # The server's one rule (the check answers it for these ranges), never the box centre
    body = json.dumps({"expression": "x^4 - 2x^2 + y^2", "domain": {"x": [-2, 2], "y": [-2, 2]}}).encode()
    req = urllib.request.Request(f"{server}/api/expressions/check", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        start = json.load(r)["start"]
    assert start != [0, 0]
    assert p.js("window.__playground.result.runs[0].xy[0]") == start
    p.wait(f"document.getElementById('start-x').value === '{start[0]!r}'", what="the start shown is the served one")
    xy = p.js("window.__playground.result.runs[0].xy")
    assert xy[-1] != xy[0]  # it moves: the old default (0, 0) is a stationary point of this example
