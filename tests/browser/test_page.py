"""The page loads cleanly, every preset draws, both languages show, and the layout fits phones and projectors."""

from __future__ import annotations

import pytest

PLOT_SIZE = "(r => [r.width, r.height])(document.getElementById('plot').getBoundingClientRect())"
PRESETS = {  # name: (surface, view, number of runs)
    "contour": ("beale", "2d", 6),
    "saddle": ("saddle", "3d", 6),
    "adam-vs-adamw": ("himmelblau", "2d", 3),
    "adagrad-vs-adam": ("rosenbrock", "2d", 2),
    "rosenbrock": ("rosenbrock", "2d", 13),
    "sparse": ("custom", "2d", 2),
}


def test_page_loads_without_console_errors_or_requests_off_this_machine(open_page):
    p = open_page("")
    assert p.console_errors == []
    assert p.page_errors == []
    assert p.offsite == []
    assert all(r.startswith("http://127.0.0.1:") for r in p.requests)
    # A bare link is the classic contour race, and it starts playing on its own.
    assert p.state()["preset"] == "contour"
    p.wait("window.__playground.player.step > 5", what="the animation to advance")
    assert p.js("document.getElementById('plot-loading').hidden")
    assert p.js("performance.getEntriesByName('first-path').length") == 1
    p.shot("load-default")


@pytest.mark.parametrize("name", PRESETS)
def test_each_preset_draws_its_paths(open_page, name):
    surface, view, n_runs = PRESETS[name]
    p = open_page(f"?preset={name}")
    p.to_end()
    state = p.state()
    assert (state["surface"], state["view"], len(state["runs"])) == (surface, view, n_runs)
    plotted = p.plotted()
    assert len(plotted) == n_runs
    for run in plotted:
        assert len(run["x"]) >= 2 and len(run["x"]) == len(run["y"])
    # Whole paths are plotted at the last step (3-D cuts a path where it leaves the box).
    paths = p.paths()
    if view == "2d":
        assert [len(r["x"]) for r in plotted] == [len(xy) for xy in paths]
        assert [[r["x"][-1], r["y"][-1]] for r in plotted] == [xy[-1] for xy in paths]
    legend = p.js("[...document.querySelectorAll('#legend .legend-item')].map(li => li.textContent)")
    assert len(legend) == n_runs and all("final loss" in text for text in legend)
    assert p.console_errors == [] and p.page_errors == []
    p.shot(f"preset-{name}")


def test_saddle_preset_lets_sgd_stall_while_adaptive_methods_escape(open_page):
    p = open_page("?preset=saddle")
    runs = p.js("window.__playground.result.runs.map(r => [r.xy[r.xy.length - 1], r.loss.length])")
    sgd_end = runs[0][0]
    assert abs(sgd_end[1]) < 0.1  # still near the ridge after 80 steps
    for end, _ in runs[1:]:
        assert abs(end[1]) > 2  # Momentum, NAG, Adagrad, Adadelta, RMSprop have left the box


def test_chinese_ui_from_the_lang_parameter(open_page):
    p = open_page("?lang=zh")
    assert p.js("document.documentElement.lang") == "zh-CN"
    assert p.js("document.querySelector('h1').textContent") == "优化器游乐场"
    assert p.js("document.querySelector('label[for=surface]').textContent") == "曲面"
    assert p.js("document.querySelector('#surface option:checked').textContent") == "Beale 函数"
    # Optimizer help comes from the API's help.zh.
    assert "随机梯度下降" in p.js("document.querySelector('.run-help').textContent")
    assert "最终损失" in p.js("document.getElementById('legend').textContent")
    assert "第" in p.js("document.getElementById('position').textContent")
    p.shot("lang-zh")


def test_browser_language_picks_chinese_when_the_link_does_not_say(open_page):
    p = open_page("", locale="zh-CN")
    assert p.js("document.querySelector('h1').textContent") == "优化器游乐场"
    p2 = open_page("?lang=en", locale="zh-CN")
    assert p2.js("document.querySelector('h1').textContent") == "Optimizer Playground"


def test_phone_width_has_no_sideways_scroll_and_controls_below_the_plot(open_page):
    p = open_page("?preset=rosenbrock", width=390, height=844)
    assert p.js("document.documentElement.scrollWidth") <= 390
    assert p.js("document.body.scrollWidth") <= 390
    plot_bottom = p.js("document.getElementById('plot').getBoundingClientRect().bottom")
    controls_top = p.js("document.getElementById('controls').getBoundingClientRect().top")
    assert controls_top >= plot_bottom
    # Open every run's extra hyperparameters: the widest content must still fit.
    p.js("document.querySelectorAll('details.more').forEach(d => d.open = true)")
    assert p.js("document.documentElement.scrollWidth") <= 390
    p.shot("phone-390")
    p.shot("phone-390-full", full_page=True)


