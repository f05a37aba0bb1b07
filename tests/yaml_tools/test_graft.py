"""graft: renumbering, re-pointing, channel choice, shipped configs, bad input."""

import hashlib
import re

import pytest
import torch
import yaml
from ultralytics.nn.tasks import DetectionModel

from helpers import MODEL_YAMLS
from yolo_dsconv import ExpandConv, GraftError, graft, graft_file
from yolo_dsconv.cli.main import main
from yolo_dsconv.yaml_tools import graft_text, resolve_model_yaml

FAMILIES = ["yolov5", "yolov8", "yolo11"]


def rows(d):
    return d["backbone"] + d["head"]


def build(d, scale):
    d = dict(d, scale=scale)
    torch.manual_seed(0)
    return DetectionModel(d, verbose=False)


def feats(model, x):
    model.train()
    return [tuple(f.shape) for f in model(x)["feats"]]


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("scale", ["n", "s"])
def test_graft_builds_with_stock_output_shapes(family, scale):
    stock_d = yaml.safe_load(resolve_model_yaml(f"{family}.yaml").read_text())
    new_d = graft(f"{family}{scale}.yaml")
    stock, new = build(stock_d, scale), build(new_d, scale)
    x = torch.randn(1, 3, 128, 96)
    assert feats(new, x) == feats(stock, x)
    p = new_d["dsconv_inserted"]
    assert p == [10] and isinstance(new.model[10], ExpandConv)
    # the new layer's output reaches the head: some later layer reads it
    readers = [
        m.i
        for m in new.model[11:]
        if (m.f == -1 and m.i == 11) or (isinstance(m.f, list) and 10 in [m.i + j if j < 0 else j for j in m.f])
    ]
    assert readers, "nothing reads the inserted layer"
    # every renumbered index points at the layer type it pointed at before (or at ExpandConv where SPPF was read)
    old_rows, new_rows = rows(stock_d), rows(new_d)
    assert len(new_rows) == len(old_rows) + 1
    for i, (old, nw) in enumerate(zip(old_rows[10:], new_rows[11:]), start=10):
        olds = old[0] if isinstance(old[0], list) else [old[0]]
        news = nw[0] if isinstance(nw[0], list) else [nw[0]]
        for a, b in zip(olds, news):
            ta = old_rows[i + a if a < 0 else a][2]
            tb = new_rows[i + 1 + b if b < 0 else b][2]
            assert tb == ta or (ta == "SPPF" and tb == "ExpandConv"), (family, i, a, b, ta, tb)


def test_yolov8_p5_concat_repointed_from_sppf_to_expandconv():
    d = graft("yolov8.yaml")
    assert rows(d)[21][0] == [-1, 10] and rows(d)[10][2] == "ExpandConv" and rows(d)[9][2] == "SPPF"


def test_yolo11_c2psa_constraint_kept():
    d = graft("yolo11.yaml")
    assert rows(d)[10] == [-1, 1, "ExpandConv", [1024]] and rows(d)[11][2] == "C2PSA"
    with pytest.raises(GraftError, match=r"^graft: the grafted YAML does not build: AssertionError: "):
        graft_file("yolo11.yaml", out="/tmp/never.yaml", args=[512], overwrite=True)


@pytest.mark.parametrize("family", FAMILIES)
def test_shipped_configs_are_reproduced_by_graft(family):
    stock = resolve_model_yaml(f"{family}.yaml")
    shipped = MODEL_YAMLS / f"{family}-dsconv.yaml"
    assert graft_text(stock.read_text(), source=stock.name).text == shipped.read_text()
    a = DetectionModel(graft(f"{family}n.yaml") | {"scale": "n"}, verbose=False)
    b = DetectionModel(str(MODEL_YAMLS / f"{family}n-dsconv.yaml"), verbose=False)
    assert [(m.type, m.f, m.np) for m in a.model] == [(m.type, m.f, m.np) for m in b.model]


def test_scales_and_comments_kept_and_index_comments_renumbered():
    text = graft_text(resolve_model_yaml("yolov8.yaml").read_text(), source="yolov8.yaml").text
    assert "# cat backbone P4" in text and "n: [0.33, 0.25, 1024]" in text
    assert re.search(r"C2f, \[512\]\] # 13$", text, re.M) and re.search(r"# 22 \(P5/32-large\)$", text, re.M)


