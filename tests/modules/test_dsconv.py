"""DSConv and DepthwiseConv: true depthwise structure, parameter counts, argument errors."""

import pytest
import torch
from torch import nn

from yolo_dsconv import DepthwiseConv, DSConv


def conv_weights(m: nn.Module) -> int:
    return sum(c.weight.numel() for c in m.modules() if isinstance(c, nn.Conv2d))


def test_seed_002_parameter_table():
    # Seed 002: 4 -> 8 channels, 3x3 kernel (a standard conv has 288 weights, a 2-group one 144).
    ds = DSConv(4, 8, 3)
    assert ds.dw.conv.weight.numel() == 36  # depthwise
    assert ds.pw.conv.weight.numel() == 32  # pointwise
    assert conv_weights(ds) == 68  # separable total


@pytest.mark.parametrize("c1,c2,k", [(4, 8, 3), (16, 16, 1), (7, 3, 5)])
def test_dsconv_closed_form_params(c1, c2, k):
    # DW k×k (c1·k²) + BN(2·c1), PW 1×1 (c1·c2) + BN(2·c2); no conv biases.
    assert sum(p.numel() for p in DSConv(c1, c2, k).parameters()) == c1 * k * k + 2 * c1 + c1 * c2 + 2 * c2


def test_depthwise_is_depthwise_and_same_shape():
    m = DepthwiseConv(12, 5, d=3)
    assert m.conv.groups == m.conv.in_channels == m.conv.out_channels == 12
    assert m.conv.weight.shape == (12, 1, 5, 5)
    assert m.conv.dilation == (3, 3) and m.conv.bias is None
    for h, w in [(1, 1), (3, 17), (20, 20)]:
        assert m(torch.randn(2, 12, h, w)).shape == (2, 12, h, w)


def test_dsconv_stride_shape():
    assert DSConv(8, 16, 3, s=2)(torch.randn(1, 8, 9, 10)).shape == (1, 16, 5, 5)


@pytest.mark.parametrize(
    "kwargs,word",
    [
        ({"c1": 0, "c2": 8}, "c1=0"),
        ({"c1": 8, "c2": -1}, "c2=-1"),
        ({"c1": 8, "c2": 8, "k": 2}, "k=2"),
        ({"c1": 8, "c2": 8, "d": 0}, "d=0"),
        ({"c1": 8.0, "c2": 8}, "c1=8.0"),
    ],
)
def test_dsconv_bad_arguments(kwargs, word):
    with pytest.raises(ValueError, match=word.replace(".", r"\.")):
        DSConv(**kwargs)


def test_fuse_leaves_modules_that_are_not_ultralytics_conv_alone():
    from yolo_dsconv.modules import fuse_conv_bn

    class NotConv(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv, self.bn = nn.Conv2d(4, 4, 1), nn.BatchNorm2d(4)

        def forward(self, x):
            return self.bn(self.conv(x))

    m = nn.Sequential(NotConv(), DSConv(4, 4, 3))
    fuse_conv_bn(m)
    assert isinstance(m[0].bn, nn.BatchNorm2d)  # untouched
    assert not any(isinstance(b, nn.BatchNorm2d) for b in m[1].modules())  # DSConv's stages are fused


@pytest.mark.parametrize(
    "build,message",
    [
        (lambda: DSConv(0, 4), "DSConv: c1=0 is invalid, expected a positive integer"),
        (lambda: DSConv(4, 0), "DSConv: c2=0 is invalid, expected a positive integer"),
        (lambda: DSConv(4, 4, s=0), "DSConv: s=0 is invalid, expected a positive integer"),
        (lambda: DSConv(4, 4, d=0), "DSConv: d=0 is invalid, expected a positive integer"),
        (lambda: DSConv(4, 4, k=2), "DSConv: k=2 is invalid, expected an odd positive integer"),
        (lambda: DSConv(4, 4, k=True), "DSConv: k=True is invalid, expected an odd positive integer"),
        (lambda: DSConv(4, 4, k=-1), "DSConv: k=-1 is invalid, expected an odd positive integer"),
        (lambda: DepthwiseConv(0), "DepthwiseConv: c1=0 is invalid, expected a positive integer"),
    ],
)
def test_argument_errors_in_full(build, message):
    import re

    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        build()


def test_defaults_are_a_1x1_dsconv_and_a_3x3_depthwise_stage():
    ds = DSConv(4, 8)
    assert ds.dw.conv.kernel_size == (1, 1) and ds.dw.conv.dilation == (1, 1) and ds.dw.conv.stride == (1, 1)
    assert ds.pw.conv.kernel_size == (1, 1) and ds.pw.conv.stride == (1, 1)
    dw = DepthwiseConv(4)
    assert dw.conv.kernel_size == (3, 3) and dw.conv.groups == 4 and dw.conv.bias is None
    assert isinstance(ds.dw.act, nn.SiLU) and isinstance(DSConv(4, 8, act=False).pw.act, nn.Identity)


def test_act_false_reaches_every_stage():
    dw = DepthwiseConv(8, 5, act=False)
    ds = DSConv(8, 16, 3, act=False)
    assert isinstance(dw.act, nn.Identity)
    assert isinstance(ds.dw.act, nn.Identity) and isinstance(ds.pw.act, nn.Identity)
    assert isinstance(DepthwiseConv(8, 5).act, nn.SiLU) and isinstance(DSConv(8, 16).dw.act, nn.SiLU)
