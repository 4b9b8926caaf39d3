"""Model mode trains live (POST /api/train/stream) with the surfaces page's run cards: curves grow before the
stream's `done`, a run card has every hyperparameter and a scheduler editor, line's runs are drawn on MainPlot's
contour and 3-D views, the shared slice's centre can be chosen, and presets can be switched mid-stream."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest


def _settled(p, timeout=90.0):
    p.wait("window.__model && window.__model.settled()", timeout, "model mode to train and draw")


def _clean(p):
    assert p.console_errors == [] and p.page_errors == []


def test_loss_curves_grow_before_the_stream_is_done(open_page):
    p = open_page("?mode=model&preset=mlp-spiral&epochs=300&lang=en", settle=False)
    _settled(p, 120)
    live = p.js("window.__model.debug.live")
    total = live[-1]["total"]
    assert live[-1]["complete"] and live[-1]["points"] == total
    # draws of a half-trained answer: some points, not all, and more as time goes on
    partial = [d["points"] for d in live if not d["complete"]]
    assert any(0 < n < total for n in partial), live
    assert len({n for n in partial if n > 0}) >= 2, live
    assert partial == sorted(partial)
    # every run grew together: the stream interleaves the runs, so no run waits for another's end
    assert p.js("window.__model.debug.requests") == 1
    # the selected run's decision map was drawn from the stream's live maps, at later and later steps
    steps = [m["step"] for m in p.js("window.__model.debug.maps") if m["live"]]
    assert len(set(steps)) >= 2 and steps == sorted(steps) and steps[-1] <= live[-1]["total"] // 3
    _clean(p)


def test_a_run_card_has_every_hyperparameter_and_a_scheduler(open_page):
    p = open_page("?mode=model&preset=notes-linear&lang=en", settle=False)
    _settled(p)
    names = p.js("[...document.querySelectorAll('#model-runs li')[0].querySelectorAll('.param:not(.sched-param)')]"
                 ".map(e => e.dataset.param)")
    adam = p.js("(async () => (await (await fetch('/api/optimizers')).json()).find(o => o.name === 'adam')"
                ".params.map(q => q.name))()")
    assert names == adam and {"betas", "amsgrad", "eps", "weight_decay"} <= set(names)
    assert p.js("document.getElementById('run0-betas-2') !== null")
    p.page.click("#model-runs li details.more > summary")  # the card folds all but lr, as on the surfaces page
    p.page.check("#run0-amsgrad")
    p.page.select_option("#run0-sched", "StepLR")
    p.wait("window.__model.state.runs[0].scheduler?.name === 'StepLR' && window.__model.settled()", 90,
           "the scheduled training")
    body = p.js("window.__model.debug.bodies.at(-1)")
    assert body["runs"][0]["params"]["amsgrad"] is True
    assert body["runs"][0]["scheduler"]["name"] == "StepLR"
    assert len(p.js("window.__model.lr")) == len(body["runs"])  # the lr chart shows once a run has a schedule
    url = p.page.url
    assert "sched=StepLR" in parse_qs(urlsplit(url).query)["runs"][0]
    q = open_page(url.split("/", 3)[3], settle=False)
    _settled(q)
    assert json.dumps(q.js("window.__model.debug.bodies[0]"), sort_keys=True) == json.dumps(body, sort_keys=True)
    assert q.js("document.getElementById('run0-sched').value") == "StepLR"
    _clean(p)
    _clean(q)


def test_lbfgs_with_a_batch_size_is_explained_not_sent(open_page):
    p = open_page("?mode=model&model=line&data=regression&n=32&batch=4&runs=lbfgs&lang=zh", settle=False)
    p.wait("document.getElementById('model-status')?.textContent?.includes('L-BFGS')", 30, "the L-BFGS notice")
    assert p.js("window.__model.debug.requests") == 0
    note = p.js("document.getElementById('run0-note')")
    assert note is not None
    assert p.js("!document.getElementById('run0-note').hidden")
    assert "全批量" in p.js("document.getElementById('run0-note').textContent")
    p.page.fill("#model-batch", "")
    p.page.dispatch_event("#model-batch", "change")
    _settled(p)
    assert p.js("document.getElementById('run0-note').hidden")
    _clean(p)


def test_line_runs_are_drawn_on_the_main_plot_in_2d_and_3d(open_page):
    p = open_page("?mode=model&preset=line-batch&lang=en", settle=False)
    _settled(p)
    runs = p.js("window.__model.answer.runs.length")
    assert p.js("window.__model.line.view") == "2d"
    base = p.js("document.querySelector('#model-line .plot-base').data.map(d => d.type)")
    assert base == ["contour"]
    top = p.js("document.querySelector('#model-line .plot-top').data.map(d => d.type || 'scatter')")
    assert top.count("contour") == 1  # the minibatch's own surface, faintly over the full-batch one
    plotted = p.js("window.__model.line.plotted")
    assert len(plotted) == runs and all(len(path["x"]) > 10 for path in plotted)
    weights = p.js("window.__model.answer.runs.map(r => r.weights.map(w => w[0]))")
    assert [path["x"] for path in plotted] == weights
    p.page.check("#model-view-3d")
    p.wait("window.__model.line.view === '3d'", 30, "the 3-D view")
    assert "view=3d" in p.page.url
    kinds = p.js("document.querySelector('#model-line .plot-3d').data.map(d => d.type)")
    assert "surface" in kinds and kinds.count("scatter3d") >= runs
    p.shot("model-line-3d-en-1440")
    _clean(p)


def test_the_slice_centre_is_chosen_and_sent(open_page):
    p = open_page("?mode=model&preset=mlp-spiral&epochs=30&lang=en", settle=False)
    _settled(p)
    assert p.js("window.__model.debug.bodies.at(-1).landscape") == {"grid": 21, "seed": 0, "run": 0, "step": None}
    before = p.js("window.__model.answer.landscape.loss")
    p.page.select_option("#model-lrun", "1")
    p.wait("window.__model.state.lrun === 1 && window.__model.settled()", 90, "the slice around run 1")
    assert p.js("window.__model.answer.landscape.center.run") == 1
    p.page.fill("#model-lstep", "100")
    p.page.dispatch_event("#model-lstep", "change")
    p.wait("window.__model.state.lstep === 100 && window.__model.settled()", 90, "the new slice")
    body = p.js("window.__model.debug.bodies.at(-1).landscape")
    assert body == {"grid": 21, "seed": 0, "run": 1, "step": 100}
    centre = p.js("window.__model.answer.landscape.center")
    assert centre["run"] == 1 and centre["step"] <= 100
    assert p.js("window.__model.answer.landscape.loss") != before
    title = p.js("document.querySelector('#model-slice .gtitle').textContent")
    assert "AdamW" in title and str(centre["step"]) in title
    assert "lrun=1" in p.page.url and "lstep=100" in p.page.url
    # the step the decision map shows becomes the centre
    p.js("(() => { const f = document.getElementById('model-frame'); f.value = '4';"
         " f.dispatchEvent(new Event('input')); })()")
    p.page.click("#model-lshown")
    p.wait("window.__model.state.lstep !== 100 && window.__model.settled()", 90, "the shown step as centre")
    shown = p.js("window.__model.answer.runs[window.__model.state.sel].heatmaps.steps[4]")
    assert p.js("window.__model.debug.bodies.at(-1).landscape.step") == shown
    _clean(p)


SIZES = [(1280, 720), (1920, 1080), (390, 844)]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize(("width", "height"), SIZES)
def test_model_screenshots(open_page, width, height, lang):
    for preset in ["line-batch", "mlp-spiral"]:
        p = open_page(f"?mode=model&preset={preset}&lang={lang}", width=width, height=height, settle=False)
        _settled(p)
        p.shot(f"model-{preset}-{lang}-{width}", full_page=width < 500)
        _clean(p)


def test_switching_presets_mid_stream_gives_no_errors(open_page):
    # Last in this file: it leaves streams mid-way, and the server must give their lane back (see the report).
    p = open_page("?mode=model&preset=mlp-spiral&epochs=400&lang=zh", settle=False)
    p.wait("window.__model && window.__model.debug.live.some(d => !d.complete && d.points > 0)", 90,
           "a live draw")
    p.shot("model-live-zh-1440")
    p.page.select_option("#model-preset", "notes-linear")
    p.page.select_option("#model-preset", "line-batch")
    _settled(p)
    assert p.js("window.__model.answer.model.name") == "line"
    assert p.js("window.__model.debug.errors") == []
    _clean(p)
