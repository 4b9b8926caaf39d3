"""GET /healthz, /api/optimizers, /api/surfaces and the contour grids."""

from __future__ import annotations

import math

import numpy as np
import pytest

from app.serialize import optimizer_info
from optim_core import OPTIMIZERS, SURFACES
from optim_core.expression import parse_expression


def test_read_health_says_ok(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}


def test_read_optimizers_lists_every_spec_in_order(client):
    r = client.get("/api/optimizers")
    assert r.status_code == 200
    assert r.json() == [optimizer_info(spec) for spec in OPTIMIZERS.values()]
    assert "max-age" in r.headers["cache-control"]


def test_read_optimizers_params_carry_kind_range_and_help(client):
    adam = next(o for o in client.get("/api/optimizers").json() if o["name"] == "adam")
    betas = next(p for p in adam["params"] if p["name"] == "betas")
    assert betas["kind"] == "pair"
    assert betas["default"] == [0.9, 0.999]
    assert (betas["min"], betas["max"]) == (0.0, 1.0)
    assert betas["help"]["en"] and betas["help"]["zh"]
    lr = next(p for p in adam["params"] if p["name"] == "lr")
    assert lr["log"] is True


def test_read_surfaces_lists_domain_minima_start(client):
    r = client.get("/api/surfaces")
    assert r.status_code == 200
    body = r.json()
    assert [s["name"] for s in body] == list(SURFACES)
    beale = next(s for s in body if s["name"] == "beale")
    assert beale["domain"] == {"x": [-4.5, 4.5], "y": [-4.5, 4.5]}
    assert beale["minima"] == [[3.0, 0.5]]
    assert beale["start"] == [1.0, 1.5]
    assert beale["log_scale"] is True
    assert "max-age" in r.headers["cache-control"]


@pytest.mark.parametrize("name", ["beale", "rosenbrock", "ackley", "saddle"])
def test_read_grid_equals_surface_grid(client, name):
    r = client.get(f"/api/surfaces/{name}/grid", params={"n": 37})
    assert r.status_code == 200
    x, y, z = SURFACES[name].grid(37)
    body = r.json()
    assert body["x"] == x.tolist()
    assert body["y"] == y.tolist()
    assert body["z"] == z.tolist()  # z[j][i] = f(x[i], y[j]), exactly
    assert "max-age" in r.headers["cache-control"]


def test_read_grid_defaults_to_150_points(client):
    body = client.get("/api/surfaces/booth/grid").json()
    assert len(body["x"]) == len(body["y"]) == len(body["z"]) == 150


@pytest.mark.parametrize("n", [1, 401, -3, "ten", 2.5])
def test_read_grid_rejects_n_out_of_range(client, n):
    r = client.get("/api/surfaces/beale/grid", params={"n": n})
    assert r.status_code == 422
    assert r.json()["detail"][0]["msg"] == "n must be an integer in [2, 400]"


def test_read_grid_answers_404_for_unknown_surface(client):
    r = client.get("/api/surfaces/nope/grid")
    assert r.status_code == 404
    assert "Unknown surface 'nope'" in r.json()["detail"]


def test_read_grid_is_gzipped_when_large(client):
    r = client.get("/api/surfaces/beale/grid", params={"n": 200}, headers={"accept-encoding": "gzip"})
    assert r.status_code == 200
    assert r.headers["content-encoding"] == "gzip"
    assert int(r.headers["content-length"]) < len(r.content) / 1.5  # the client decoded it
    assert len(r.json()["z"]) == 200


def test_read_custom_grid_gives_null_where_not_finite(client):
    r = client.get("/api/surfaces/custom/grid", params={"expression": "log(x) + y", "n": 5})
    assert r.status_code == 200
    body = r.json()
    assert body["x"] == [-3.0, -1.5, 0.0, 1.5, 3.0]
    for row, yj in zip(body["z"], body["y"], strict=True):
        assert row[0] is None and row[1] is None and row[2] is None  # log of x <= 0
        assert row[4] == pytest.approx(math.log(3.0) + yj)


def test_read_custom_grid_takes_the_given_ranges(client):
    r = client.get("/api/surfaces/custom/grid",
                   params={"expression": "x^2 - y", "n": 3, "xmin": 0, "xmax": 2, "ymin": -1, "ymax": 1})
    assert r.status_code == 200
    surface = parse_expression("x^2 - y", domain=((0.0, 2.0), (-1.0, 1.0)))
    x, y, z = surface.grid(3)
    assert r.json() == {"x": x.tolist(), "y": y.tolist(), "z": z.tolist()}


def test_read_custom_grid_fills_missing_bounds_from_default_domain(client):
    body = client.get("/api/surfaces/custom/grid", params={"expression": "x", "n": 2, "xmin": -1}).json()
    assert body["x"] == [-1.0, 3.0]
    assert body["y"] == [-3.0, 3.0]


def test_read_custom_grid_rejects_bad_expression_with_position(client):
    r = client.get("/api/surfaces/custom/grid", params={"expression": "x + foo(y)"})
    assert r.status_code == 422
    err = r.json()["detail"][0]
    assert err["loc"] == ["query", "expression"]
    assert err["position"] == 4
    assert err["msg"].startswith("expression: ") and "foo" in err["msg"]


@pytest.mark.parametrize(("params", "loc", "fragment"), [
    ({"xmin": 2, "xmax": 1}, "xmax", "xmax must be greater than xmin (2)"),
    ({"ymin": 5}, "ymax", "ymax must be greater than ymin (5)"),
    ({"xmin": "nan"}, "xmin", "xmin must be a finite number in [-1000000, 1000000]"),
    ({"xmax": "inf"}, "xmax", "xmax must be a finite number"),
    ({"ymax": 1e7}, "ymax", "ymax must be a finite number in [-1000000, 1000000]"),
])
def test_read_custom_grid_rejects_bad_ranges(client, params, loc, fragment):
    r = client.get("/api/surfaces/custom/grid", params={"expression": "x*y", **params})
    assert r.status_code == 422
    err = r.json()["detail"][0]
    assert err["loc"] == ["query", loc]
    assert fragment in err["msg"]


def test_read_custom_grid_requires_expression(client):
    r = client.get("/api/surfaces/custom/grid")
    assert r.status_code == 422
    assert r.json()["detail"][0]["msg"] == "expression is required"


def test_grid_values_survive_json_exactly(client):
    body = client.get("/api/surfaces/rastrigin/grid", params={"n": 11}).json()
    z = np.array(body["z"])
    assert np.array_equal(z, SURFACES["rastrigin"].grid(11)[2])