def test_stacking_and_relative_indices():
    d = {
        "nc": 2,
        "backbone": [
            [-1, 1, "Conv", [16, 3, 2]],
            [-1, 1, "Conv", [32, 3, 2]],
            [-1, 1, "SPPF", [32, 5]],
            [-1, 1, "Conv", [32, 1]],
            [[-3, -1], 1, "Concat", [1]],
        ],
        "head": [[[1, 4], 1, "Detect", ["nc"]]],
    }
    g = graft(d)
    assert rows(g)[5][0] == [-4, -1]  # -3 reached layer 1 before; one step longer now
    assert g["dsconv_inserted"] == [3]
    with pytest.raises(GraftError, match="already contains ExpandConv at \\[3\\]"):
        graft(g)
    g2 = graft(g, after=3, stack=True)
    assert [r[2] for r in rows(g2)][:5] == ["Conv", "Conv", "SPPF", "ExpandConv", "ExpandConv"]
    assert g2["dsconv_inserted"] == [3, 4]
    DetectionModel(g2, verbose=False)
    stacked = graft_text(graft_text(resolve_model_yaml("yolov8.yaml").read_text()).text, after=10, stack=True).text
    assert stacked.count("dsconv_inserted:") == 1 and "dsconv_inserted: [10, 11]" in stacked
    assert stacked.count("indices of grafted layers") == 1


@pytest.mark.parametrize(
    "kwargs,word",
    [
        ({"model": "yolov8.yaml", "after": "SPP"}, "no SPP layer in yolov8.yaml; layer types there: Conv, C2f, SPPF"),
        ({"model": "yolov8.yaml", "module": "Nonexistent"}, "module='Nonexistent' is unknown"),
        ({"model": "yolov8.yaml", "after": 99}, "after=99 is out of range"),
        ({"model": "nothere.yaml"}, "neither an existing file nor a YAML shipped"),
        ({"model": "yolov8.yaml", "args": "1024"}, "args='1024' is invalid"),
    ],
)
def test_bad_input_errors(kwargs, word):
    with pytest.raises(GraftError, match=re.escape(word)):
        graft(**kwargs)


def test_ambiguous_anchor_and_unreadable_yaml(tmp_path):
    two = tmp_path / "two.yaml"
    two.write_text(
        yaml.safe_dump(
            {
                "nc": 1,
                "backbone": [[-1, 1, "SPPF", [8, 5]], [-1, 1, "SPPF", [8, 5]]],
                "head": [[[1], 1, "Detect", ["nc"]]],
            }
        )
    )
    with pytest.raises(GraftError, match=r"anchor SPPF is ambiguous, it occurs at layers \[0, 1\]"):
        graft(two)
    bad = tmp_path / "bad.yaml"
    bad.write_text("backbone: [[-1, 1, Conv\n")
    with pytest.raises(GraftError, match="not readable YAML"):
        graft(bad)


def test_never_overwrites_input_or_existing_files(tmp_path):
    src = tmp_path / "mine.yaml"
    src.write_text(resolve_model_yaml("yolov5.yaml").read_text())
    digest = hashlib.sha256(src.read_bytes()).hexdigest()
    with pytest.raises(GraftError, match="is the input file"):
        graft_file(src, out=src)
    out, _ = graft_file(src, out=tmp_path / "g.yaml")
    with pytest.raises(GraftError, match="exists; pass overwrite=True"):
        graft_file(src, out=out)
    with pytest.raises(GraftError):
        graft_file(src, out=tmp_path / "x.yaml", after="Nope")
    with pytest.raises(GraftError, match=r"^graft: zebra= is not a graft setting, expected one of after, module, args, "
                       r"stack, init$"):  # fmt: skip
        graft_file(src, out=tmp_path / "x.yaml", zebra=1, stack=True)
    assert not (tmp_path / "x.yaml").exists()
    assert hashlib.sha256(src.read_bytes()).hexdigest() == digest


def test_cli_graft_reports_changes(tmp_path, capsys):
    assert main(["graft", "model=yolov8s.yaml", f"out={tmp_path / 'v8.yaml'}"]) == 0
    out = capsys.readouterr().out
    assert "from 9 (SPPF) re-pointed to 10 (ExpandConv)" in out and "5 index change(s)" in out
    assert main(["graft", "model=yolov8s.yaml", "after=SPP"]) == 2
    assert "no SPP layer" in capsys.readouterr().err


def _sppf_yamls():
    import ultralytics

    root = resolve_model_yaml("yolov8.yaml").parents[1]
    assert root.name == "models" and ultralytics.__version__
    return sorted(p for p in root.glob("*/*.yaml") if "SPPF" in p.read_text())


