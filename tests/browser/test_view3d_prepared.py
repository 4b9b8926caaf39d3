"""The 3-D view built out of sight while the page is idle in 2-D (plots.js, prepare3d), so that a switch to 3-D
updates a WebGL scene instead of creating one: it must stay invisible and let the 2-D plot have every click,
and the switch must show it at its box's size, also when the box changed while it was out of sight."""

from __future__ import annotations

import json

PREPARED = "!!document.querySelector('#plot .plot-3d')?._fullLayout"


def test_idle_2d_page_builds_3d_out_of_sight_and_2d_keeps_the_clicks(open_page):
    p = open_page("?preset=contour", width=1280, height=720)
    p.js("window.__playground.player.pause()")
    p.wait(PREPARED, 30, "the 3-D view to be built while idle")
    layer = p.js("(() => { const gd = document.querySelector('#plot .plot-3d'); "
                 "return {hidden: gd.hidden, visibility: getComputedStyle(gd).visibility, "
                 "surface: gd.data[0].type}; })()")
    assert layer == {"hidden": False, "visibility": "hidden", "surface": "surface"}
    # What is under the middle of the plot is the 2-D graph, and a click there still sets the start point.
    under = p.js("(() => { const r = document.querySelector('#plot .plot-top').getBoundingClientRect(); "
                 "const el = document.elementFromPoint(r.left + r.width * 0.3, r.top + r.height * 0.3); "
                 "return !!el.closest('.plot-top') && !el.closest('.plot-3d'); })()")
    assert under
    start = p.js("JSON.stringify(window.__playground.state.start)")
    box = p.js("(() => { const r = document.querySelector('#plot .plot-top').getBoundingClientRect(); "
               "return [r.left + r.width * 0.3, r.top + r.height * 0.3]; })()")
    p.page.mouse.click(*box)
    p.wait(f"JSON.stringify(window.__playground.state.start) !== {json.dumps(start)}", 10,
           "the click to set the start point")
    assert p.console_errors == [] and p.page_errors == []


def test_switch_shows_the_prepared_3d_view_at_its_boxs_size(open_page):
    p = open_page("?preset=contour", width=1280, height=720)
    p.js("window.__playground.player.pause()")
    p.wait(PREPARED, 30, "the 3-D view to be built while idle")
    p.page.set_viewport_size({"width": 1440, "height": 900})  # the box grows while the 3-D view is out of sight
    p.page.check("#view-3d")
    p.settle()
    p.wait("(() => { const gd = document.querySelector('#plot .plot-3d'); const f = gd._fullLayout; "
           "return Math.round(f.width) === gd.clientWidth && Math.round(f.height) === gd.clientHeight; })()", 10,
           "the 3-D view to take its box's size")
    shown = p.js("(() => { const gd = document.querySelector('#plot .plot-3d'); "
                 "return {hidden: gd.hidden, visibility: getComputedStyle(gd).visibility, n: gd.data.length}; })()")
    assert shown["hidden"] is False and shown["visibility"] == "visible" and shown["n"] > 3
    # Back to 2-D and again to 3-D: the kept scene is updated, not lost.
    p.page.check("#view-2d")
    p.settle()
    assert p.js("document.querySelector('#plot .plot-3d').hidden") is True
    p.page.check("#view-3d")
    p.settle()
    assert p.js("document.querySelector('#plot .plot-3d').data[0].type") == "surface"
    assert p.console_errors == [] and p.page_errors == []
    p.shot("view3d-prepared")
