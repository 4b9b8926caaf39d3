"""The inspector: scrub to a step, and the panel's numbers are the API's; the box is real MathML; arrows on the
plot; the results list words the status at the current step and the outcome; en and zh; screenshots."""

from __future__ import annotations

import json
import math
import urllib.request

import pytest

ADAM = "?surface=rosenbrock&start=-1.5_2&steps=80&runs=adam:lr=0.05|adagrad:lr=0.5|sgd:lr=0.001,momentum=0.9"


def api_runs(server: str, body: dict) -> list:
    req = urllib.request.Request(f"{server}/api/trajectories", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())["runs"]


def same_number(shown: str, want) -> bool:
    """A data-value the page wrote (JS's shortest round-trip text) against the API's number."""
    if want is None:
        return shown == "null"
    return shown != "null" and float(shown) == want and math.copysign(1, float(shown)) == math.copysign(1, want)


def scrub(p, k: int) -> None:
    """Pauses, then drags the page's scrub bar to step k, as a user would. (Pausing through the player: a click on
    Play races the animation's end, where Play starts over.)"""
    p.js("window.__playground.player.pause()")
    p.js(f"(() => {{ const s = document.getElementById('scrub'); s.value = '{k}'; "
         "s.dispatchEvent(new Event('input', {bubbles: true})); })()")
    assert p.js("window.__playground.player.step") == k
    p.wait(f"document.querySelector('#inspector').dataset.row === '{k + 1}'", what=f"the inspector on step {k + 1}")


def open_inspector(open_page, query: str, **kw):
    p = open_page(query + "&inspect=1&irun=0", **kw)
    p.wait("document.querySelectorAll('#inspector .insp-val').length > 0", what="the algorithm box with values")
    return p


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_scrubbed_step_shows_the_apis_numbers(open_page, server, locale):
    p = open_inspector(open_page, ADAM, locale=locale)
    assert p.js("window.__playground.result.runs[0].inspect !== undefined")
    body = p.js("window.__playground.state") and p.js(
        "(() => { const s = window.__playground.state; return {surface: s.surface, start: s.start, steps: s.steps,"
        " runs: s.runs.map(r => ({optimizer: r.optimizer, params: r.params})), inspect: true}; })()")
    want = api_runs(server, body)[0]
    scrub(p, 36)  # the panel shows step 37: the one taken from the head at point 36
    values = p.js("""[...document.querySelectorAll('#inspector .insp-val')].map(v => ({
        source: v.dataset.source, key: v.dataset.key, index: v.dataset.index ?? null, row: v.dataset.row ?? null,
        nums: [...v.querySelectorAll('.insp-num')].map(n => n.dataset.value)}))""")
    seen = set()
    assert {v["key"] for v in values if v["row"] == "0"} >= {"params", "exp_avg", "exp_avg_sq"}  # θ₀, m₀, v₀
    for v in values:
        r = 0 if v["row"] == "0" else 37
        if v["source"] == "state":
            expected = want["inspect"]["state"][v["key"]][r]
        elif v["source"] == "derived":
            expected = want["inspect"]["derived"][v["key"]][r]
        elif v["source"] == "trace":
            expected = want["xy"][r] if v["key"] == "params" else want["inspect"][v["key"]][r]
        else:
            continue
        expected = expected if isinstance(expected, list) else [expected]
        assert len(v["nums"]) == len(expected), v
        assert all(same_number(s, e) for s, e in zip(v["nums"], expected, strict=True)), (v, expected)
        seen.add(v["key"])
    assert {"exp_avg", "exp_avg_sq", "step", "grad", "update", "bias_corrected_exp_avg", "denom"} <= seen
    r = 37
    table = p.js("""Object.fromEntries([...document.querySelectorAll('#inspector tbody tr')].map(tr =>
        [tr.dataset.key, [...tr.querySelectorAll('.insp-num')].map(n => n.dataset.value)]))""")
    g, d = want["inspect"]["grad"][r], want["inspect"]["update"][r]
    assert all(same_number(s, e) for s, e in zip(table["grad"], g, strict=True))
    assert all(same_number(s, e) for s, e in zip(table["update"], d, strict=True))
    assert all(same_number(s, e) for s, e in zip(table["ratio"], [d[0] / g[0], d[1] / g[1]], strict=True))
    assert same_number(table["lr"][0], want["inspect"]["lr"][r])
    # real MathML, from the server, in the page's namespace
    assert p.js("document.querySelector('#inspector .insp-math math').namespaceURI") == \
        "http://www.w3.org/1998/Math/MathML"
    assert p.js("document.querySelectorAll('#inspector .insp-line').length") > 10
    words = p.js("document.querySelector('#inspector').textContent")
    assert ("检视器" in words) == (locale == "zh-CN")
    # three arrows at the head: -grad, -m and the step, from the head at point 36
    arrows = p.js("(() => { const d = document.querySelector('#plot .plot-top').data;"
                  " return d.slice(-3).map(t => [Array.from(t.x), Array.from(t.y)]); })()")
    assert all(a[0][0] == want["xy"][36][0] and a[1][0] == want["xy"][36][1] for a in arrows)
    assert p.console_errors == [] and p.page_errors == []