@pytest.mark.slow
@pytest.mark.parametrize("path", _sppf_yamls(), ids=lambda p: p.name)
def test_every_sppf_family_grafts_and_builds(path, tmp_path):
    _, result = graft_file(path, out=tmp_path / path.name.replace(".yaml", "-dsconv.yaml"))  # build-checked
    assert result.data["dsconv_inserted"] == [result.index] and rows(result.data)[result.index][2] == "ExpandConv"


TASK_CONFIGS = [f"{family}-{task}" for family in ("yolov8", "yolo11") for task in ("seg", "pose", "obb")]


@pytest.mark.parametrize("base", TASK_CONFIGS)
def test_shipped_task_configs_are_reproduced_by_graft_and_build_by_bare_name(base):
    from ultralytics import YOLO

    stock = resolve_model_yaml(f"{base}.yaml")
    shipped = MODEL_YAMLS / f"{base}-dsconv.yaml"
    assert graft_text(stock.read_text(), source=stock.name).text == shipped.read_text()
    scaled = base.replace("-", "n-", 1)  # yolov8n-seg
    a, b = YOLO(f"{scaled}.yaml"), YOLO(f"{scaled}-dsconv.yaml")  # the dsconv name is found in the package
    assert b.task == a.task != "detect" and type(b.model) is type(a.model)
    assert isinstance(b.model.model[10], ExpandConv) and len(b.model.model) == len(a.model.model) + 1
    assert type(b.model.model[-1]) is type(a.model.model[-1])
    x = torch.rand(1, 3, 64, 64)
    a.model.eval(), b.model.eval()
    with torch.no_grad():
        shapes_a = [t.shape for t in torch.utils._pytree.tree_leaves(a.model(x))]
        shapes_b = [t.shape for t in torch.utils._pytree.tree_leaves(b.model(x))]
    assert shapes_a == shapes_b


def test_graft_of_a_dict_keeps_every_key_in_order():
    src = yaml.safe_load(resolve_model_yaml("yolov8.yaml").read_text())
    out = graft(src)
    assert list(out) == [*src, "dsconv_inserted"]
    assert out["scales"] == src["scales"] and list(out["scales"]) == ["n", "s", "m", "l", "x"]
    assert out["backbone"][:10] == src["backbone"] and out["nc"] == src["nc"]


def test_graft_file_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out, _ = graft_file("yolov8s.yaml")  # default out: <base without scale>-dsconv.yaml in the working directory
    assert (
        out == tmp_path / "yolov8-dsconv.yaml" and out.read_text() == (MODEL_YAMLS / "yolov8-dsconv.yaml").read_text()
    )
    with pytest.raises(GraftError, match=r"already contains ExpandConv at \[10\]; pass stack=True"):
        graft_file(out, out=tmp_path / "twice.yaml")  # stack is off by default
    expected = f"graft: out={str(out)!r} is the input file; choose another path (the input is never overwritten)"
    with pytest.raises(GraftError, match=f"^{re.escape(expected)}$"):
        graft_file(out, out=out, stack=True)


def test_graft_file_builds_quietly_at_the_first_scale_and_makes_folders(tmp_path, capfd):
    out, result = graft_file("yolov8s.yaml", out=tmp_path / "a" / "b" / "yolov8-dsconv.yaml")
    assert out.is_file() and result.index == 10
    printed = capfd.readouterr()
    assert "Assuming scale" not in printed.out + printed.err  # the build check names its file with a scale letter
    assert "GFLOPs" not in printed.out + printed.err  # and prints no model summary
    _, again = graft_file(out, out=tmp_path / "stacked.yaml", stack=True)
    assert again.data["dsconv_inserted"] == [10, 11]


def test_graft_file_of_a_yaml_without_scales(tmp_path):
    src = tmp_path / "plain.yaml"
    rows_text = "  - [-1, 1, Conv, [16, 3, 2]]\n  - [-1, 1, SPPF, [16, 5]]\nhead:\n  - [[1], 1, Detect, [nc]]\n"
    src.write_text("nc: 2\nbackbone:\n" + rows_text)
    _, result = graft_file(src, out=tmp_path / "plain-dsconv.yaml")
    assert [row[2] for row in rows(result.data)] == ["Conv", "SPPF", "ExpandConv", "Detect"]
    assert rows(result.data)[3][0] == [2]  # Detect read SPPF directly: re-pointed onto the new layer


