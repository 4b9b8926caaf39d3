"""Model mode against the stream's fuller contract (docs/api.md "POST /api/train/stream"): `meta.heatmap_axes`,
and per `points` event a classifier's decision map (`heatmap: {step, p}`) and line's (w, b) rows (`weights`,
`weight_steps`). The events are made here from a real JSON answer and served for /api/train/stream, without
`done`, so that what is drawn can only come from the live events."""

from __future__ import annotations

import json


def _settled(p, timeout=90.0):
    p.wait("window.__model && window.__model.settled()", timeout, "model mode to train and draw")


def _json_answer(p):
    return p.js("(async () => (await fetch('/api/train', {method: 'POST', headers: {'Content-Type':"
                " 'application/json'}, body: JSON.stringify(window.__model.debug.bodies.at(-1))})).json())()")


def _event(name, data):
    return f"event: {name}\ndata: {json.dumps(data)}\n\n"


def _meta(answer):
    pictures = {"runs", "surface", "landscape"}
    meta = {k: v for k, v in answer.items() if k not in pictures}
    meta["landscape"] = {"grid": 21, "seed": 0, "run": 0, "step": None}
    meta["runs"] = [{"optimizer": r["optimizer"], "label": r["label"], "params": r["params"]} for r in answer["runs"]]
    return meta


def _serve(p, events):
    body = "".join(events)
    p.page.route("**/api/train/stream", lambda r: r.fulfill(
        status=200, headers={"Content-Type": "text/event-stream"}, body=body))


def _retrain(p):
    p.page.fill("#model-seed", "1")
    p.page.dispatch_event("#model-seed", "change")


def test_the_selected_runs_decision_map_is_drawn_from_the_live_events(open_page):
    p = open_page("?mode=model&preset=mlp-spiral&epochs=20&lang=en", settle=False)
    _settled(p)
    answer = _json_answer(p)
    maps = answer["runs"][1]["heatmaps"]
    events = [_event("meta", _meta(answer))]
    for i, r in enumerate(answer["runs"]):
        events.append(_event("points", {"run": i, "offset": 0, "loss": r["loss"], "accuracy": r["accuracy"],
                                        "batch_offset": 0, "batch_loss": r["batch_loss"],
                                        "heatmap": {"step": maps["steps"][4], "p": maps["p"][4]}}))
    _serve(p, events)
    p.page.select_option("#model-sel", "1")
    p.wait("window.__model.state.sel === 1 && window.__model.settled()", 30, "run 1's map")
    p.js("window.__model.debug.maps.length = 0")  # the real stream's live maps are not this test's
    _retrain(p)
    p.wait("window.__model.state.seed === 1 && window.__model.answer.complete === false"
           f" && window.__model.debug.maps.some(m => m.live && m.step === {maps['steps'][4]})", 30,
           "the live decision map")
    assert f"step {maps['steps'][4]}" in p.js("document.getElementById('model-picture').layout.title.text")
    assert p.js("document.getElementById('model-picture').data[0].z") == maps["p"][4]
    assert "AdamW" in p.js("document.getElementById('model-picture').layout.title.text")
    assert p.js("window.__model.answer.complete") is False
    assert p.page_errors == []


def test_lines_paths_grow_from_the_live_weights(open_page):
    p = open_page("?mode=model&preset=line-batch&epochs=12&lang=en", settle=False)
    _settled(p)
    answer = _json_answer(p)
    events = [_event("meta", _meta(answer))]
    for i, r in enumerate(answer["runs"]):
        half = len(r["weights"]) // 2
        # two windows; the second repeats the first's last row, which must not be drawn twice
        for lo, hi in [(0, half), (half - 1, len(r["weights"]))]:
            k = r["weight_steps"][lo]
            events.append(_event("points", {"run": i, "offset": k, "loss": r["loss"][k:r["weight_steps"][hi - 1] + 1],
                                            "accuracy": None, "batch_offset": k, "batch_loss": r["batch_loss"][k:],
                                            "weights": r["weights"][lo:hi], "weight_steps": r["weight_steps"][lo:hi]}))
    _serve(p, events)
    _retrain(p)
    p.wait("window.__model.state.seed === 1 && window.__model.line.view === 'live'"
           " && window.__model.line.plotted.every(q => q.x.length > 1)", 30, "the live paths")
    p.wait(f"window.__model.line.plotted[0].x.length === {len(answer['runs'][0]['weights'])}", 10, "every row")
    plotted = p.js("window.__model.line.plotted")
    assert [q["x"] for q in plotted] == [[w[0] for w in r["weights"]] for r in answer["runs"]]
    assert [q["y"] for q in plotted] == [[w[1] for w in r["weights"]] for r in answer["runs"]]
    assert p.js("document.getElementById('model-line-note').hidden") is False
    assert p.page_errors == []
