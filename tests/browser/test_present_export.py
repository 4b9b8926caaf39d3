"""Present mode for the back row, the embed's play control, and export for slides and notebooks."""

from __future__ import annotations

import json
from pathlib import Path

PLOT_TOP = "document.querySelector('#plot .plot-top')"


def test_present_mode_goes_in_and_out_by_button_and_key_and_is_sized_for_the_back_row(open_page):
    p = open_page("?preset=contour", width=1920, height=1080)
    draws = p.js("window.__playground.debug.draws")
    p.page.click("#present-toggle")
    p.wait(f"window.__playground.debug.draws > {draws}", what="the redraw in present mode")
    p.settle()
    assert p.state()["present"] is True and "present=1" in p.page.url
    shown = p.js("""['present-title', 'present-caption', 'present-step', 'legend', 'play', 'step-forward', 'restart']
        .map((id) => { const r = document.getElementById(id).getBoundingClientRect();
                       return r.width > 0 && r.height > 0; })""")
    assert all(shown)
    assert "Beale" in p.js("document.getElementById('present-title').textContent")
    assert p.js("document.getElementById('present-caption').textContent").startswith("Six optimizers")
    p.to_end()
    assert p.js("document.getElementById('present-step').textContent") == "step 400 of 400"
    top = p.js(f"""(() => {{ const d = {PLOT_TOP}.data;
        const f = document.querySelector('#plot .plot-base')._fullLayout;
        return {{lines: d.filter((t) => t.mode === 'lines').map((t) => t.line.width),
                 heads: d[d.length - 1].marker.size, ticks: [f.xaxis.tickfont.size, f.yaxis.tickfont.size]}}; }})()""")
    assert min(top["lines"]) >= 4 and top["heads"] >= 16 and min(top["ticks"]) >= 18
    bar = p.js("document.querySelector('#plot .plot-base').data[0].colorbar.tickfont.size")
    assert bar >= 18
    p.shot("present-1920")
    p.page.keyboard.press("p")
    p.settle()
    assert p.state()["present"] is False
    p.page.keyboard.press("p")
    p.settle()
    assert p.state()["present"] is True
    p.page.click("#present-exit")
    p.settle()
    assert p.state()["present"] is False


def test_present_mode_in_chinese(open_page):
    p = open_page("?preset=saddle&present=1&lang=zh", width=1920, height=1080)
    assert p.js("document.getElementById('present-caption').textContent").startswith("从 x² − y²")
    assert "步" in p.js("document.getElementById('present-step').textContent")
    p.shot("present-1920-zh")


def test_embed_has_a_small_replay_control_and_its_legend_is_not_clipped(open_page):
    p = open_page("?preset=contour&embed=1", width=640, height=400)
    p.to_end()
    button = p.js("(() => { const r = document.getElementById('embed-play').getBoundingClientRect();"
                  " return [r.width > 0, r.bottom <= innerHeight]; })()")
    assert button == [True, True]
    p.page.click("#embed-play")
    assert p.js("window.__playground.player.step") < 400
    legend = p.js(f"{PLOT_TOP}.querySelector('.legend').getBoundingClientRect().top")
    assert legend >= 0
    p.shot("embed-640")


def _download(p, button: str):
    if not p.js("document.getElementById('export-panel').open"):
        p.page.click("#export-panel summary")
    with p.page.expect_download() as info:
        p.page.click(button)
    return info.value


def test_data_exports_hold_every_runs_points_losses_and_hyperparameters(open_page, tmp_path):
    p = open_page("?preset=adam-vs-adamw")
    runs = p.js("window.__playground.result.runs")
    d = _download(p, "#export-json")
    saved = json.loads(Path(d.path()).read_text())
    assert [r["xy"] for r in saved["runs"]] == [r["xy"] for r in runs]
    assert saved["runs"][1]["params"]["weight_decay"] == 0.5 and saved["body"]["surface"] == "himmelblau"
    csv = Path(_download(p, "#export-csv").path()).read_text().splitlines()
    assert csv[0] == "run,name,optimizer,params,step,x,y,loss"
    assert len(csv) == 1 + sum(len(r["xy"]) for r in runs)


def test_image_exports_png_and_svg_at_1920x1080(open_page):
    p = open_page("?preset=contour")
    p.page.click("#export-panel summary")
    p.page.select_option("#export-size", "hd")
    with p.page.expect_download() as info:
        p.page.click("#export-png")
    data = Path(info.value.path()).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1920, 1080)
    with p.page.expect_download() as info:
        p.page.click("#export-svg")
    svg = Path(info.value.path()).read_text()
    assert svg.startswith("<svg") and 'width="1920"' in svg


def test_embed_snippet_has_the_chosen_size_and_the_link_in_embed_mode(open_page):
    p = open_page("?preset=contour", permissions=["clipboard-read", "clipboard-write"])
    p.page.click("#export-panel summary")
    p.page.select_option("#embed-size", "960x540")
    p.page.click("#export-embed")
    code = p.js("document.getElementById('embed-code').value")
    assert code.startswith("<iframe src=") and 'width="960" height="540"' in code and "embed=1" in code
    assert p.js("navigator.clipboard.readText()") == code


def test_copy_as_pytorch_posts_the_trajectory_body_and_copies_the_script(open_page):
    p = open_page("?preset=contour", permissions=["clipboard-read", "clipboard-write"])
    seen = []

    def script(route):
        seen.append(route.request.post_data_json)
        route.fulfill(status=200, content_type="text/x-python", body="import torch\nprint('ok')\n")

    p.page.route("**/api/export/pytorch", script)
    p.page.click("#export-panel summary")
    p.page.click("#export-pytorch")
    p.wait("document.getElementById('copy-status').textContent.includes('PyTorch')", what="the copy")
    assert len(seen) == 1
    assert seen[0]["surface"] == "beale" and len(seen[0]["runs"]) == 6 and seen[0]["steps"] == 400
    assert p.js("navigator.clipboard.readText()") == "import torch\nprint('ok')\n"


def test_video_export_shows_progress_and_can_be_cancelled(open_page):
    p = open_page("?preset=contour")
    p.page.click("#export-panel summary")
    p.page.click("#export-webm")
    p.wait("document.getElementById('export-progress').value > 0", 20, "the recording to start")
    assert p.js("document.getElementById('export-recording').hidden") is False
    p.page.click("#export-cancel")
    p.wait("document.getElementById('export-recording').hidden", 20, "the recording to stop")
    assert "cancelled" in p.js("document.getElementById('status').textContent")
    assert p.page_errors == []


def test_animation_exports_are_a_gif_and_a_webm_video_made_in_the_browser(open_page):
    p = open_page("?v=1&surface=booth&steps=5&runs=adam:lr=0.5|sgd:lr=0.05")
    gif = Path(_download(p, "#export-gif").path()).read_bytes()
    assert gif[:6] == b"GIF89a" and gif[-1:] == b";"
    webm = Path(_download(p, "#export-webm").path()).read_bytes()
    assert webm[:4] == bytes.fromhex("1a45dfa3")  # EBML, the WebM container's magic number
    assert p.page_errors == [] and p.console_errors == []
