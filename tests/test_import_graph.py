"""The package's imports point one way, down (scripts/import_graph.py, run as a program), and the CLI only parses and
prints."""

import ast
import json
import subprocess
import sys

from helpers import REPO


def graph(*root: str) -> dict:
    """scripts/import_graph.py's report of the package (or of the package folder `root`)."""
    cmd = [sys.executable, str(REPO / "scripts" / "import_graph.py"), "--json", *(("--root", *root) if root else ())]
    return json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)


def test_no_import_cycle_and_no_import_pointing_up():
    r = graph()
    assert (r["module_cycles"], r["unit_cycles"], r["imports_pointing_up"]) == ([], [], [])
    layer = r["unit_layers"]
    assert layer["cli"] == max(v for k, v in layer.items() if k != "__main__")  # only `python -m` sits above it
    assert layer["checks"] == 0 and layer["modules"] == 1  # the modules stand on the argument table alone
    assert layer["integration"] < layer["registry"] < layer["__init__"]


def test_the_analysis_finds_a_cycle_and_an_upward_import(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from . import a, sub\n")
    (pkg / "a.py").write_text("def f():\n    from .b import g\n")  # inside a function counts too
    (pkg / "b.py").write_text("from .a import f\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "c.py").write_text("from .. import a\nimport pkg\n")  # `import pkg`: the public API, above
    r = graph(str(pkg))
    assert r["module_cycles"] == [["pkg.a", "pkg.b"]]
    assert sorted(r["unit_cycles"]) == [["__init__", "sub"], ["a", "b"]]  # sub imports the API that imports it
    assert r["imports_pointing_up"] == ["__init__ -> sub", "a -> b", "b -> a", "sub -> __init__"]


def _writes(tree: ast.AST) -> list[str]:
    calls = (n for n in ast.walk(tree) if isinstance(n, ast.Call))
    names = (c.func.attr if isinstance(c.func, ast.Attribute) else getattr(c.func, "id", "") for c in calls)
    return [n for n in names if n in {"write_text", "write_bytes", "open", "DictWriter", "writer", "dump", "mkdir"}]


def test_the_cli_writes_no_files_itself():
    found = {p.name: w for p in (REPO / "yolo_dsconv" / "cli").glob("*.py") if (w := _writes(ast.parse(p.read_text())))}
    assert found == {}
    assert _writes(ast.parse("from pathlib import Path\nPath('x').write_text('y')\n")) == ["write_text"]
