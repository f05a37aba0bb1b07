"""yolo_dsconv/profile/onnx_ops.py (scripts/op_profile.py runs it): the operator kinds and FLOPs it reads from
ONNX Runtime's profile, checked by hand and against the project's own FLOP count, and one small end-to-end
profile."""

import json

import pytest

from yolo_dsconv.profile import onnx_ops


@pytest.mark.parametrize(
    ("op", "inputs", "output", "kind", "flops"),
    [
        ("Conv", [[1, 128, 10, 10], [128, 1, 9, 9], [128]], [1, 128, 10, 10], "depthwise conv", 2 * 12800 * 81),
        ("Conv", [[1, 256, 10, 10], [128, 256, 1, 1], [128]], [1, 128, 10, 10], "pointwise conv", 2 * 12800 * 256),
        ("Conv", [[1, 3, 320, 320], [16, 3, 6, 6], [16]], [1, 16, 160, 160], "dense conv", 2 * 16 * 160 * 160 * 108),
        ("FusedConv", [[1, 1, 8, 8], [4, 1, 3, 3]], [1, 4, 8, 8], "dense conv", 2 * 256 * 9),  # one input channel
        ("QuickGelu", [[1, 16, 8, 8]], [1, 16, 8, 8], "activations", 0.0),
        ("Concat", [[1, 8, 4, 4], [1, 8, 4, 4]], [1, 16, 4, 4], "other ops", 0.0),
    ],
)
def test_each_node_is_sorted_and_counted_from_its_shapes(op, inputs, output, kind, flops):
    assert onnx_ops.kind_and_flops(op, inputs, output) == (kind, flops)


def test_a_node_belongs_to_the_layer_its_name_starts_with():
    layer_of = onnx_ops.layer_of
    assert layer_of("/model.10/m.0/m.0.1/conv/Conv_output_0_nchwc") == 10
    assert layer_of("/model.25/Concat_7") == 25
    assert layer_of("ReorderOutput_3") is None and layer_of("/model.x/Add") is None


def test_a_small_profile_splits_the_expandconv_layer_out_and_counts_the_flops_of_the_model(tmp_path):
    import torch
    from ultralytics.nn.tasks import DetectionModel

    from yolo_dsconv import set_pruning
    from yolo_dsconv.profile.flops import count_flops

    onnx_ops.run_profile(("yolov5n",), (64,), 3, tmp_path / "p")
    r = json.loads((tmp_path / "p.json").read_text())["results"]["yolov5n 64"]
    assert r["stock"]["ExpandConv layer"]["nodes"] == 0 and r["dsconv"]["ExpandConv layer"]["nodes"] > 20
    for v in ("stock", "dsconv"):
        groups = r[v]
        parts = [groups[g]["ms"] for g in ("ExpandConv layer", "the rest of the model")]
        assert sum(parts) == pytest.approx(groups["total"]["ms"])
        assert sum(groups[k]["nodes"] for k in onnx_ops.KINDS) == groups["total"]["nodes"]
        model = set_pruning(DetectionModel(f"yolov5n{'-dsconv' if v == 'dsconv' else ''}.yaml", verbose=False), False)
        with torch.no_grad():  # the exported graph's conv FLOPs are the model's (full kernels)
            assert groups["total"]["gflops"] == pytest.approx(
                count_flops(model.eval().fuse(verbose=False), 64) / 1e9, rel=0.01
            )
    assert (tmp_path / "p.md").read_text().count("| ExpandConv layer |") == 1
