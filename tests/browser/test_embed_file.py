"""Issue 10, defect 3: the page embeds in a slide deck opened from disk (a file:// parent page).

Chromium does not count file: under ``frame-ancestors *``, so the CSP names it; this opens a real file:// page
with an iframe of the embed view and checks that the figure loads inside it.
"""

from __future__ import annotations

import time


def test_embed_loads_in_a_file_parent_page(browser, server, tmp_path):
    deck = tmp_path / "deck.html"
    deck.write_text(f"""<!doctype html><meta charset="utf-8"><title>Slides</title>
<h1>Optimizers</h1>
<iframe id="demo" src="{server}/?preset=adam-vs-adamw&embed=1" width="800" height="500"></iframe>""")
    ctx = browser.new_context(viewport={"width": 1000, "height": 700})
    try:
        page = ctx.new_page()
        refused: list[str] = []
        page.on("console", lambda m: "frame" in m.text.lower() and refused.append(m.text))
        page.goto(deck.as_uri())
        assert page.url.startswith("file://")
        deadline = time.monotonic() + 30
        frame = None
        while time.monotonic() < deadline:
            frame = next((f for f in page.frames if f.url.startswith(server)), None)
            if frame is not None and frame.evaluate("!!(window.__playground && window.__playground.settled())"):
                break
            time.sleep(0.1)
        else:
            raise AssertionError(f"the embed did not load in the file:// page; frames: "
                                 f"{[f.url for f in page.frames]}; console: {refused}")
        assert frame.evaluate("document.documentElement.classList.contains('embed') || "
                              "location.search.includes('embed=1')")
        assert frame.evaluate("document.querySelectorAll('.js-plotly-plot').length") >= 1
        assert not [m for m in refused if "refused" in m.lower()], refused
    finally:
        ctx.close()