def test_rtdetr_yaml_is_build_checked_as_rtdetr(tmp_path):
    out, result = graft_file("yolov8-rtdetr.yaml", out=tmp_path / "yolov8-rtdetr-dsconv.yaml")
    assert rows(result.data)[result.index][2] == "ExpandConv" and out.is_file()


def test_errors_of_a_dict_graft_name_the_dict():
    with pytest.raises(GraftError, match=r"^graft: no SPPF layer in a model dict; layer types there: Conv, Detect$"):
        graft({"nc": 1, "backbone": [[-1, 1, "Conv", [8, 3, 2]]], "head": [[[0], 1, "Detect", ["nc"]]]})


HAND = """nc: 2
backbone:
  - [-1, 1, Conv, [16, 3, 2]] # 0
  - [-1, 1, SPPF, [16, 5]] # 1
  - [-1, 1, Conv, [16, 1]] # 2
head:
  - [ 1, 1, Conv, [16, 1]] # 3
  - [  [-1, -3, 2],  1, Concat, [1]] # 4
  - [3, 1, Conv, [8, 1]] # 5
  - [[-1, -6, 0], 1, Concat, [1]] # 6
  - [[6, 4], 1, Detect, [nc]] # 7
"""


def test_every_kind_of_from_index_is_rewritten_in_place():
    """Absolute ints (with spaces), lists (with spaces), relative reaches to the anchor, across it and to layer 0."""
    result = graft_text(HAND, source="hand.yaml")
    lines = result.text.splitlines()
    start = lines.index("  - [-1, 1, ExpandConv, [16]] # 2 (yolo-dsconv: inserted after SPPF 1)")
    assert lines[start : start + 8] == [
        "  - [-1, 1, ExpandConv, [16]] # 2 (yolo-dsconv: inserted after SPPF 1)",
        "  - [-1, 1, Conv, [16, 1]] # 3",
        "head:",
        "  - [ 2, 1, Conv, [16, 1]] # 4",
        "  - [  [-1, -3, 3],  1, Concat, [1]] # 5",
        "  - [4, 1, Conv, [8, 1]] # 6",
        "  - [[-1, -7, 0], 1, Concat, [1]] # 7",
        "  - [[7, 5], 1, Detect, [nc]] # 8",
    ]
    assert result.changes == [
        "layer 3->4 (Conv): from 1 (SPPF) re-pointed to 2 (ExpandConv)",
        "layer 4->5 (Concat): relative from -3 now reads 2 (ExpandConv) instead of 1 (SPPF)",
        "layer 4->5 (Concat): from 2 -> 3",
        "layer 5->6 (Conv): from 3 -> 4",
        "layer 6->7 (Concat): relative from -6 -> -7 (still layer 0, Conv)",
        "layer 7->8 (Detect): from 6 -> 7",
        "layer 7->8 (Detect): from 4 -> 5",
    ]
    after_first = graft_text(HAND, after=0, source="hand.yaml")  # an anchor at layer 0, read absolutely by layer 6
    assert "  - [[-1, -6, 1], 1, Concat, [1]] # 7" in after_first.text.splitlines()
    assert "layer 6->7 (Concat): from 0 (Conv) re-pointed to 1 (ExpandConv)" in after_first.changes


def test_long_args_stay_on_the_inserted_row():
    args = [16, list(range(3, 61, 2))]  # longer than any default line width
    row = next(ln for ln in graft_text(HAND, args=args).text.splitlines() if "ExpandConv" in ln and "- [" in ln)
    assert row.startswith("  - [-1, 1, ExpandConv, [16, [3, 5, 7, ") and row.endswith(
        "] # 2 (yolo-dsconv: inserted after SPPF 1)"
    )


@pytest.mark.parametrize(
    "text,message",
    [
        (HAND.replace("[ 1, 1, Conv", "[x, 1, Conv"), "graft: layer 3 has a non-integer from index 'x'"),
        (
            HAND.replace("[3, 1, Conv, [8, 1]]", "[3, 1, Conv]"),
            "graft: the YAML has no backbone/head rows of the form [from, n, module, args]",
        ),
        (
            HAND.replace("  - [3, 1, Conv, [8, 1]]", "  -\n    [3, 1, Conv, [8, 1]]"),
            "graft: found 7 one-line layer rows but the YAML has 8 layers; "
            "expected one `- [from, n, module, args]` row per line",
        ),
    ],
)
def test_malformed_rows_are_refused_in_full(text, message):
    with pytest.raises(GraftError, match=f"^{re.escape(message)}$"):
        graft_text(text)