def test_select_another_run_and_close(open_page):
    p = open_inspector(open_page, ADAM)
    p.page.select_option("#inspect-run", "1")
    p.wait("window.__playground.state.irun === 1", what="irun in the state")
    assert "irun=1" in p.page.url and "inspect=1" in p.page.url
    p.wait("[...document.querySelectorAll('#inspector .insp-val')].some(v => v.dataset.key === 'sum')",
           what="Adagrad's box")
    # the effective step chart: Adagrad's |Δθ/g| falls, step after step
    ys = p.js("document.querySelector('#inspector .insp-chart').data[0].y")
    assert ys[-1] < ys[5] < ys[0]
    p.page.click("#inspector .insp-close")
    p.wait("document.querySelector('#inspector').hidden", what="the inspector to close")
    assert "inspect=1" not in p.page.url
    p.settle()
    assert p.js("window.__playground.result.runs[0].inspect") is None  # closed: the plain request again
    # the results list opens it on a run
    p.page.click("#legend .legend-item:nth-child(3) .legend-inspect")
    p.wait("window.__playground.state.inspect && window.__playground.state.irun === 2", what="inspect run 3")
    assert p.console_errors == [] and p.page_errors == []


def test_results_list_words_status_now_and_the_divergence(open_page):
    p = open_page("?surface=ill_conditioned&start=1_0.5&steps=50&runs=sgd:lr=0.03|sgd:lr=0.015")
    p.js("window.__playground.player.pause(); window.__playground.player.seek(10)")
    p.wait("document.querySelector('#legend .legend-now') && !document.querySelector('#legend .legend-now').hidden")
    now = p.js("document.querySelector('#legend .legend-now').textContent")
    assert "step 10" in now and "moving" in now
    p.to_end()
    outcome = p.js("document.querySelector('#legend .legend-outcome').textContent")
    assert outcome.startswith("diverged at step 23: lr 0.03 is above 2/λ_max ≈ 0.02 at the start")


def test_stream_carries_the_inspection_too(open_page, server):
    p = open_inspector(open_page, "?surface=beale&start=1_1.5&steps=1200&runs=rmsprop:lr=0.01")
    p.settle()
    run = p.js("window.__playground.result.runs[0]")
    want = api_runs(server, {"surface": "beale", "start": [1, 1.5], "steps": 1200, "inspect": True,
                             "runs": [{"optimizer": "rmsprop", "params": run["params"]}]})[0]
    assert run["inspect"] == want["inspect"]
    assert run["status_steps"] == want["status_steps"]


@pytest.mark.parametrize("size", [(1366, 768), (390, 844)])
@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_inspector_screenshots(open_page, size, locale):
    w, h = size
    p = open_inspector(open_page, ADAM, width=w, height=h, locale=locale)
    scrub(p, 20)
    lang = locale[:2]
    p.shot(f"inspector-{w}x{h}-{lang}")
    if w < 700:
        p.js("document.querySelector('#inspector').scrollIntoView()")
        p.shot(f"inspector-{w}x{h}-{lang}-panel")
    assert p.console_errors == [] and p.page_errors == []
