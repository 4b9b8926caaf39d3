"""Every line of every algorithm box becomes clean MathML: well-formed, no <merror>, no leaked LaTeX."""

from __future__ import annotations

import doctest
import json
import xml.etree.ElementTree as ET

import pytest

import app.mathml
from app.mathml import algorithm, to_mathml
from optim_core import OPTIMIZERS
from optim_core.algorithms import get_box

NS = "{http://www.w3.org/1998/Math/MathML}"
# What latex2mathml makes of the boxes' LaTeX; anything else (merror, a foreign element) fails the test.
ALLOWED = {"math", "mrow", "mi", "mo", "mn", "mtext", "mspace", "msub", "msup", "msubsup", "mfrac", "msqrt",
           "mover", "mstyle"}


def elements(mathml: str) -> list[ET.Element]:
    root = ET.fromstring(mathml)  # raises on malformed XML, as DOMParser would give a parsererror
    assert root.tag == NS + "math"
    return list(root.iter())


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_line_and_symbol_converts_to_clean_mathml(name, lang):
    box = algorithm(name, lang)
    texts = [line["mathml"] for line in box["lines"]]
    texts += [s["mathml"] for line in box["lines"] for s in line["symbols"]]
    texts.append(box["summary"]["mathml"])
    for mathml in texts:
        tags = {el.tag.removeprefix(NS) for el in elements(mathml)}
        assert "merror" not in tags
        assert tags <= ALLOWED, tags - ALLOWED
        text = "".join(el.text or "" for el in elements(mathml))
        assert "\\" not in text  # latex2mathml prints unknown commands and \_ inside \text verbatim


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_the_payload_keeps_the_box_data_beside_the_mathml(name):
    box = algorithm(name)
    assert json.loads(json.dumps(box)) == box
    lines = get_box(name).lines
    assert [line["latex"] for line in box["lines"]] == [line.latex for line in lines]
    assert [line["when"] for line in box["lines"]] == [dict(line.when) for line in lines]


def test_keywords_with_underscores_render_as_one_text():
    mathml = to_mathml(get_box("adam").lines[2].latex)  # ... amsgrad, maximize, decoupled_weight_decay
    text = "".join(el.text or "" for el in elements(mathml))
    assert "decoupled_weight_decay" in text


def test_the_chinese_box_reads_in_chinese():
    en, zh = algorithm("adam", "en"), algorithm("adam", "zh")
    assert "输入" in zh["lines"][0]["mathml"] and "input" in en["lines"][0]["mathml"]
    assert zh["derived"] == en["derived"] and zh["derived"]["denom"] == {"en": "the denominator of the step",
                                                                         "zh": "步长的分母"}


def test_conversion_is_cached():
    latex = get_box("sgd").lines[-2].latex
    assert to_mathml(latex) is to_mathml(latex)


def test_docstring_examples_run():
    result = doctest.testmod(app.mathml)
    assert result.attempted > 0 and result.failed == 0
