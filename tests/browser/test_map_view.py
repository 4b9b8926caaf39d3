"""The Map view and "Tune every optimizer": maps drawn from the server's frames, clicks that set the start or the
hyperparameters, a slider that moves the marker without a new map, the tuned race reproducible from its link,
en and zh, desktop and phone, no console errors."""

from __future__ import annotations

import math
import time

import pytest

BASIN = "?surface=himmelblau&runs=sgd:lr=0.01&steps=150&view=map&mres=32"
HYPER = "?surface=rosenbrock&runs=adam:lr=0.01&steps=120&view=map&map=hyper&mres=32"
TUNE = "?surface=beale&start=1_1.5&steps=150&runs=sgd|adam"


def _map_done(p, timeout: float = 40.0) -> None:
    p.wait("window.__playground.debug.mapDraws > 0 && /32 × 32/.test(document.getElementById('map-status')"
           ".textContent)", timeout, "the map's last frame")


def _frame_values(p):
    return p.js("""(() => { const d = document.getElementById('map-plot').data[0];
        return {x: d.x, y: d.y}; })()""")


def _click_plot_centre(p) -> None:
    box = p.page.locator("#map-plot .nsewdrag").first.bounding_box()
    p.page.mouse.click(box["x"] + box["width"] * 0.37, box["y"] + box["height"] * 0.61)


def _no_errors(p) -> None:
    assert p.console_errors == [] and p.page_errors == [], (p.console_errors, p.page_errors)


def test_basin_map_legend_minima_and_click_races_from_the_cell(open_page):
    p = open_page(BASIN)
    _map_done(p)
    legend = p.js("[...document.querySelectorAll('#map-legend li')].map(li => li.textContent)")
    assert sum(t.startswith("Minimum") for t in legend) == 4  # Himmelblau's four minima, each a colour
    stars = p.js("document.getElementById('map-plot').data[1].x.length")
    assert stars == 4
    assert "view=map" in p.page.url and "mres=32" in p.page.url  # the link carries the map
    xs = _frame_values(p)["x"]
    ys = p.js("window.__playground.debug && document.getElementById('map-plot').data[0].y")
    _click_plot_centre(p)
    p.wait("window.__playground.state.view === '2d'", 10, "the click to switch to the race")
    start = p.state()["start"]
    assert start[0] in xs and start[1] in ys  # exactly a cell's start, as the server sent it
    p.settle()
    assert p.paths()[0][0] == start
    _no_errors(p)


def test_hyperparameter_map_click_sets_values_and_slider_moves_marker(open_page):
    p = open_page(HYPER)
    _map_done(p)
    layout = p.js("(() => { const l = document.getElementById('map-plot').layout; "
                  "return {x: l.xaxis.title.text, y: l.yaxis.title.text}; })()")
    assert layout == {"x": "lr (log)", "y": "beta1"}  # lr is logarithmic in /api/optimizers
    requests_before = sum("/api/maps/stream" in u for u in p.requests)
    _click_plot_centre(p)
    p.wait("window.__playground.state.runs[0].params.lr !== 0.01", 10, "the click to set lr")
    run = p.state()["runs"][0]["params"]
    frame = p.js("(() => { const d = document.getElementById('map-plot').data[0]; return {x: d.x, y: d.y}; })()")
    assert any(math.isclose(math.log10(run["lr"]), v, rel_tol=0, abs_tol=1e-12) for v in frame["x"])
    assert run["betas"][1] == 0.999 and any(math.isclose(run["betas"][0], v) for v in frame["y"])
    assert p.state()["view"] == "map"
    # Dragging the lr slider (here by its keys) moves the marker; the map is not asked for again.
    marker = p.js("document.getElementById('map-plot').data[2].x[0]")
    p.page.focus("#run0-lr-slider")
    for _ in range(10):
        p.page.keyboard.press("ArrowLeft")
    p.settle()
    lr = p.state()["runs"][0]["params"]["lr"]
    assert lr < run["lr"]
    p.wait(f"Math.abs(document.getElementById('map-plot').data[2].x[0] - Math.log10({lr})) < 1e-12", 10,
           "the marker to move")
    assert p.js("document.getElementById('map-plot').data[2].x[0]") < marker
    time.sleep(0.3)
    assert sum("/api/maps/stream" in u for u in p.requests) == requests_before
    # Colour by steps to converge: the link says so, and the same frame is drawn again with its new colour bar.
    p.page.select_option("#map-color", "steps")
    p.wait("/mcolor=steps/.test(location.search)", 10, "the link to carry the colour")
    p.wait("/steps/.test(document.getElementById('map-plot').data[0].colorbar.title.text)", 10, "the colour bar")
    _no_errors(p)


def test_tune_every_optimizer_races_the_tuned_runs_and_its_link_reproduces_it(open_page):
    p = open_page(TUNE)
    p.page.click("#tune-all")
    p.wait("document.getElementById('tune-rule').textContent.length > 0", 60, "the tuning rule")
    p.wait("window.__playground.state.runs[1].params.lr !== 0.001", 10, "the tuned lr")
    p.settle()
    rule = p.js("document.getElementById('tune-rule').textContent")
    assert rule.startswith("Each optimizer ran 31 times from (1, 1.5) for 150 steps")
    curves = p.js("document.getElementById('tune-chart').data.filter(d => d.mode === 'lines+markers').length")
    assert curves == 2
    state, paths, url = p.state(), p.paths(), p.page.url
    assert "tune=final_loss" in url
    q = open_page(url[url.index("?"):])
    q.wait("document.getElementById('tune-rule').textContent.length > 0", 60, "the tuning rule again")
    assert q.js("document.getElementById('tune-rule').textContent") == rule
    assert q.state()["runs"] == state["runs"] and q.paths() == paths
    _no_errors(p)
    _no_errors(q)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("size", [(1366, 768), (390, 844)], ids=["desktop", "phone"])
def test_map_views_render_in_each_language_and_size(open_page, lang, size):
    w, h = size
    p = open_page(BASIN + f"&lang={lang}", width=w, height=h, locale="zh-CN" if lang == "zh" else "en-US")
    _map_done(p)
    kind = p.js("document.querySelector('#map-kind option:checked').textContent")
    assert kind == ("吸引盆" if lang == "zh" else "Basins of attraction")
    box = p.page.locator("#map-plot").bounding_box()
    assert box["width"] <= w and box["width"] > 0.6 * min(w, 700)
    p.page.locator("#map-wrap").scroll_into_view_if_needed()
    p.shot(f"map-basin-{lang}-{w}x{h}")
    q = open_page(HYPER + f"&lang={lang}&tune=final_loss", width=w, height=h,
                  locale="zh-CN" if lang == "zh" else "en-US")
    _map_done(q)
    q.wait("document.getElementById('tune-rule').textContent.length > 0", 60, "the tuning rule")
    rule = q.js("document.getElementById('tune-rule').textContent")
    assert ("每个优化器" in rule) == (lang == "zh")
    q.shot(f"map-hyper-{lang}-{w}x{h}")
    q.page.locator("#tune-panel").scroll_into_view_if_needed()
    q.shot(f"map-tune-{lang}-{w}x{h}")
    _no_errors(p)
    _no_errors(q)
