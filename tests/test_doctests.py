"""The `>>>` examples in the package's docstrings run and give what they show, so they cannot go stale. classic.py's
example is a session in the classic YOLOv5 repository; its own tests run in that environment."""

import doctest
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "yolo_dsconv"
SKIP = {"yolo_dsconv.classic"}
MODULES = sorted(
    name
    for file in PACKAGE.rglob("*.py")
    if ">>> " in file.read_text()
    and (name := ".".join(file.relative_to(PACKAGE.parent).with_suffix("").parts)) not in SKIP
)


def test_the_examples_are_found():
    assert "yolo_dsconv.compare.convergence" in MODULES and "yolo_dsconv.compare.erf_study" in MODULES


@pytest.mark.parametrize("module", MODULES)
def test_the_examples_give_what_they_show(module):
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
