"""The variants table: the one list of built-in names, dispatched by name, never falling through to another."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from yolo_dsconv.compare import VARIANTS, CompareError, CompareSettings
from yolo_dsconv.compare import variants as variants_module
from yolo_dsconv.compare.variants import Kind, plan_variants

ROOT = Path(__file__).resolve().parents[2]


def test_every_variant_is_listed_where_users_read_the_names():
    from yolo_dsconv.cli.main import USAGE

    page = (ROOT / "docs" / "compare.md").read_text()
    usage = next(line for line in USAGE.splitlines() if line.strip().startswith("compare "))
    for name, kind in VARIANTS.items():
        assert f"- **{name}**: {kind.summary}." in page, name
        assert name in usage, name


def test_a_name_is_built_by_its_own_entry(monkeypatch, tmp_path):
    # A new entry is all a new built-in variant needs; what it builds is what the table says, for that name only.
    marker = "# built by the wide entry\n"
    wide = Kind("a test entry", lambda text, source, scale, init: text + marker)
    monkeypatch.setitem(VARIANTS, "wide", wide)
    planned = {v.name: v for v in plan_variants("yolov5n.yaml", ["stock", "wide"], tmp_path)}
    assert planned["wide"].text.endswith(marker) and not planned["stock"].text.endswith(marker)
    assert Path(planned["wide"].file).name == "yolov5-wide.yaml"
    assert CompareSettings(variants="stock,wide").variants == ("stock", "wide")


@pytest.mark.parametrize("name", ["dsconv2", "Control", "sparse ", "c2f"])
def test_an_unknown_name_is_refused_not_built_as_another(name, tmp_path):
    if name.strip() in VARIANTS:  # "sparse " is stripped: a user's comma string may carry spaces
        assert CompareSettings(variants=f"stock,{name}").variants == ("stock", name.strip())
        return
    with pytest.raises(
        CompareError, match=f"variant {name!r} is unknown, expected one of stock, dsconv, sparse, control"
    ):
        CompareSettings(variants=f"stock,{name}")
    with pytest.raises(FileNotFoundError, match=f"variant {name!r} is neither one of"):
        plan_variants("yolov5n.yaml", [name], tmp_path)
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize(
    "name,init,module",
    [("dsconv", "default", "ExpandConv"), ("sparse", "default", "ExpandConv"), ("control", "default", "C2f"),
     ("control", "identity", "ControlC2f"), ("stock", "identity", None)],
)  # fmt: skip
def test_each_entry_inserts_its_own_module(name, init, module):
    text = (Path(variants_module.resolve_model_yaml("yolov5n.yaml"))).read_text()
    rows = yaml.safe_load(VARIANTS[name].build(text, "yolov5n.yaml", "n", init))
    layers = [r[2] for r in rows["backbone"] + rows["head"]]
    base = yaml.safe_load(text)
    stock = [r[2] for r in base["backbone"] + base["head"]]
    if module is None:
        assert layers == stock
        return
    assert len(layers) == len(stock) + 1 and layers[layers.index("SPPF") + 1] == module
    if name == "sparse":
        assert rows["backbone"][layers.index("SPPF") + 1][3][4] is False  # dense=False
