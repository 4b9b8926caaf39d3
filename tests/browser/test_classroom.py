"""Issue 10's defects, one test each: what a student or teacher met within minutes, kept fixed."""

from __future__ import annotations

import json
import time
from urllib.parse import quote

PLOT_TOP = "document.querySelector('#plot .plot-top')"


def _svg_bottom_gap(p) -> float:
    """How far the 2-D graph's drawing ends from its container's bottom edge (0 when it fills it)."""
    return p.js(f"""(() => {{
        const box = document.getElementById('plot').getBoundingClientRect();
        const svg = {PLOT_TOP}.querySelector('svg.main-svg').getBoundingClientRect();
        return Math.abs(box.bottom - svg.bottom);
    }})()""")


def test_1_plot_follows_its_container_when_a_notice_goes(open_page):
    p = open_page("?preset=contour&seed=oops&noise=-3&speed=0", width=1366, height=768)
    assert p.js("document.getElementById('notices').hidden") is False
    assert _svg_bottom_gap(p) < 2
    p.page.click("#notice-dismiss")  # the plot's box grows: the graph must grow with it, with no window resize
    p.wait(f"(() => {{ const b = document.getElementById('plot').getBoundingClientRect();"
           f" const s = {PLOT_TOP}.querySelector('svg.main-svg').getBoundingClientRect();"
           f" return Math.abs(b.bottom - s.bottom) < 2; }})()", 5, "the graph to fill its grown container")
    player = p.js("document.querySelector('.player').getBoundingClientRect().top")
    plot = p.js("document.getElementById('plot').getBoundingClientRect().bottom")
    assert plot <= player


def test_2_modebar_reaches_no_third_party_and_speaks_chinese(open_page):
    p = open_page("?preset=contour&lang=zh")
    p.page.hover("#plot .plot-top")
    titles = p.js("Array.from(document.querySelectorAll('#plot .modebar-btn')).map((b) => b.dataset.title)")
    assert titles, "the modebar has buttons"
    assert not any("Chart Studio" in s or "Share" in s or "Cloud" in s for s in titles)
    assert "放大" in titles and "重置坐标轴" in titles
    assert not [s for s in titles if s.isascii()]


def test_4_work_budget_is_checked_before_asking_in_plain_words(open_page):
    p = open_page("?preset=rosenbrock")
    posts = []
    p.page.on("request", lambda r: "/api/trajectories" in r.url and posts.append(r.url))
    p.page.fill("#steps", "5000")
    p.page.press("#steps", "Enter")
    p.wait("document.getElementById('status').classList.contains('error')", what="the budget warning")
    status = p.js("document.getElementById('status').textContent")
    assert "13 runs × 5000 steps" in status and "at most" in status
    time.sleep(0.5)
    assert posts == []  # the page did not send what the server would refuse
    assert p.js("document.body.classList.contains('stale')")  # the old paths look out of date
    p.page.click("#budget-fix")
    p.settle()
    assert p.js("window.__playground.state.steps") < 5000
    assert not p.js("document.body.classList.contains('stale')")


def test_5_switching_presets_after_the_animation_ends_raises_nothing(open_page):
    p = open_page("?preset=rosenbrock")
    p.js("window.__playground.player.speed = 1000; window.__playground.player.restart()")
    p.wait("!window.__playground.player.playing && window.__playground.player.step === window.__playground.player.last",
           what="the animation to end")
    for name in ("sparse", "contour", "saddle", "rosenbrock", "adam-vs-adamw"):
        p.page.select_option("#preset", name)
        p.settle()
        time.sleep(0.3)
    assert p.page_errors == [] and p.console_errors == []


