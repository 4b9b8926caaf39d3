"""POST /api/expressions/check: live feedback on a typed formula."""

from __future__ import annotations

import pytest

from optim_core.expression import parse_expression


def test_check_formula_returns_latex(client):
    r = client.post("/api/expressions/check", json={"expression": "x^4 - 2x^2 + y^2"})
    assert r.status_code == 200
    assert r.json() == {"ok": True, "latex": "x^{4} - 2 x^{2} + y^{2}",
                        "start": list(parse_expression("x^4 - 2x^2 + y^2").start),
                        "cost": parse_expression("x^4 - 2x^2 + y^2").cost}


@pytest.mark.parametrize(("text", "position", "fragment"), [
    ("xy", 0, "write x*y"),
    ("x +* y", 3, "syntax error"),
    ("9**9**9", 1, "too large"),
    ("__import__('os').system('true')", 0, ""),
    ("x" * 301, 300, "longer than 300"),
    ("", 0, "empty"),
])
def test_check_formula_reports_error_and_position(client, text, position, fragment):
    r = client.post("/api/expressions/check", json={"expression": text})
    assert r.status_code == 200
    body = r.json()
    assert body["ok"] is False
    assert body["error"]["position"] == position
    assert fragment in body["error"]["message"]


@pytest.mark.parametrize("body", [{}, {"expression": 3}, {"expression": None}, {"expression": "x", "domain": 1}])
def test_check_formula_rejects_malformed_request(client, body):
    r = client.post("/api/expressions/check", json=body)
    assert r.status_code == 422
    assert r.json()["detail"][0]["msg"].startswith(("expression", "domain"))


def test_server_survives_hostile_formulas(client):
    for text in ["(" * 1000 + "x" + ")" * 1000, "x" + "^x" * 140, "exp(exp(exp(exp(x))))", "1e309*x",
                 "[x for x in ()]", "lambda: 1", "x.__class__", "'a'*9", "x;y", "\x00"]:
        r = client.post("/api/expressions/check", json={"expression": text})
        assert r.status_code == 200, text
    assert client.get("/healthz").json() == {"status": "ok"}


def test_check_answers_the_default_start_and_cost_for_the_given_ranges(client):
    small = client.post("/api/expressions/check", json={"expression": "x^4 - 2x^2 + y^2",
                                                        "domain": {"x": [0, 1], "y": [0, 1]}})
    wide = client.post("/api/expressions/check", json={"expression": "x^4 - 2x^2 + y^2",
                                                       "domain": {"x": [-10, 10], "y": [-10, 10]}})
    assert small.status_code == wide.status_code == 200
    (sx, sy), (wx, wy) = small.json()["start"], wide.json()["start"]
    assert 0 <= sx <= 1 and 0 <= sy <= 1 and (sx, sy) != (wx, wy)
    assert (sx, sy) != (0.5, 0.5)  # never the box centre's stationary point
    assert small.json()["cost"] > 1
    bad = client.post("/api/expressions/check", json={"expression": "x", "domain": {"x": [1, 1], "y": [0, 1]}})
    assert bad.status_code == 422
