"""The URL is the state: links redraw the same paths, Back and Forward work, hostile links run nothing."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit


def test_url_round_trip_gives_identical_path_data(open_page):
    # A state built by hand: non-default hyperparameters, noise, a hidden run, a colour and a label.
    query = ("?v=1&surface=himmelblau&start=-1_0.5&steps=250&noise=0.3&seed=7&speed=120"
             "&runs=adam:lr=0.05,betas=0.8_0.99,amsgrad=1,label=Mine|sgd:lr=0.01,momentum=0.5,color=cc79a7"
             "|rmsprop:lr=0.003,centered=1,hide=1|lbfgs:history_size=5,line_search_fn=strong_wolfe")
    first = open_page(query)
    first.to_end()
    href = first.js("location.href")
    state, paths, plotted = first.state(), first.paths(), first.plotted()
    assert [r["label"] for r in state["runs"]] == ["Mine", "", "", ""]
    assert state["runs"][2]["hidden"] is True and state["noise"] == 0.3

    second = open_page(href.split("/", 3)[3])
    second.to_end()
    assert second.js("location.href") == href
    assert second.state() == state
    assert second.paths() == paths  # bit for bit: the numbers survive JSON both ways
    assert second.plotted() == plotted


def test_url_written_after_edits_reproduces_the_edited_paths(open_page):
    p = open_page("?preset=contour")
    p.page.fill("#steps", "120")
    p.page.press("#steps", "Enter")
    p.page.fill("#run1-lr", "0.002")
    p.page.press("#run1-lr", "Enter")
    p.settle()
    href = p.js("location.href")
    q = parse_qs(urlsplit(href).query)
    assert q["steps"] == ["120"] and "preset" not in q
    assert q["runs"][0].split("|")[1] == "sgd:lr=0.002,momentum=0.9"
    again = open_page(href.split("/", 3)[3])
    assert again.paths() == p.paths()
    assert again.state() == p.state()


def test_back_and_forward_restore_earlier_states(open_page):
    p = open_page("?preset=contour")
    beale_paths = p.paths()
    p.page.select_option("#surface", "himmelblau")
    p.settle()
    assert p.state()["surface"] == "himmelblau"
    himmelblau_paths = p.paths()
    p.page.go_back()
    p.settle()
    assert p.state()["surface"] == "beale"
    assert p.js("document.getElementById('surface').value") == "beale"
    assert p.paths() == beale_paths
    p.page.go_forward()
    p.settle()
    assert p.state()["surface"] == "himmelblau"
    assert p.paths() == himmelblau_paths


HOSTILE = (
    "?surface=%3Cimg%20src%3Dx%20onerror%3D%22window.__xss%3D1%3Balert(1)%22%3E"
    "&start=javascript:alert(2)"
    "&runs=adam:lr=javascript:alert(3),label=%3Cscript%3Ealert(4)%3C%2Fscript%3E"
    "|sgd:label=%22%3E%3Cimg%20src%3Dy%20onerror%3Dalert(5)%3E,color=javascript:alert(6)"
    "|%3Csvg%20onload%3Dalert(7)%3E:lr=1"
    "&view=%3Ciframe%20src%3Djavascript:alert(8)%3E&lang=%22%3E%3Cb%3E&steps=1e999&speed=NaN"
    "&preset=%3Cscript%3Ealert(9)%3C%2Fscript%3E&expr=%3Cscript%3E"
)


def test_hostile_url_runs_no_script_and_falls_back_with_a_visible_notice(open_page):
    p = open_page(HOSTILE)
    p.to_end()
    assert p.dialogs == []
    assert p.js("window.__xss === undefined")
    assert p.page_errors == []
    # Nothing from the link became an element: the only scripts, images and frames are the page's own.
    assert p.js("document.querySelectorAll('script').length") == 2
    assert p.js("document.querySelectorAll('img, iframe, b, svg [onload]').length") == 0
    handlers = "[...document.querySelectorAll('*')].filter(e => [...e.attributes].some(a => a.name.startsWith('on')))"
    assert p.js(f"{handlers}.length") == 0
    # Every bad value fell back to its default...
    s = p.state()
    assert (s["surface"], s["view"], s["lang"], s["preset"]) == ("beale", "2d", "", "")
    assert [r["optimizer"] for r in s["runs"]] == ["adam", "sgd"]
    assert [r["label"] for r in s["runs"]] == ["", ""]
    assert s["runs"][0]["params"]["lr"] == 0.001 and s["runs"][1]["color"] is None
    # ...and the notice says so, showing the text as text.
    assert p.js("document.getElementById('notices').hidden") is False
    notice = p.js("document.getElementById('notices').textContent")
    assert "<img src=x" in notice and "javascript:alert(2)" in notice and "<script>alert(4)</script>" in notice
    assert "&lt;img" in p.js("document.getElementById('notice-list').innerHTML")
    # The page still works: it drew the paths of the cleaned state, and the new URL carries none of the input.
    assert len(p.plotted()) == 2
    href = p.js("decodeURIComponent(location.href)")
    assert "<" not in href and "javascript" not in href
    p.shot("hostile-url")


def test_label_with_separator_characters_survives_the_link(open_page):
    p = open_page("?surface=booth&runs=adam|sgd")
    label = 'a&b "quoted" %,|:= 中文'
    p.page.fill("#run0-label", label)
    p.page.press("#run0-label", "Enter")
    p.wait("window.__playground.state.runs[0].label !== ''", what="the label to be stored")
    assert p.state()["runs"][0]["label"] == label
    assert p.js("document.querySelector('#legend .legend-name').textContent") == label
    again = open_page(p.js("location.href").split("/", 3)[3])
    assert again.state()["runs"] == p.state()["runs"]


def test_link_with_a_formula_the_server_refuses_opens_the_default_with_a_notice(open_page):
    p = open_page("?surface=custom&expr=__import__('os').system('id')&xr=-2_2&yr=-2_2&runs=adam")
    assert p.dialogs == []
    s = p.state()
    assert s["surface"] == "beale" and s["preset"] == "contour"
    notice = p.js("document.getElementById('notice-list').textContent")
    assert "__import__('os').system('id')" in notice
    assert len(p.plotted()) == 6
    assert "expr" not in p.js("location.search")