@pytest.mark.parametrize(
    "text,kwargs,message",
    [
        ("backbone: [[-1, 1, Conv", {}, "graft: the input is not readable YAML: "),
        ("backbone: [[-1, 1, Conv", {"source": "x.yaml"}, "graft: x.yaml is not readable YAML: "),
        ("- 1\n", {}, "graft: the input is not a model YAML (expected a mapping with backbone and head)"),
        (HAND, {"after": 1.5}, "graft: after=1.5 is invalid, expected a layer type name or an index"),
        (HAND, {"after": True}, "graft: after=True is invalid, expected a layer type name or an index"),
        (HAND, {"after": 7}, "graft: after=7 is out of range, expected 0..6 (the last layer is the head)"),
        (HAND, {"after": "-1"}, "graft: after=-1 is out of range, expected 0..6 (the last layer is the head)"),
        (HAND, {"after": "SPP"}, "graft: no SPP layer in the YAML; layer types there: Conv, SPPF, Concat, Detect"),
        (
            HAND.replace("[3, 1, Conv, [8, 1]]", "[3, 1, Conv, [nc]]"),
            {"after": 5},
            "graft: cannot infer the channels of anchor Conv (args ['nc']); pass args=[c2, ...]",
        ),
        (
            HAND.replace("[3, 1, Conv, [8, 1]]", "[3, 1, Conv, []]"),
            {"after": 5},
            "graft: cannot infer the channels of anchor Conv (args []); pass args=[c2, ...]",
        ),
    ],
)
def test_bad_graft_arguments_are_refused_in_full(text, kwargs, message):
    with pytest.raises(GraftError, match=f"^{re.escape(message)}"):
        graft_text(text, **kwargs)


def test_anchor_by_index_string_and_the_last_body_layer():
    assert graft_text(HAND, after="2").index == 3  # an index given as text, as the CLI passes it
    assert graft_text(HAND, after=6).index == 7  # the last layer before the head is a valid anchor
    once = graft_text(HAND).text
    with pytest.raises(GraftError, match=r"^graft: the YAML already contains ExpandConv at \[2\]; pass stack=True"):
        graft_text(once)


def test_stacked_grafts_renumber_the_record_and_the_header_names_the_source():
    once = graft_text(HAND)
    assert (once.index, once.anchor) == (2, 1)
    assert once.text.splitlines()[0] == (
        "# yolo-dsconv graft of a model YAML: ExpandConv inserted at 2 after SPPF (1); 7 index change(s):"
    )
    before = graft_text(once.text, after=0, stack=True)  # a second layer in front of the first
    assert before.data["dsconv_inserted"] == [1, 3]
    at = graft_text(once.text, after=1, stack=True)  # right after SPPF again: the first one moves to 3
    assert at.data["dsconv_inserted"] == [2, 3]


def test_only_the_index_comment_is_renumbered():
    text = HAND.replace("[3, 1, Conv, [8, 1]] # 5", "[3, 1, Conv, [8, 1]] # 5 (as in # 5)")
    assert "  - [4, 1, Conv, [8, 1]] # 6 (as in # 5)" in graft_text(text).text.splitlines()


def test_graft_module_names_the_parser_knows():
    assert rows(graft_text(HAND, module="nn.Identity").data)[2] == [-1, 1, "nn.Identity", [16]]
    assert rows(graft_text(HAND, module="DSConv").data)[2][2] == "DSConv"
    for module in ("Nonexistent", "nn", 5, "Expand Conv"):
        expected = (
            f"graft: module={module!r} is unknown to the Ultralytics parser; "
            "register it with yolo_dsconv.register_module first"
        )
        with pytest.raises(GraftError, match=f"^{re.escape(expected)}$"):
            graft_text(HAND, module=module)


def test_graft_of_a_dict_uses_the_args_given():
    d = yaml.safe_load(resolve_model_yaml("yolov5.yaml").read_text())
    out = graft(d, args=[1024, [3, 5], None, 0.25])
    assert out["backbone"][10] == [-1, 1, "ExpandConv", [1024, [3, 5], None, 0.25]]


