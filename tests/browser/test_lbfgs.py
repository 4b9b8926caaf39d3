"""L-BFGS's line search on the 2-D contour: the points evaluated in the step the head is at, and the legend's count."""

from __future__ import annotations

import json
import time
import urllib.request

URL = "?v=1&surface=rosenbrock&start=-1.5_2&steps=20&runs=lbfgs:line_search_fn=strong_wolfe|adam:lr=0.05"

# The top graph's traces, read from Plotly's own data; the evaluation trace of run i has uid "evals-i".
TRACES = "document.querySelector('#plot .plot-top').data"


def eval_trace(p, run: int):
    return p.js(f"""(() => {{
        const tr = {TRACES}.find((d) => d.uid === 'evals-{run}');
        return tr ? {{x: Array.from(tr.x), y: Array.from(tr.y), customdata: Array.from(tr.customdata),
                      visible: tr.visible, mode: tr.mode, color: tr.marker.color, symbol: tr.marker.symbol,
                      dash: tr.line.dash}} : null;
    }})()""")


def shown_points(p, run: int):
    trace = eval_trace(p, run)
    return [[x, y] for x, y in zip(trace["x"], trace["y"], strict=True)]


def wait_for_points(p, run: int, expected: list, what: str) -> None:
    """Plotly.animate applies its data a moment after the call: poll until the trace holds `expected`."""
    deadline = time.monotonic() + 5
    while shown_points(p, run) != expected:
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: trace holds {shown_points(p, run)}, expected {expected}")
        time.sleep(0.05)


def go_to_step(p, k: int) -> None:
    p.js("window.__playground.player.pause(); window.__playground.player.seek(0); document.activeElement.blur()")
    for _ in range(k):
        p.page.keyboard.press("ArrowRight")
    assert p.js("window.__playground.player.step") == k


def test_evaluation_markers_follow_the_step_the_head_is_at(open_page):
    p = open_page(URL)
    evals = p.js("window.__playground.result.runs[0].evals")
    xy = p.js("window.__playground.result.runs[0].xy")
    assert evals[0] == [] and len(evals) == len(xy) == 21
    assert len(evals[1]) > 3  # the first step searches along its direction: several evaluations

    go_to_step(p, 0)
    wait_for_points(p, 0, [], "step 0 evaluated nothing")
    for k in (1, 2, 3):
        p.page.keyboard.press("ArrowRight")
        assert p.js("window.__playground.player.step") == k
        wait_for_points(p, 0, evals[k], f"step {k}")
        trace = eval_trace(p, 0)
        # The dotted line starts where the step started: its first evaluation is at xy[k-1].
        assert evals[k][0] == xy[k - 1]
        assert trace["customdata"] == [[j + 1, k] for j in range(len(evals[k]))]
        assert trace["visible"] is True and trace["mode"] == "lines+markers" and trace["dash"] == "dot"
        assert trace["symbol"] == "circle-open"
        assert trace["color"] == p.js("window.__playground.views.plot.paths[0].color")

    # Plotly drew them: the trace's group holds one marker per evaluation.
    markers = p.js(f"""(() => {{
        const i = {TRACES}.findIndex((d) => d.uid === 'evals-0');
        const group = document.querySelectorAll('#plot .plot-top .scatterlayer .trace')[i];
        return group.querySelectorAll('path.point').length;
    }})()""")
    assert markers == len(evals[3])

    # Stepping back shows the earlier step's evaluations again.
    p.page.keyboard.press("ArrowLeft")
    wait_for_points(p, 0, evals[2], "back at step 2")

    # At the end the last step's evaluations stay on show.
    p.to_end()
    wait_for_points(p, 0, evals[-1], "the last step")
    assert eval_trace(p, 0)["customdata"][0] == [1, 20]
    assert p.page.evaluate("window.__playground.views.plot.evaluations().length") == 1
    assert p.console_errors == [] and p.page_errors == []


def test_runs_other_than_lbfgs_have_no_evaluation_markers(open_page):
    p = open_page(URL)
    go_to_step(p, 1)
    assert p.js("window.__playground.result.runs[1].evals") is None
    assert eval_trace(p, 1) is None
    uids = p.js(f"{TRACES}.map((d) => d.uid).filter((u) => String(u).startsWith('evals-'))")
    assert uids == ["evals-0"]
    # SGD-only pages add no evaluation trace: minima, start, one path, divergence marks, heads.
    q = open_page("?v=1&surface=rosenbrock&steps=20&runs=sgd:lr=0.001")
    assert q.js(f"{TRACES}.length") == 5


