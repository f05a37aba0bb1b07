"""The export matrix's own logic (yolo_dsconv/deploy; `make exports` runs it in its own environment): the
baked-pruning and undilated models it times against full kernels, its parity measure, its tables and its steps."""

import copy

import numpy as np
import pytest
import torch
from torch import nn

from yolo_dsconv import ExpandConv, TapPrunedConv2d, set_pruning
from yolo_dsconv.deploy import MergedForm, bake_pruning, merge_forms, ops_change, rel_err, undilate, write_tables
from yolo_dsconv.modules.fuse import fuse_conv_bn


def p5_model() -> torch.nn.Module:
    """A stride-32 stem then a fused ExpandConv with random BatchNorm statistics: P5 of a YOLO at any input size."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 32, 32, 32), ExpandConv(32, 32)).eval()
    for bn in (m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)):
        bn.running_mean.uniform_(-1, 1)
        bn.running_var.uniform_(0.5, 2)
        bn.weight.data.uniform_(0.5, 1.5)
    fuse_conv_bn(model)
    return model


def test_baked_pruning_is_exact_at_its_size_and_only_there():
    model = p5_model()
    baked = bake_pruning(copy.deepcopy(model), 224)  # P5 7×7: d=5 keeps 3 taps, d=7 and d=9 keep 1
    dilated = {m.dilation[0]: m.kernel_size for m in baked.modules() if isinstance(m, nn.Conv2d) and m.dilation[0] > 1}
    assert dilated == {5: (3, 3), 7: (1, 1), 9: (1, 1)}
    assert not any(isinstance(m, TapPrunedConv2d) and m.dilation[0] > 1 for m in baked.modules())
    full = set_pruning(copy.deepcopy(model), False)
    with torch.no_grad():
        x = torch.rand(2, 3, 224, 224)
        torch.testing.assert_close(baked(x), full(x))
        x = torch.rand(1, 3, 320, 320)  # P5 10×10: the baked kernels now miss taps that reach the map
        with pytest.raises(AssertionError, match="not close"):
            torch.testing.assert_close(baked(x), full(x))


def test_rel_err_scales_boxes_and_scores_separately():
    e = np.zeros((1, 6, 3), np.float32)
    e[:, :4], e[:, 4:] = 100.0, 0.5
    a = e.copy()
    a[0, 0, 0] += 1.0  # 1 px on a 100 px scale
    a[0, 5, 2] -= 0.05  # 0.05 on a 0.5 scale
    assert rel_err(a, e) == pytest.approx({"box": 0.01, "cls": 0.1})
    assert rel_err(a[:, :, :2], e) == {"shape": [1, 6, 2]}


def test_ops_change_names_the_operator_types_only_dsconv_has():
    stock, dsconv = {"Conv2D": 60, "MaxPool": 3}, {"Conv2D": 70, "MaxPool": 3, "SpaceToBatchND": 3}
    assert ops_change(stock, dsconv) == "63 → 76 (SpaceToBatchND 3)"
    assert ops_change(stock, stock) == "63 → 63"
    assert ops_change(None, dsconv) == "-"


def test_table_rows_carry_ratios_and_the_per_runtime_limit(tmp_path):
    ok = {"ok": True, "ops": {"Conv": 2}}
    row = {
        "family": "yolov5n",
        "imgsz": 320,
        "format": "openvino",
        "gflops_ratio": {"pruned": 1.01, "full": 1.029},
        "export": {"stock": ok, "dsconv": {"ok": True, "ops": {"Conv": 3}}, "dsconv-baked": ok},
        "openvino": {
            "parity": {},
            "medians": {"stock": 2.0, "dsconv": 2.2, "dsconv-baked": 1.1, "dsconv-undilated": 1.76},
            "merged": {"medians": {"dsconv": 2.0, "dsconv-merged": 1.9}, "parity": {"dsconv-merged": {"box": 2e-6}}},
        },
        "openvino-f32": {
            "parity": {"stock": {"box": 1e-6, "cls": 2e-6}, "dsconv": {"box": 3e-6, "cls": 4e-6}},
            "medians": {},
        },
    }
    write_tables([row], tmp_path / "m")
    lines = (tmp_path / "m.md").read_text().splitlines()
    assert lines[2] == (
        "| yolov5n | 320 | openvino | ok / ok | fails | fails | 1.100 | 1.049 | 0.500 | 1.250 | 0.950 (2e-06) | 2 → 3 |"
    )
    assert lines[3] == (
        "| yolov5n | 320 | openvino-f32 | ok / ok | 1.0e-06 / 2.0e-06 | 3.0e-06 / 4.0e-06 "
        "| - | 1.049 | - | - | - | 2 → 3 |"
    )
    # the explanation table: one line per runtime with medians, dsconv/stock = dilation × structure
    assert lines[-1] == "| openvino | 1/1 | 1.100–1.100 | 1.250–1.250 | 0.880–0.880 | 1.029–1.029 | 0.950–0.950 |"
    assert lines[-2].startswith("|---|")


def test_undilated_control_is_the_same_module_built_with_dilation_one():
    model = p5_model()
    undilated = undilate(copy.deepcopy(model))
    reference = torch.nn.Sequential(torch.nn.Conv2d(3, 32, 32, 32), ExpandConv(32, 32, d=1)).eval()
    fuse_conv_bn(reference)
    reference.load_state_dict(model.state_dict())
    assert undilated[1].d == (1, 1, 1) and {m.dilation for m in undilated.modules() if isinstance(m, nn.Conv2d)} == {
        (1, 1)
    }
    assert [p.shape for p in undilated.parameters()] == [p.shape for p in model.parameters()]
    with torch.no_grad():
        x = torch.rand(2, 3, 320, 320)
        torch.testing.assert_close(undilated(x), reference(x))
        assert not torch.allclose(undilated(x), model(x))


def test_merged_form_model_is_exact_and_traces_to_the_merged_graph():
    from ultralytics import YOLO

    torch.manual_seed(0)
    model = YOLO("yolov5n-dsconv.yaml").model.eval()
    for bn in (m for m in model.modules() if isinstance(m, nn.BatchNorm2d)):
        bn.running_var.uniform_(0.5, 2)
    model = model.fuse(verbose=False)
    merged = merge_forms(copy.deepcopy(model))
    layer = next(m for m in merged.model if isinstance(m, MergedForm))
    original = next(m for m in model.model if isinstance(m, ExpandConv))
    assert (layer.f, layer.i, layer.type) == (original.f, original.i, original.type)
    assert not any(isinstance(m, ExpandConv) for m in merged.modules())
    x = torch.rand(1, 3, 96, 96)
    model.model[-1].export = merged.model[-1].export = True  # the head's export output, as the exporters set it
    with torch.no_grad():
        torch.testing.assert_close(merged(x)[0], model(x)[0], rtol=1e-4, atol=1e-4)
        traced = torch.jit.trace(merged, x, strict=False)
        torch.testing.assert_close(traced(x)[0], model(x)[0], rtol=1e-4, atol=1e-4)
    convs = [n for n in traced.inlined_graph.nodes() if n.kind() == "aten::_convolution"]
    assert len(convs) == len([n for n in torch.jit.trace(model, x, strict=False).inlined_graph.nodes()
                                if n.kind() == "aten::_convolution"]) - 4  # fmt: skip
