"""Model mode (?mode=model): the three presets draw in en and zh with no console errors, links reproduce a run,
and screenshots at 1366x768 and 390x844 for people to look at (test_model_live.py has the other sizes)."""

from __future__ import annotations

import pytest

PRESETS = ["notes-linear", "line-batch", "mlp-spiral"]


def _settled(p, timeout=60.0):
    p.wait("window.__model && window.__model.settled()", timeout, "model mode to train and draw")


def _traces(p, element_id):
    return p.js(f"document.getElementById('{element_id}').data?.length ?? 0")


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("preset", PRESETS)
def test_each_model_preset_draws_in_both_languages(open_page, preset, lang):
    p = open_page(f"?mode=model&preset={preset}&lang={lang}", width=1366, height=768, settle=False)
    _settled(p)
    answer = p.js("window.__model.answer")
    assert len(answer["runs"]) == len(p.js("window.__model.state").get("runs"))
    assert _traces(p, "model-loss") >= len(answer["runs"])
    assert _traces(p, "model-slice") >= len(answer["runs"]) + 1
    legend = p.js("[...document.querySelectorAll('.model-legend-item')].map(e => e.textContent)")
    assert legend == [r["label"] for r in answer["runs"]]
    caption = p.js("document.getElementById('model-caption').textContent")
    assert caption and (("的" in caption) if lang == "zh" else ("the" in caption.lower()))
    if preset == "line-batch":
        # line is drawn on the surfaces page's own figure (MainPlot), not a contour of model mode's own
        assert answer["surface"]["batch_loss"] is not None
        assert p.js("window.__model.line.view") == "2d"
        assert len(p.js("window.__model.line.plotted")) == len(answer["runs"])
    if preset == "mlp-spiral":
        assert answer["heatmap_axes"] is not None and _traces(p, "model-picture") >= 4
        assert _traces(p, "model-acc") == 3
    if preset == "notes-linear":
        rows = p.js("[...document.querySelectorAll('#model-table tbody tr')].map(r => r.cells[0].textContent)")
        assert rows == [str(e) for e in range(10, 101, 10)]
        first = p.js("document.querySelector('#model-table tbody tr').cells[1].textContent")
        assert first.replace(".", "").isdigit()
    p.shot(f"model-{preset}-{lang}-1366")
    assert p.console_errors == [] and p.page_errors == []


@pytest.mark.parametrize("preset", PRESETS)
def test_model_presets_on_a_phone(open_page, preset):
    p = open_page(f"?mode=model&preset={preset}&lang=zh", width=390, height=844, settle=False)
    _settled(p)
    p.shot(f"model-{preset}-zh-390", full_page=True)
    assert p.console_errors == [] and p.page_errors == []


def test_a_model_link_reproduces_the_run_exactly(open_page):
    p = open_page("?mode=model&preset=line-batch&lang=en", settle=False)
    _settled(p)
    p.page.fill("#model-epochs", "12")
    p.page.dispatch_event("#model-epochs", "change")
    p.wait("window.__model.state.epochs === 12 && window.__model.settled()", 60, "the new training")
    url = p.page.url
    losses = p.js("window.__model.answer.runs.map(r => r.loss)")
    q = open_page(url.split("/", 3)[3], settle=False)
    _settled(q)
    assert q.js("window.__model.answer.runs.map(r => r.loss)") == losses
    assert "epochs=12" in url and "batch=4" in url
    assert p.console_errors == [] and q.console_errors == []