def test_graft_of_a_path_passes_stack_on(tmp_path):
    once = tmp_path / "yolov8-once.yaml"
    once.write_text(graft_text(resolve_model_yaml("yolov8.yaml").read_text()).text)
    with pytest.raises(GraftError, match=r"already contains ExpandConv at \[10\]; pass stack=True"):
        graft(once, after=10)
    twice = graft(once, after=10, stack=True)
    assert [r[2] for r in twice["backbone"] + twice["head"]].count("ExpandConv") == 2


def test_an_anchor_name_that_is_not_a_number_is_a_layer_type():
    text = resolve_model_yaml("yolov5.yaml").read_text()
    with pytest.raises(GraftError, match="no X5 layer in"):
        graft_text(text, after="X5")


def test_torch_and_torchvision_modules_are_left_to_the_parser():
    text = resolve_model_yaml("yolov5.yaml").read_text()
    for module in ("nn.Identity", "torchvision.ops.Permute"):
        out = graft_text(text, module=module, args=[[0, 1, 2, 3]])
        assert (out.data["backbone"] + out.data["head"])[10][2] == module


CLASSIC = """nc: 4
depth_multiple: 0.33
width_multiple: 0.25
anchors:
  - [10,13, 16,30, 33,23]  # P3/8
backbone:
  [[-1, 1, Conv, [64, 6, 2, 2]],  # 0
   [-1, 1, SPPF, [64, 5]],  # 1
  ]
head:
  [[-1, 1, Conv, [32, 1, 1]],
   [[-1, 1], 1, Concat, [1]],  # 3
   [[3], 1, Detect, [nc, anchors]],
  ]
"""


def test_classic_flow_rows_are_grafted_in_place():
    from yolo_dsconv.yaml_tools import is_classic

    r = graft_text(CLASSIC, source="mini.yaml")
    lines = r.text.splitlines()
    assert "   [-1, 1, ExpandConv, [64]],  # 2 (yolo-dsconv: inserted after SPPF 1)" in lines
    assert "   [[-1, 2], 1, Concat, [1]],  # 4" in lines and "   [[4], 1, Detect, [nc, anchors]]," in lines
    assert is_classic(r.data) and not is_classic(yaml.safe_load(HAND))
    assert (
        '# Needs the yolo-dsconv package (pip install yolo-dsconv); classic YOLOv5 format (README, "Classic YOLOv5").'
        in lines
    )
    assert not is_classic({**r.data, "scales": {"n": [0.33, 0.25, 1024]}})  # anchors with scales: not one file a scale
    assert [row[2] for row in r.data["backbone"] + r.data["head"]] == ["Conv", "SPPF", "ExpandConv", "Conv", "Concat",
                                                                       "Detect"]  # fmt: skip
    assert r.data["dsconv_inserted"] == [2] and r.data["anchors"] == [[10, 13, 16, 30, 33, 23]]
    closed = CLASSIC.replace("   [-1, 1, SPPF, [64, 5]],  # 1\n  ]", "   [-1, 1, SPPF, [64, 5]]]  # 1")
    with pytest.raises(GraftError, match=r"^graft: the SPPF row closes its list on its line; put the list's `\]`"):
        graft_text(closed)
    split = CLASSIC.replace("   [-1, 1, SPPF, [64, 5]],", "   [-1, 1, SPPF,\n    [64, 5]],")
    with pytest.raises(GraftError, match=r"expected one `\[from, n, module, args\],` row per line$"):
        graft_text(split)


@pytest.mark.parametrize(
    ("model", "built"), [("yolov8s.yaml", "yolov8s-dsconv.yaml"), ("yolov8.yaml", "yolov8n-dsconv.yaml")]
)
def test_the_check_build_is_at_the_input_scale_or_else_the_first(model, built, monkeypatch, tmp_path):
    import ultralytics

    names = []
    monkeypatch.setattr(ultralytics, "YOLO", lambda path: names.append(path.name))  # records what the check builds
    graft_file(model, out=tmp_path / "x.yaml")
    assert names == [built]  # a scaled name, as `yolo train model=<name>` reads it; no "no model scale passed"


def test_comments_holding_hashes_and_brackets_change_nothing():
    odd = graft_text(HAND.replace("# 3\n", "# 3 [see #1, ]]\n").replace("# 1\n", "# 1 [k #5\n"))
    plain = graft_text(HAND)
    assert (odd.data, odd.changes) == (plain.data, plain.changes)
    odd = graft_text(CLASSIC.replace("# 1", "# 1 ]] #5", 1))  # not a list closing on the SPPF row's line
    assert odd.data == graft_text(CLASSIC).data
