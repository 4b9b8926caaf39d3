"""Learning-rate schedules on the page: every scheduler can be chosen on a run card, survives a link, and draws its
lr(t) under the loss chart; en and zh; screenshots at 1366x768 and 390x844."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

SCHEDULED = ("?v=1&surface=rosenbrock&steps=150"
             "&runs=adam:lr=0.01,sched=OneCycleLR;max_lr=0.05;pct_start=0.25"
             "|sgd:lr=0.0005,momentum=0.9,sched=StepLR;step_size=40;gamma=0.5"
             "|adagrad:lr=0.3,sched=SequentialLR;schedulers=[LinearLR;start_factor=0.1;total_iters=20]"
             "[CosineAnnealingLR;T_max=130];milestones=20"
             "|rmsprop:lr=0.005,sched=LambdaLR;lr_lambda=1%252F(1%2Bt%252F50)")


def _lr_lines(p):
    return p.js("window.__playground.views.lrChart.plotted()")


def test_a_scheduled_link_draws_each_runs_lr_and_round_trips(open_page):
    p = open_page(SCHEDULED)
    assert p.console_errors == [] and p.page_errors == []
    state = p.state()
    assert [r.get("scheduler", {}).get("name") for r in state["runs"]] == ["OneCycleLR", "StepLR", "SequentialLR",
                                                                              "LambdaLR"]
    assert state["runs"][3]["scheduler"]["params"] == {"lr_lambda": "1/(1+t/50)"}
    assert state["runs"][2]["scheduler"]["params"]["schedulers"] == [
        ["LinearLR", {"start_factor": 0.1, "total_iters": 20}], ["CosineAnnealingLR", {"T_max": 130}]]
    lines = _lr_lines(p)
    assert len(lines) == 4 and all(line["n"] == 150 for line in lines)
    runs = p.js("window.__playground.result.runs")
    assert runs[1]["lr"][1:4] == [0.0005] * 3 and runs[1]["lr"][41] == 0.00025
    assert runs[0]["scheduler"]["params"]["total_steps"] == 150  # the page fills in the run's steps
    assert runs[0]["momentum"] is not None  # Adam's beta1 cycles with OneCycleLR
    href = p.js("location.href")
    again = open_page(href.split("/", 3)[3])
    assert again.js("location.href") == href
    assert again.state() == state
    assert again.paths() == p.paths()
    assert _lr_lines(again) == lines


def _choose(p, name):
    p.page.select_option("#run0-sched", name)
    p.settle()


def test_every_scheduler_can_be_chosen_survives_a_link_and_draws_its_lr(open_page, server):
    p = open_page("?v=1&surface=booth&steps=60&runs=sgd:lr=0.01,momentum=0.9")
    names = p.js("Object.values(window.__playground.catalog.schedulers).map(s => s.label)")
    assert len(names) == 15
    assert _lr_lines(p) == [] and p.js("document.getElementById('lr-panel').hidden")
    for name in names:
        _choose(p, name)
        result = p.js("window.__playground.result.runs[0]")
        assert result["scheduler"]["name"] == name, (name, p.js("document.getElementById('status').textContent"))
        assert len(result["lr"]) == 61 and result["lr"][0] is None
        lines = _lr_lines(p)
        assert len(lines) == 1 and lines[0]["n"] == 60, name
        href = p.js("location.href")
        assert f"sched={name}" in parse_qs(urlsplit(href).query)["runs"][0]
        again = open_page(href.split("/", 3)[3])
        assert again.state() == p.state(), name
        assert again.js("window.__playground.result.runs[0].lr") == result["lr"], name
        again.page.context.close()
    assert p.console_errors == [] and p.page_errors == []
    _choose(p, "")
    assert p.js("document.getElementById('lr-panel').hidden") and "sched=" not in p.js("location.href")


def test_editing_a_keyword_changes_the_schedule_and_the_link(open_page):
    p = open_page("?v=1&surface=booth&steps=80&runs=adam:lr=0.05")
    _choose(p, "StepLR")
    p.page.fill("#run0-sched-step_size", "20")
    p.page.press("#run0-sched-step_size", "Enter")
    p.settle()
    p.page.click("#run0-sched-params details.more summary")  # gamma has torch's default: folded away
    p.page.fill("#run0-sched-gamma", "0.25")
    p.page.press("#run0-sched-gamma", "Enter")
    p.settle()
    runs = parse_qs(urlsplit(p.js("location.href")).query)["runs"][0]
    assert runs == "adam:lr=0.05,sched=StepLR;step_size=20;gamma=0.25"
    lr = p.js("window.__playground.result.runs[0].lr")
    assert lr[20] == 0.05 and lr[21] == 0.05 * 0.25
    # an optimizer without momentum: OneCycleLR's cycle_momentum is off and shown so
    p.page.select_option("#run0-optimizer", "adagrad")
    p.settle()
    _choose(p, "OneCycleLR")
    assert p.js("document.getElementById('run0-sched-cycle_momentum').disabled")
    assert p.js("window.__playground.result.runs[0].scheduler.params.cycle_momentum") is False


def test_a_refused_schedule_is_worded_and_a_bad_link_noticed(open_page):
    p = open_page("?v=1&surface=booth&steps=50&runs=adam:sched=WarmupLR;x=1|sgd:sched=StepLR;step_size=1e99;foo=2")
    notices = p.js("document.getElementById('notices').textContent")
    assert "WarmupLR" in notices and "foo" in notices
    state = p.state()
    assert "scheduler" not in state["runs"][0] and state["runs"][1]["scheduler"]["params"] == {"step_size": 1e9}
    _choose(p, "CosineAnnealingLR")
    p.page.fill("#run0-sched-T_max", "0")
    p.page.press("#run0-sched-T_max", "Enter")  # clamped to the catalog's range, with a note
    p.settle()
    assert p.state()["runs"][0]["scheduler"]["params"]["T_max"] == 1


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("width, height", [(1366, 768), (390, 844)])
def test_schedules_screenshots(open_page, lang, width, height):
    p = open_page(SCHEDULED + f"&lang={lang}", width=width, height=height,
                  locale="zh-CN" if lang == "zh" else "en-US")
    p.to_end()
    assert p.console_errors == [] and p.page_errors == []
    title = p.js("document.getElementById('lr-title').textContent")
    assert title == ("学习率随步数的变化" if lang == "zh" else "Learning rate vs step")
    p.page.locator("#lr-panel").scroll_into_view_if_needed()
    p.shot(f"schedules-lr-{lang}-{width}x{height}")
    p.page.locator("#run0-sched-wrap").scroll_into_view_if_needed()
    p.shot(f"schedules-card-{lang}-{width}x{height}")