def test_7_link_notices_say_what_changed_to_what_and_why(open_page):
    p = open_page("?v=1&surface=beale&runs=sgd:lr=-5|adam:eps=-1&steps=300")
    text = p.js("document.getElementById('notice-list').textContent")
    assert "“sgd.lr” = -5 is outside [0, " in text and "it is now 0" in text
    assert "defaults" not in p.js("document.getElementById('notices').textContent")
    p.page.fill("#run0-lr", "1e9")
    p.page.press("#run0-lr", "Enter")
    p.wait("document.getElementById('note').textContent.includes('1000000000')", what="the clamp note")
    assert "it is now" in p.js("document.getElementById('note').textContent")


def test_8_thirteen_runs_have_thirteen_colours_and_head_shapes(open_page):
    p = open_page("?preset=rosenbrock")
    styles = p.js("window.__playground.views.plot.paths.map((q) => [q.color, q.symbol])")
    assert len({c for c, _ in styles}) == 13 and len({s for _, s in styles}) == 13
    heads = p.js(f"(() => {{ const d = {PLOT_TOP}.data; return d[d.length - 1].marker; }})()")
    assert len(set(heads["symbol"])) == len(heads["symbol"]) == 13


def _units_per_pixel(p):
    return p.js(f"""(() => {{ const f = {PLOT_TOP}._fullLayout;
        return [(f.xaxis.range[1] - f.xaxis.range[0]) / f.xaxis._length,
                (f.yaxis.range[1] - f.yaxis.range[0]) / f.yaxis._length]; }})()""")


def test_9_axes_are_equally_scaled_by_default_with_a_toggle(open_page):
    p = open_page("?preset=contour", width=1024, height=768)
    ux, uy = _units_per_pixel(p)
    assert abs(ux - uy) / ux < 0.01
    p.page.uncheck("#aspect")
    p.settle()
    assert "aspect=fill" in p.page.url
    p.wait(f"(() => {{ const f = {PLOT_TOP}._fullLayout; return f.xaxis._length > 1.2 * f.yaxis._length; }})()",
           5, "the axes to fill the box")
    ux, uy = _units_per_pixel(p)
    assert abs(ux - uy) / ux > 0.05


def test_10_3d_paths_are_thick_with_drop_lines(open_page):
    p = open_page("?preset=contour&view=3d")
    p.to_end()
    data = p.js("document.querySelector('#plot .plot-3d').data.map((d) => ({type: d.type, mode: d.mode, "
                "width: d.line && d.line.width, n: (d.x || []).length}))")
    paths = [d for d in data if d["type"] == "scatter3d" and d["mode"] == "lines" and d["width"] and d["width"] >= 8]
    assert len(paths) == 6
    drops = data[-1]
    assert drops["mode"] == "lines" and drops["n"] == 3 * 6  # one vertical segment per head


def test_11_small_items(open_page):
    p = open_page("?preset=contour&lang=zh")
    # One-step buttons show one chevron, not the skip-to-end bar-and-triangle.
    assert p.js("document.querySelectorAll('#step-back rect, #step-forward rect').length") == 0
    # "复制" no longer means both Duplicate and Copy link.
    assert p.js("document.getElementById('run0-duplicate').textContent") != "复制"
    # The log loss axis labels decades only.
    assert p.js("document.getElementById('loss')._fullLayout.yaxis.dtick") == 1
    p2 = open_page("?preset=sparse")
    p2.wait("document.getElementById('expr-feedback').textContent.trim() !== 'Checking…'", what="the formula check")
    feedback = p2.js("document.getElementById('expr-feedback').textContent").strip()
    assert feedback not in ("Read as:", "")


def test_11_diverged_runs_are_marked_where_they_left(open_page):
    p = open_page("?v=1&surface=rosenbrock&start=-1.5_2&steps=60&runs=sgd:lr=0.05|adam:lr=0.01")
    assert p.js("window.__playground.result.runs[0].status") == "diverged"
    p.to_end()
    marks = p.js(f"{PLOT_TOP}.data.find((d) => d.marker && d.marker.symbol === 'x-thin-open')")
    assert marks is not None and len([x for x in marks["x"] if x is not None]) == 1