def test_projector_plot_fills_a_1920_screen(open_page):
    p = open_page("?preset=contour", width=1920, height=1080)
    box = p.js(PLOT_SIZE)
    assert box[0] >= 1100 and box[1] >= 800
    assert p.js("document.documentElement.scrollWidth") <= 1920
    p.shot("desktop-1920")


def test_present_mode_shows_the_figure_big_with_the_live_results_and_the_player(open_page):
    # Issue 10 made present mode a real one: the results (live) beside the figure, restart and scrub kept.
    p = open_page("?preset=contour&present=1", width=1920, height=1080)
    visible = p.js("""(() => {
        const shown = (sel) => { const e = document.querySelector(sel); return !!e && e.offsetParent !== null; };
        return {controls: shown('#controls'), topbar: shown('.topbar'), legend: shown('#legend'), play: shown('#play'),
                back: shown('#step-back'), forward: shown('#step-forward'), restart: shown('#restart'),
                scrub: shown('#scrub'), speed: shown('#speed'), loss: shown('#loss')};
    })()""")
    assert visible == {"controls": False, "topbar": False, "legend": True, "play": True, "back": True,
                       "forward": True, "restart": True, "scrub": True, "speed": False, "loss": False}
    height = p.js("document.getElementById('plot').getBoundingClientRect().height")
    assert height > 0.7 * 1080
    assert p.js("parseFloat(getComputedStyle(document.body).fontSize)") >= 20
    assert p.js("document.querySelectorAll('#legend .legend-item').length") == 6
    p.shot("present-1920")


def test_embed_mode_shows_only_the_figure(open_page):
    p = open_page("?preset=adam-vs-adamw&embed=1", width=800, height=500)
    shown = p.js("""['.topbar', '.controls', '.side', '.player'].map(
        (s) => document.querySelector(s).offsetParent !== null)""")
    assert shown == [False, False, False, False]
    box = p.js(PLOT_SIZE)
    assert box[0] >= 790 and box[1] >= 490
    href = p.js("document.getElementById('embed-open').getAttribute('href')")
    assert href.startswith("/?v=1&") and "embed" not in href
    assert p.js("document.documentElement.scrollWidth") <= 800
    p.shot("embed-800")


def test_every_control_is_labelled_and_reachable_by_keyboard(open_page):
    p = open_page("?preset=rosenbrock")
    p.js("document.querySelectorAll('details.more').forEach(d => d.open = true)")
    unlabelled = p.js("""[...document.querySelectorAll('input, select, button, textarea')]
        .filter((e) => e.offsetParent !== null)
        .filter((e) => !((e.labels && e.labels.length) || e.getAttribute('aria-label')
                         || (e.tagName === 'BUTTON' && e.textContent.trim())))
        .map((e) => e.id || e.outerHTML.slice(0, 80))""")
    assert unlabelled == []
    assert p.js("document.querySelectorAll('[tabindex]:not([tabindex=\"-1\"]):not([tabindex=\"0\"])').length") == 0
    assert p.js("[...document.querySelectorAll('input, select, button')].filter(e => e.tabIndex < 0).length") == 0
    # Tab reaches the controls, and the focused one shows a visible ring.
    p.js("document.activeElement.blur()")
    seen = set()
    for _ in range(12):
        p.page.keyboard.press("Tab")
        seen.add(p.js("document.activeElement.id"))
    assert {"preset", "lang", "reset", "copy-link"} <= seen
    assert p.js("getComputedStyle(document.activeElement).outlineStyle") != "none"
    # Dash patterns as well as colours: no two of the 13 runs share both.
    styles = p.js("window.__playground.views.plot.paths.map(q => q.color + q.dash)")
    assert len(set(styles)) == 13


def test_catalogs_have_the_same_keys_and_placeholders(open_page):
    p = open_page("")
    missing = p.js("""import('/static/js/i18n.js').then(({ CATALOGS: { en, zh } }) => {
        const holes = (s) => (s.match(/\\{\\w+\\}/g) || []).sort().join();
        const keys = new Set([...Object.keys(en), ...Object.keys(zh)]);
        return [...keys].filter((k) => !(k in en) || !(k in zh) || holes(en[k]) !== holes(zh[k]));
    })""")
    assert missing == []
