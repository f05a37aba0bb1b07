"""integration.py owns every change to Ultralytics: idempotent, fully undone by uninstall(), and the only place."""

import ast
import json
from pathlib import Path

import pytest

from helpers import MODEL_YAMLS, REPO, run_python

ROUND_TRIP = """
import json
import torch
import ultralytics.nn as unn
from torch.serialization import get_safe_globals
from ultralytics.nn import tasks
from ultralytics.utils.callbacks.base import default_callbacks

def state():
    # torch keeps the safe globals in a set: the order of get_safe_globals() may change when uninstall rebuilds it.
    return {
        "parse_model": tasks.parse_model, "alias": getattr(unn, "parse_model", None), "check_yaml": tasks.check_yaml,
        "load": tasks.BaseModel.__dict__["load"], "fuse": tasks.BaseModel.__dict__["fuse"],
        "torch_safe_load": tasks.torch_safe_load,
        "callbacks": {k: list(v) for k, v in default_callbacks.items()},
        "safe": set(get_safe_globals()), "names": sorted(k for k in vars(tasks) if "dsconv" in k.lower()
                                                           or k in ("ExpandConv", "DSConv", "ControlC2f")),
    }

def same(a, b):
    return {k: (a[k] == b[k] if k in ("callbacks", "safe", "names") else a[k] is b[k]) for k in a}

stock = state()
import yolo_dsconv
from yolo_dsconv import integration, registry
patched = state()
registry.install()
registry.install()
again = state()
yolo_dsconv.integration.uninstall()
restored = state()
registry.install()
d = tasks.DetectionModel(YAML_PATH, verbose=False)
print(json.dumps({
    "changed": {k: not v for k, v in same(stock, patched).items()},
    "idempotent": same(patched, again),
    "restored": same(stock, restored),
    "names": patched["names"],
    "reinstalled": type(d.model[10]).__name__,
}))
"""


def test_install_is_idempotent_and_uninstall_restores_every_original():
    code = ROUND_TRIP.replace("YAML_PATH", repr(str(MODEL_YAMLS / "yolov5n-dsconv.yaml")))
    out = json.loads(run_python(code, env={"YOLO_DSCONV_HOOK": "0"}).stdout.splitlines()[-1])
    assert out["changed"] == dict.fromkeys(out["changed"], True)  # each of the nine kinds of change happens
    assert out["idempotent"] == dict.fromkeys(out["idempotent"], True)
    assert out["restored"] == dict.fromkeys(out["restored"], True)
    assert out["names"] == ["ControlC2f", "DSConv", "ExpandConv", "_yolo_dsconv_base_modules"]
    assert out["reinstalled"] == "ExpandConv"


_MUTATORS = {"append", "extend", "insert", "setdefault", "update", "pop", "remove", "clear", "__setitem__"}


def ultralytics_mutations(source: str) -> list[str]:
    """Lines of `source` that assign to, delete or mutate in place an object reached from an Ultralytics import."""
    tree = ast.parse(source)
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names if a.name.split(".")[0] == "ultralytics"}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "ultralytics":
            names |= {a.asname or a.name for a in node.names}

    def rooted(expr) -> bool:
        while isinstance(expr, (ast.Attribute, ast.Subscript, ast.Call)):
            expr = expr.func if isinstance(expr, ast.Call) else expr.value
        return isinstance(expr, ast.Name) and expr.id in names

    hits = []
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, (ast.Assign, ast.Delete)):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        bad = any(isinstance(t, (ast.Attribute, ast.Subscript)) and rooted(t) for t in targets)
        if isinstance(node, ast.Call):
            f = node.func
            bad |= (
                isinstance(f, ast.Name) and f.id in {"setattr", "delattr"} and bool(node.args) and rooted(node.args[0])
            )
            bad |= isinstance(f, ast.Attribute) and f.attr in _MUTATORS and rooted(f.value)
        if bad:
            hits.append(f"{node.lineno}: {ast.unparse(node)[:100]}")
    return hits


@pytest.mark.parametrize(
    "snippet",
    [
        "from ultralytics.nn import tasks\ntasks.parse_model = None",
        "import ultralytics.nn.tasks\nultralytics.nn.tasks.BaseModel.load = None",
        "from ultralytics.nn import tasks\nsetattr(tasks, 'X', 1)",
        "from ultralytics.nn import tasks\ntasks.__dict__['X'] = 1",
        "from ultralytics.utils.callbacks.base import default_callbacks\ndefault_callbacks.setdefault('a', [])",
        "from ultralytics.nn import tasks as t\ndel t.X",
    ],
)
def test_the_scan_finds_each_kind_of_change(snippet):
    assert ultralytics_mutations(snippet)


def test_only_the_integration_module_changes_ultralytics():
    offenders = {
        str(path.relative_to(REPO)): hits
        for path in sorted((REPO / "yolo_dsconv").rglob("*.py"))
        if path.name != "integration.py" and (hits := ultralytics_mutations(path.read_text()))
    }
    assert offenders == {}
    assert ultralytics_mutations((REPO / "yolo_dsconv" / "integration.py").read_text())  # the scan sees its patches


def test_no_reference_outside_the_repository():
    cited = [
        str(p.relative_to(REPO))
        for p in [
            *REPO.glob("*.*"),
            *(REPO / "yolo_dsconv").rglob("*.py"),
            *(REPO / "tests").rglob("*.py"),
            *(REPO / "docs").rglob("*.md"),
        ]
        if p.is_file() and p != Path(__file__) and "DESIGN.md" in p.read_text(errors="ignore")
    ]
    assert cited == []
    assert (REPO / "docs" / "design.md").is_file()


FUSE = """
import json, torch
from ultralytics import YOLO
from yolo_dsconv import ExpandConv
from yolo_dsconv.bench.variants import randomise_bn
torch.manual_seed(0)
model = YOLO({cfg!r}).model.eval()
randomise_bn(model)
m = next(m for m in model.modules() if isinstance(m, ExpandConv))
out = []
m.register_forward_hook(lambda mod, a, y: out.append(y))
x = torch.rand(1, 3, 320, 320)
with torch.no_grad():
    model(x)
    model.fuse(verbose=False)
    model(x)
torch.testing.assert_close(out[1], out[0], rtol=1e-4, atol=1e-4)
print(json.dumps({{"merged": m.merged, "bn": any(isinstance(b, torch.nn.BatchNorm2d) for b in model.modules())}}))
"""


def test_model_fuse_merges_expandconv_branches_exactly():
    """`model.fuse()` (what predict, val and export call) folds the BatchNorms, then gives ExpandConv its merged
    eager form; the module's output stays the same. A fresh interpreter: the fuse patch comes with registration."""
    out = run_python(FUSE.format(cfg=str(MODEL_YAMLS / "yolov5n-dsconv.yaml")), env={"YOLO_DSCONV_HOOK": "0"})
    assert json.loads(out.stdout.splitlines()[-1]) == {"merged": True, "bn": False}