def test_11_no_key_hints_on_phones(browser, server):
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = ctx.new_page()
    page.goto(f"{server}/?preset=contour")
    page.wait_for_selector("#plot .plot-top svg", timeout=20000)
    assert page.evaluate("getComputedStyle(document.querySelector('.keys-hint')).display") == "none"
    ctx.close()


def test_12_plot_and_the_first_runs_slider_are_visible_together_on_projectors(open_page):
    for width, height in ((1280, 720), (1366, 768)):
        p = open_page("?preset=contour", width=width, height=height)
        inside = p.js("""(() => { const v = (el) => { const r = el.getBoundingClientRect();
            return r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth && r.height > 0; };
            return [v(document.getElementById('plot')), v(document.getElementById('run0-lr-slider'))]; })()""")
        assert inside == [True, True], (width, height)
        p.shot(f"projector-{width}x{height}")


def test_13_server_errors_are_worded_in_chinese(open_page):
    p = open_page("?preset=contour&lang=zh")

    def over_budget(route):
        route.fulfill(status=422, content_type="application/json", body=json.dumps({"detail": [
            {"loc": ["body"], "msg": "asks for 770,000 work units, more than the limit of 400,000.",
             "type": "work_budget", "code": "work_budget", "params": {"work": 770000, "limit": 400000}}]}))

    p.page.route("**/api/trajectories", over_budget)
    p.page.fill("#steps", "401")
    p.page.press("#steps", "Enter")
    p.wait("document.getElementById('status').classList.contains('error')", what="the refusal")
    status = p.js("document.getElementById('status').textContent")
    assert "770,000" in status and "服务器" in status and "work units" not in status
    p.page.unroute("**/api/trajectories")
    p.page.route("**/api/trajectories", lambda route: route.abort())
    p.page.fill("#steps", "402")
    p.page.press("#steps", "Enter")
    p.wait("document.getElementById('status').textContent.includes('网络请求失败')", what="the network failure")


def test_busy_server_is_said_and_retried_once(open_page):
    p = open_page("?preset=contour")
    calls = []

    def busy_once(route):
        calls.append(1)
        if len(calls) == 1:
            route.fulfill(status=503, headers={"Retry-After": "1"}, content_type="application/json",
                          body=json.dumps({"detail": "busy"}))
        else:
            route.continue_()

    p.page.route("**/api/trajectories", busy_once)
    p.page.fill("#steps", "123")
    p.page.press("#steps", "Enter")
    p.wait("document.getElementById('status').textContent.includes('retrying in 1 s')", 5, "the busy notice")
    p.settle()
    assert len(calls) == 2 and p.js("window.__playground.result.runs[0].xy.length") == 124


def test_labels_reach_plotly_as_data_not_as_templates(open_page):
    # In a link, "%" inside a label is escaped once for the runs syntax (%25) and once for the URL.
    p = open_page("?v=1&surface=beale&steps=50&runs=adam:label=" + quote("%{x} %{customdata[0]}".replace("%", "%25"),
                                                                        safe=""))
    trace = p.js(f"(() => {{ const d = {PLOT_TOP}.data[2]; return [d.name, d.hovertemplate]; }})()")
    assert trace[0] == "%{x} %{customdata[0]}"
    assert "%{x} %{customdata[0]}" not in trace[1] and "%{fullData.name}" in trace[1]


def test_12_on_a_phone_the_plot_stays_in_view_while_a_slider_is_reached(open_page):
    p = open_page("?preset=contour", width=390, height=844)
    p.js("document.getElementById('run0-lr-slider').scrollIntoView({block: 'end'})")
    both = p.js("""(() => { const v = (el) => { const r = el.getBoundingClientRect();
        return r.bottom > 0 && r.top < innerHeight && r.height > 0; };
        const plot = document.getElementById('plot').getBoundingClientRect();
        return [v(document.getElementById('run0-lr-slider')), plot.top >= 0 && plot.bottom <= innerHeight]; })()""")
    assert both == [True, True]
    assert p.js("document.documentElement.scrollWidth") <= 390
    p.shot("phone-slider-and-plot")