def test_hover_names_the_evaluation_and_its_step(open_page):
    p = open_page(URL)
    go_to_step(p, 1)
    evals = p.js("window.__playground.result.runs[0].evals[1]")
    wait_for_points(p, 0, evals, "step 1")
    # Hover the second evaluation (the line search's first probe, away from the path): where it is on screen.
    x, y = p.js("""(pt) => {
        const top = document.querySelector('#plot .plot-top');
        const xa = top._fullLayout.xaxis, ya = top._fullLayout.yaxis, box = top.getBoundingClientRect();
        return [box.left + xa._offset + xa.c2p(pt[0]), box.top + ya._offset + ya.c2p(pt[1])];
    }""", evals[1])
    p.page.mouse.move(x, y)
    p.wait("document.querySelector('#plot .plot-top .hoverlayer .hovertext')", what="the hover label")
    text = p.js("document.querySelector('#plot .plot-top .hoverlayer .hovertext').textContent")
    assert "L-BFGS" in text
    assert "evaluation 2 of step 1" in text
    assert f"x {evals[1][0]:#.5g}" in text and f"y {evals[1][1]:#.5g}" in text  # d3 keeps trailing zeros
    p.shot("lbfgs-evaluations-hover")


def moving_steps(run) -> int:
    """The last step at which the run moved: after it, L-BFGS has converged and each step only evaluates."""
    xy = run["xy"]
    last = len(xy) - 1
    while last > 0 and xy[last] == xy[last - 1]:
        last -= 1
    return last


def test_legend_counts_evaluations_and_steps_until_the_run_stands_still(open_page):
    # Issue 10, item 11: the count stops where L-BFGS has converged (it no longer counts one evaluation a step).
    p = open_page(URL)
    run = p.js("window.__playground.result.runs[0]")
    m = moving_steps(run)
    assert 1 < m < 20
    n = sum(len(e) for e in run["evals"][: m + 1] if e)
    notes = p.js("Array.from(document.querySelectorAll('#legend .legend-item'))"
                 ".map((li) => li.querySelector('.legend-evals')?.textContent ?? null)")
    assert notes == [f"{n} evaluations in {m} steps; still from step {m} on", None]
    p.shot("lbfgs-evaluations")


def test_chinese_page_says_it_in_chinese(open_page):
    p = open_page(URL + "&lang=zh")
    run = p.js("window.__playground.result.runs[0]")
    m = moving_steps(run)
    n = sum(len(e) for e in run["evals"][: m + 1] if e)
    note = p.js("document.querySelector('#legend .legend-evals').textContent")
    assert note == f"{m} 步共求值 {n} 次；第 {m} 步起不再移动"
    template = p.js(f"{TRACES}.find((d) => d.uid === 'evals-0').hovertemplate")
    assert "第 %{customdata[1]} 步的第 %{customdata[0]} 次求值" in template


def test_hidden_lbfgs_run_hides_its_evaluations(open_page):
    p = open_page(URL)
    p.page.click("#legend .legend-item:first-child .legend-toggle")
    p.settle()
    assert p.state()["runs"][0]["hidden"] is True
    assert eval_trace(p, 0)["visible"] is False


def test_streamed_evaluations_match_the_json_answer(open_page, server):
    # Over 1,000 steps the page streams; the evaluations must arrive whole, as the JSON answer has them.
    p = open_page("?v=1&surface=rosenbrock&start=-1.5_2&steps=1200"
                  "&runs=lbfgs:max_iter=4,line_search_fn=strong_wolfe|adam:lr=0.05", settle=False)
    p.settle(timeout=60)
    assert any(r.endswith("/api/trajectories/stream") for r in p.requests)
    body = json.dumps({"surface": "rosenbrock", "start": [-1.5, 2], "steps": 1200, "noise": {"std": 0, "seed": 0},
                       "runs": [{"optimizer": "lbfgs", "params": {"max_iter": 4, "line_search_fn": "strong_wolfe"}},
                                {"optimizer": "adam", "params": {"lr": 0.05}}]}).encode()
    req = urllib.request.Request(f"{server}/api/trajectories", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        expected = json.load(r)
    assert p.js("window.__playground.result.runs.map((r) => r.evals)") == [run["evals"] for run in expected["runs"]]
    go_to_step(p, 2)
    wait_for_points(p, 0, expected["runs"][0]["evals"][2], "step 2 of the streamed run")
    m = moving_steps(expected["runs"][0])
    n = sum(len(e) for e in expected["runs"][0]["evals"][: m + 1] if e)
    note = f"{n} evaluations in {m} steps" + (f"; still from step {m} on" if m < 1200 else "")
    assert p.js("document.querySelector('#legend .legend-evals').textContent") == note
