"""The shipped yolov5-dsconv YAML against stock yolov5: output shapes, ExpandConv placement, fuse."""

import pytest
import torch
from torch import nn
from ultralytics.nn.modules import SPPF
from ultralytics.nn.tasks import DetectionModel

import yolo_dsconv  # noqa: F401
from helpers import MODEL_YAMLS
from yolo_dsconv import ExpandConv
from yolo_dsconv.bench.variants import randomise_bn


def build(cfg):
    torch.manual_seed(0)
    return DetectionModel(cfg, verbose=False)


def out_shapes(model, x):
    model.train()
    feats = model(x)["feats"]
    model.eval()
    with torch.no_grad():
        pred = model(x)[0]
    return [tuple(f.shape) for f in feats], tuple(pred.shape)


# Every scale at 64×64 (batch 2) and 256×320 (batch 1); 640×640 for the small scales.
CASES = [(s, (2, 64, 64)) for s in "nsmlx"] + [(s, (1, 256, 320)) for s in "nsmlx"] + [(s, (1, 640, 640)) for s in "ns"]


@pytest.mark.parametrize("scale,shape", CASES)
def test_detect_shapes_equal_stock(scale, shape):
    n, h, w = shape
    x = torch.randn(n, 3, h, w)
    stock = build(f"yolov5{scale}.yaml")
    ds = build(str(MODEL_YAMLS / f"yolov5{scale}-dsconv.yaml"))
    assert isinstance(ds.model[10], ExpandConv) and isinstance(ds.model[9], SPPF)
    assert out_shapes(ds, x) == out_shapes(stock, x)
    assert ds.stride.tolist() == stock.stride.tolist()


@pytest.mark.parametrize("scale", ["n", "s"])
def test_expandconv_takes_sppf_output_and_feeds_the_head_its_own(scale):
    ds = build(str(MODEL_YAMLS / f"yolov5{scale}-dsconv.yaml")).eval()
    seen = {}
    hooks = [
        ds.model[i].register_forward_hook(lambda m, a, y, i=i: seen.__setitem__(i, (a[0], y))) for i in (9, 10, 11)
    ]
    with torch.no_grad():
        ds(torch.randn(1, 3, 320, 256))
    for h in hooks:
        h.remove()
    assert seen[10][1].shape == seen[9][1].shape  # SPPF's shape in and out
    assert seen[10][0] is seen[9][1]  # ExpandConv reads SPPF's output tensor itself
    assert seen[11][0] is seen[10][1]  # and the next layer reads ExpandConv's
    assert not torch.equal(seen[10][1], seen[9][1])
    assert ds.model[11].f == -1 and ds.model[23].f == [-1, 11] and ds.model[20].f == [-1, 15]
    assert ds.model[-1].f == [18, 21, 24]


def test_layer_list_is_stock_plus_one():
    stock = build("yolov5s.yaml")
    ds = build(str(MODEL_YAMLS / "yolov5s-dsconv.yaml"))
    types = [m.type for m in ds.model]
    assert types[:10] + types[11:] == [m.type for m in stock.model]
    assert types[10] == "yolo_dsconv.modules.expand_conv.ExpandConv"
    assert sum(p.numel() for p in ds.parameters()) - sum(p.numel() for p in stock.parameters()) == ds.model[10].np


def test_model_fuse_matches_unfused_and_removes_every_bn():
    torch.manual_seed(1)
    model = randomise_bn(build(str(MODEL_YAMLS / "yolov5n-dsconv.yaml"))).eval()
    x = torch.rand(1, 3, 160, 128)
    with torch.no_grad():
        ref = model(x)[0]
        model.fuse(verbose=False)
        fused = model(x)[0]
    assert not any(isinstance(m, nn.BatchNorm2d) for m in model.modules())
    torch.testing.assert_close(fused, ref, rtol=1e-3, atol=1e-3)


def test_scaled_path_in_a_folder_whose_name_looks_scaled(tmp_path):
    # Ultralytics unscales the whole path string (run8s/ -> run8/); the plugin's lookup retries in the real folder.
    import shutil

    folder = tmp_path / "run8s"
    folder.mkdir()
    shutil.copy(MODEL_YAMLS / "yolov5-dsconv.yaml", folder / "yolov5-dsconv.yaml")
    model = build(str(folder / "yolov5n-dsconv.yaml"))
    assert isinstance(model.model[10], ExpandConv) and model.yaml["scale"] == "n"
