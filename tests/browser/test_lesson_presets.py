"""Lesson presets in the browser: each draws with its caption in en and zh, the Distill preset draws its predicted
rates on the loss chart, presets that need a feature are listed only once it exists, and switching presets after
an animation has ended raises nothing. Screenshots for people at 1366x768, 390x844 and 1920x1080 present mode."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRESETS = json.loads((ROOT / "static" / "presets" / "lessons.json").read_text(encoding="utf-8"))["presets"]
LESSONS = [n for n, p in PRESETS.items() if "needs" not in p]
NEEDING = [n for n, p in PRESETS.items() if "needs" in p]


def choose(p, name: str) -> None:
    p.page.select_option("#preset", name)
    p.wait(f"window.__playground.state.preset === {json.dumps(name)}", what=f"preset {name}")
    p.settle(60)


def shown_caption(p) -> str:
    return p.js("document.getElementById('preset-caption').hidden ? '' : "
                "document.getElementById('preset-caption').textContent")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_each_lesson_draws_with_its_caption_and_switching_after_the_end_raises_nothing(open_page, lang):
    p = open_page(f"?preset=contour&lang={lang}", width=1366, height=768)
    listed = p.js("[...document.querySelectorAll('#preset option')].map(o => o.value)")
    assert set(LESSONS) <= set(listed)
    for name in LESSONS:
        choose(p, name)
        runs = PRESETS[name]["runs"]
        assert len(p.js("window.__playground.result.runs")) == len(runs), name
        assert shown_caption(p) == PRESETS[name]["caption"][lang], name
        option = p.js(f"document.querySelector('#preset option[value=\"{name}\"]').textContent")
        assert option and (lang == "zh") == bool(re.search(r"[\u4e00-\u9fff]", option)), f"{name}: {option!r}"
        # The next preset is chosen after this one's animation has played to its end.
        p.js("window.__playground.player.speed = 1000; window.__playground.player.restart()")
        p.wait("!window.__playground.player.playing && "
               "window.__playground.player.step === window.__playground.player.last", what=f"{name} to end")
    assert p.console_errors == [] and p.page_errors == []


def test_distill_draws_its_predicted_rates_as_dashed_lines_beside_the_loss(open_page):
    p = open_page("?preset=distill-quadratic", width=1366, height=768)
    traces = p.js("document.getElementById('loss').data.map(d => ({name: d.name, dash: d.line && d.line.dash, "
                  "meta: d.meta || '', y: d.y}))")
    rates = [t for t in traces if t["meta"] == "rate"]
    assert [t["dash"] for t in rates] == ["dot", "dot"]
    assert "99/101" in rates[0]["name"] and "9/11" in rates[1]["name"]
    losses = p.js("window.__playground.result.runs.map(r => r.loss)")
    # GD's measured loss lies on its line: L₀ρ^(2t) with ρ = 99/101.
    for t in (0, 50, 150, 300):
        assert rates[0]["y"][t] == pytest.approx(losses[0][0] * (99 / 101) ** (2 * t), rel=1e-12)
        assert losses[0][t] == pytest.approx(rates[0]["y"][t], rel=1e-9)
    # Heavy ball runs above its line (the double root's factor t).
    assert all(losses[1][t] > rates[1]["y"][t] for t in (100, 200, 300))
    p.page.select_option("#lang", "zh")
    p.wait("document.getElementById('loss').data.some(d => d.meta === 'rate' && d.name.includes('重球法'))",
           what="the rate labels in Chinese")
    p.shot("lessons-distill-rates-zh")
    # Once the settings are the user's own, the preset's lines go.
    p.page.fill("#steps", "200")
    p.page.press("#steps", "Enter")
    p.wait("window.__playground.state.preset === ''", what="the preset to be dropped")
    p.settle(60)
    p.wait("!document.getElementById('loss').data.some(d => d.meta === 'rate')", what="the rate lines to go")
    assert p.console_errors == [] and p.page_errors == []


def test_presets_that_need_a_feature_are_listed_only_once_it_is_provided(open_page):
    p = open_page("?preset=contour", width=1366, height=768)
    features = set(p.js("window.__playground.features"))
    assert "scheduler" in features  # the page provides it once /api/schedulers has answered
    listed = p.js("[...document.querySelectorAll('#preset option')].map(o => o.value)")
    needs = {n: PRESETS[n]["needs"] for n in NEEDING}
    assert {n for n in NEEDING if n in listed} == {n for n, f in needs.items() if f in features}


@pytest.mark.parametrize("name", [n for n in NEEDING if PRESETS[n]["needs"] == "scheduler"])
def test_schedule_presets_draw_their_lr_with_a_caption(open_page, name):
    p = open_page(f"?preset={name}&lang=zh", width=1366, height=768)
    p.settle(60)
    assert p.js("document.getElementById('preset-caption').textContent").strip() == PRESETS[name]["caption"]["zh"]
    assert p.js("document.getElementById('lr-panel').hidden") is False
    assert any(r.get("lr") for r in p.js("window.__playground.result.runs"))
    assert p.console_errors == [] and p.page_errors == []


@pytest.mark.parametrize("name", [n for n in NEEDING if PRESETS[n]["needs"] == "map"])
def test_map_presets_draw_their_map_with_a_caption(open_page, name):
    p = open_page(f"?preset={name}&lang=en", width=1366, height=768)
    assert "map" in p.js("window.__playground.features")
    p.wait("window.__playground.debug.mapDraws > 0", timeout=60, what="the map to draw")
    state = p.state()
    assert state["view"] == "map" and state["map"] == ("basin" if PRESETS[name]["map"]["kind"] == "basins" else "hyper")
    assert p.js("document.getElementById('preset-caption').textContent").strip() == PRESETS[name]["caption"]["en"]
    assert p.console_errors == [] and p.page_errors == []


SHOTS = [("distill-quadratic", 1366, 768, ""), ("adam-moments", 1366, 768, ""), ("momentum-damping", 390, 844, ""),
         ("saddle-escape", 390, 844, ""), ("distill-quadratic", 1920, 1080, "&present=1"),
         ("lbfgs-line-search", 1920, 1080, "&present=1")]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name, width, height, extra", SHOTS)
def test_screenshots_of_lessons_with_captions(open_page, lang, name, width, height, extra):
    p = open_page(f"?preset={name}&lang={lang}{extra}", width=width, height=height,
                  locale="zh-CN" if lang == "zh" else "en-US")
    p.to_end()
    caption_id = "present-caption" if extra else "preset-caption"
    assert p.js(f"document.getElementById('{caption_id}').textContent") == PRESETS[name]["caption"][lang]
    assert p.js(f"document.getElementById('{caption_id}').getBoundingClientRect().height") > 0
    mode = "present" if extra else f"{width}x{height}"
    p.shot(f"lessons-{name}-{mode}-{lang}")
    assert p.console_errors == [] and p.page_errors == []


@pytest.mark.parametrize("name", [n for n in NEEDING if PRESETS[n]["needs"] == "map"
                                  and PRESETS[n]["map"]["kind"] == "hyperparameters"])
def test_hyperparameter_map_lessons_span_their_own_axis_ranges_and_links_keep_them(open_page, name):
    # Distill's map is about lr 0.001-0.05; over the lr slider's 1e-5..10 its interesting part was a sliver.
    spec = PRESETS[name]["map"]
    p = open_page(f"?preset={name}&lang=en", width=1366, height=768)
    p.wait("window.__playground.debug.mapDraws > 0", timeout=60, what="the map to draw")

    def drawn_spans():
        xs, ys = p.js("(() => { const d = document.getElementById('map-plot').data.find((t) => t.type === "
                      "'heatmap'); return [d.x, d.y]; })()")
        return [(min(xs), max(xs)), (min(ys), max(ys))]

    def expect(axis):  # the axis is logarithmic where the hyperparameter is (GET /api/optimizers)
        lo, hi = axis["from"], axis["to"]
        log = p.js("(n) => window.__playground.catalog.optimizers.sgd.params.find((q) => q.name === n).log",
                   axis["name"])
        return (math.log10(lo), math.log10(hi)) if log else (lo, hi)

    (x0, x1), (y0, y1) = drawn_spans()
    for (a, b), (lo, hi) in (((x0, x1), expect(spec["x"])), ((y0, y1), expect(spec["y"]))):
        assert a == pytest.approx(lo, abs=1e-9) and b == pytest.approx(hi, abs=1e-9)
    search = p.js("location.search")
    assert "mxr=" in search and "myr=" in search
    alone = re.sub(r"(^\?|&)preset=[^&]*", r"\1", search)  # the link without the lesson's name
    assert "preset=" not in alone
    q = open_page(alone, width=1366, height=768)
    q.wait("window.__playground.debug.mapDraws > 0", timeout=60, what="the linked map to draw")
    assert [tuple(s) for s in q.js("[window.__playground.state.mxr, window.__playground.state.myr]")] == \
        [(spec["x"]["from"], spec["x"]["to"]), (spec["y"]["from"], spec["y"]["to"])]
    assert p.console_errors == [] and q.console_errors == [] and p.page_errors == [] and q.page_errors == []
