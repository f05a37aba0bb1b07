"""The house rules #47 set, measured on the package's source: narrow functions and one place for argument checks."""

from __future__ import annotations

import ast
import re

from helpers import REPO

PACKAGE = REPO / "yolo_dsconv"
MOST_PARAMETERS = 8
IDIOM = re.compile(
    r"isinstance\((\w+), bool\) or not isinstance\(|isinstance\((\w+), [^)]+\) and not isinstance\(\w+, bool\)"
)


def parameters(tree: ast.AST) -> dict[str, int]:
    """Each function's parameter count (self and cls left out; *args and **kwargs count one each)."""
    out = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            a = node.args
            names = [x.arg for x in a.posonlyargs + a.args + a.kwonlyargs if x.arg not in ("self", "cls")]
            out[node.name] = len(names) + (a.vararg is not None) + (a.kwarg is not None)
    return out


def test_no_package_function_takes_more_than_8_parameters():
    wide = {
        f"{path.relative_to(PACKAGE)}:{name}": n
        for path in PACKAGE.rglob("*.py")
        for name, n in parameters(ast.parse(path.read_text())).items()
        if n > MOST_PARAMETERS
    }
    assert wide == {}
    assert parameters(ast.parse("def f(a, b, *c, d=1, **e): pass\nclass A:\n    def g(self, x): pass")) == {
        "f": 5,
        "g": 1,
    }


def test_the_bool_excluding_number_check_is_written_in_one_place():
    found = [f"{p.relative_to(PACKAGE)}" for p in PACKAGE.rglob("*.py") for _ in IDIOM.finditer(p.read_text())]
    assert len(found) <= 3 and set(found) <= {"checks.py"}, found
    assert IDIOM.search("if isinstance(x, bool) or not isinstance(x, int):")


def test_no_test_imports_from_scripts():
    reach = re.compile(r"(sys\.path\.(insert|append)|run_path)\([^)\n]*scripts")
    found = [
        p.name for p in (REPO / "tests").rglob("*.py") if p.name != "test_code_shape.py" and reach.search(p.read_text())
    ]
    assert found == []
    assert reach.search('sys.path.insert(0, str(REPO / "scripts"))') and reach.search("runpy.run_path('scripts/x.py')")
