"""The examples in app/'s docstrings run (pytest's --doctest-modules covers tests/ and optim_core/ only)."""

from __future__ import annotations

import doctest

import pytest

import app.cli
import app.config
import app.errors
import app.schemas


@pytest.mark.parametrize("module", [app.cli, app.config, app.errors, app.schemas], ids=lambda m: m.__name__)
def test_docstring_examples_run(module):
    result = doctest.testmod(module)
    assert result.attempted > 0
    assert result.failed == 0
