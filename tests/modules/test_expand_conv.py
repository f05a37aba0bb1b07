"""ExpandConv against its specification (docs/design.md, "The module")."""

import re

import pytest
import torch
from torch import nn

from yolo_dsconv import DepthwiseConv, DSConv, ExpandConv


def ds_params(c1, c2, k=1):
    return c1 * k * k + 2 * c1 + c1 * c2 + 2 * c2


def expandconv_params(c1, c2, k=(5, 7, 9), e=0.5, dense=True):
    c_ = int(c1 * e)
    branches = sum((1 + dense) * (c_ * ki * ki + 2 * c_) + c_ * c_ + 2 * c_ for ki in k)
    return ds_params(c1, c_) + branches + ds_params(c_ * (len(k) + 1), c2)


@pytest.mark.parametrize(
    "c1,c2,kw",
    [(512, 512, {}), (256, 256, {}), (64, 32, {"dense": False}), (48, 80, {"k": (3, 5), "e": 0.25}), (8, 8, {"k": 7})],
)
def test_closed_form_parameter_count(c1, c2, kw):
    m = ExpandConv(c1, c2, **kw)
    k = kw.get("k", (5, 7, 9))
    k = (k,) if isinstance(k, int) else k
    assert sum(p.numel() for p in m.parameters()) == expandconv_params(
        c1, c2, k, kw.get("e", 0.5), kw.get("dense", True)
    )


def test_structure_defaults():
    m = ExpandConv(64, 96)
    assert isinstance(m.cv1, DSConv) and isinstance(m.cv2, DSConv)
    assert m.cv1.dw.conv.kernel_size == (1, 1) and m.cv1.pw.conv.out_channels == 32
    assert m.cv2.dw.conv.in_channels == 32 * 4 and m.cv2.pw.conv.out_channels == 96
    assert len(m.m) == 3
    for branch, k in zip(m.m, (5, 7, 9)):
        dense, dilated, pw = branch
        assert isinstance(dense, DepthwiseConv) and isinstance(dilated, DepthwiseConv)
        assert dense.conv.kernel_size == (k, k) and dense.conv.dilation == (1, 1)
        assert dilated.conv.kernel_size == (k, k) and dilated.conv.dilation == (k, k)
        for dw in (dense, dilated):
            assert dw.conv.groups == dw.conv.in_channels == dw.conv.out_channels == 32
        assert pw.conv.kernel_size == (1, 1) and pw.conv.groups == 1
    assert m.receptive_fields == (25, 49, 81)


def test_structure_literal_and_custom_dilations():
    m = ExpandConv(16, 16, k=(3, 5), d=(2, 4), dense=False)
    assert [len(b) for b in m.m] == [2, 2]
    assert [b[0].conv.dilation for b in m.m] == [(2, 2), (4, 4)]
    assert m.receptive_fields == (5, 17)
    assert ExpandConv(16, 16, k=(3, 5), d=2).d == (2, 2)  # a single dilation applies to every branch


def test_fusion_conv_is_a_trained_saved_parameter():
    m = ExpandConv(32, 32)
    keys = m.state_dict().keys()
    assert "cv2.pw.conv.weight" in keys and "cv2.dw.conv.weight" in keys
    assert m.state_dict()["cv2.pw.conv.weight"].shape == (32, 64, 1, 1)


@pytest.mark.parametrize("h,w", [(1, 1), (1, 7), (8, 8), (13, 20), (20, 20), (33, 9)])
def test_shape_contract_and_determinism(h, w):
    m = ExpandConv(16, 24).eval()
    x = torch.randn(2, 16, h, w)
    y = m(x)
    assert y.shape == (2, 24, h, w)
    torch.testing.assert_close(m(x), y, rtol=0, atol=0)  # same input twice, same output


def test_every_parameter_gets_a_gradient():
    m = ExpandConv(16, 16).train()
    m(torch.randn(2, 16, 12, 12)).square().mean().backward()
    missing = [n for n, p in m.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert missing == []


@pytest.mark.parametrize(
    "kwargs,word",
    [
        ({"k": (5, 7), "d": (1, 2, 3)}, "3 dilations but k has 2"),
        ({"k": (4, 7)}, "kernel size 4"),
        ({"k": (0,)}, "kernel size 0"),
        ({"k": (-3,)}, "kernel size -3"),
        ({"k": ()}, "at least one kernel"),
        ({"d": (5, 0, 9)}, "dilation 0"),
        ({"d": (5, -7, 9)}, "dilation -7"),
        ({"e": 0.01}, r"int\(c1\*e\)"),
        ({"e": -1}, "e=-1"),
        ({"dense": "yes"}, "dense='yes'"),
        ({"k": "5"}, "k='5'"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, word):
    with pytest.raises(ValueError, match=word):
        ExpandConv(32, 32, **kwargs)


@pytest.mark.parametrize("c1,c2,word", [(0, 8, "c1=0"), (8, 0, "c2=0"), (-4, 8, "c1=-4"), (True, 8, "c1=True")])
def test_bad_channels(c1, c2, word):
    with pytest.raises(ValueError, match=word):
        ExpandConv(c1, c2)


def test_fused_equals_unfused_with_random_bn_statistics():
    from yolo_dsconv.bench.variants import randomise_bn
    from yolo_dsconv.modules import fuse_conv_bn

    torch.manual_seed(0)
    m = randomise_bn(ExpandConv(16, 24)).eval()  # so the check means something: BN is not the identity
    x = torch.randn(2, 16, 20, 20)
    ref = m(x)
    fuse_conv_bn(m)  # what BaseModel.fuse() does to each Conv
    assert not any(isinstance(b, nn.BatchNorm2d) for b in m.modules())
    torch.testing.assert_close(m(x), ref, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"d": "5"}, "ExpandConv: d='5' is invalid, expected an integer or a list of integers"),
        ({"d": [5]}, "ExpandConv: d=[5] has 1 dilations but k has 3 kernel sizes, expected equal lengths"),
        ({"d": (5,)}, "ExpandConv: d=(5,) has 1 dilations but k has 3 kernel sizes, expected equal lengths"),
        ({"d": True}, "ExpandConv: dilation True in d=True is invalid, expected positive integers"),
        ({"k": 5, "d": True}, "ExpandConv: dilation True in d=True is invalid, expected positive integers"),
    ],
)
def test_dilation_errors_name_the_value(kwargs, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        ExpandConv(8, 8, **kwargs)


def test_a_bare_int_dilation_serves_every_branch():
    assert ExpandConv(8, 8, k=(3, 5, 7), d=2).d == (2, 2, 2)
    assert ExpandConv(8, 8, k=3, d=4).d == (4,)


@pytest.mark.parametrize(
    "args,kwargs,message",
    [
        ((0, 8), {}, "ExpandConv: c1=0 is invalid, expected a positive integer"),
        ((8, 0), {}, "ExpandConv: c2=0 is invalid, expected a positive integer"),
        ((8, 8), {"k": 4}, "ExpandConv: kernel size 4 in k=4 is invalid, expected odd positive integers"),
        ((8, 8), {"k": True}, "ExpandConv: kernel size True in k=True is invalid, expected odd positive integers"),
        ((8, 8), {"k": "5"}, "ExpandConv: k='5' is invalid, expected an integer or a list of integers"),
        ((8, 8), {"k": 1.5}, "ExpandConv: k=1.5 is invalid, expected an integer or a list of integers"),
        ((8, 8), {"e": True}, "ExpandConv: e=True is invalid, expected a positive number"),
        ((8, 8), {"e": 0}, "ExpandConv: e=0 is invalid, expected a positive number"),
    ],
)
def test_argument_errors_in_full(args, kwargs, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        ExpandConv(*args, **kwargs)


def test_a_hidden_width_of_one_is_allowed():
    m = ExpandConv(2, 4, e=0.5)
    assert m.c_ == 1 and m(torch.randn(1, 2, 5, 5)).shape == (1, 4, 5, 5)


@pytest.mark.parametrize(("c1", "c2"), [(64, 32), (3, 128), (512, 512)])
def test_channels_are_exposed_as_in_and_out_channels(c1, c2):
    # as timm's SeparableConv2d exposes them: callers never reach into cv1.dw.conv / cv2.pw.conv
    for module in (ExpandConv(c1, c2), DSConv(c1, c2, 3)):
        assert (module.in_channels, module.out_channels) == (c1, c2)
        y = module(torch.zeros(1, c1, 5, 5))
        assert y.shape[1] == module.out_channels


def _fused(dense: bool = True, k=(5, 7, 9), d=None):
    from yolo_dsconv.bench.variants import randomise_bn
    from yolo_dsconv.modules import fuse_conv_bn

    torch.manual_seed(0)
    return fuse_conv_bn(randomise_bn(ExpandConv(16, 24, k=k, d=d, dense=dense)).eval())


@pytest.mark.parametrize("dense", [True, False])
@pytest.mark.parametrize("side", [3, 10, 20])  # 9×9/d9 keeps 1, 3 and 5 taps: the merged form keeps pruning
def test_merged_form_equals_the_branches(dense, side):
    m = _fused(dense, k=(3, 5, 7, 9), d=(1, 5, 7, 9))
    x = torch.randn(2, 16, side, side)
    with torch.no_grad():
        ref = m(x)
        assert m.merge() is m and m.merged
        assert m.merged_pw_w.shape == (4 * m.c_, m.c_, 1, 1)
        assert hasattr(m, "merged_dw_w") == dense
        torch.testing.assert_close(m(x), ref)
    assert set(m.state_dict()) == set(_fused(dense, k=(3, 5, 7, 9), d=(1, 5, 7, 9)).state_dict())  # not saved


def test_merged_form_is_used_only_in_eager_cpu_inference(monkeypatch):
    m = _fused().merge()
    calls = []
    monkeypatch.setattr(ExpandConv, "_branches_merged", lambda self, y: calls.append(1) or 1 / 0)
    x = torch.randn(1, 16, 8, 8)
    with pytest.raises(ZeroDivisionError):
        m(x)  # eager CPU inference takes it
    m.train()
    m(x)
    m.eval()
    traced = torch.jit.trace(m, x, check_trace=False)  # tracing (TorchScript, ONNX) keeps the three branches
    kinds = [n.kind() for n in traced.inlined_graph.nodes()]
    assert kinds.count("aten::_convolution") == 2 + 3 * 3 + 2
    program = torch.export.export(m, (x,))  # torch.export (LiteRT, ExecuTorch) too
    convs = [n for n in program.graph.nodes if n.op == "call_function" and "conv" in str(n.target)]
    assert len(convs) == 2 + 3 * 3 + 2
    assert len(calls) == 1


def test_merge_leaves_a_module_with_batchnorm_as_it_is():
    from yolo_dsconv.bench.variants import randomise_bn

    m = randomise_bn(ExpandConv(16, 24)).eval()
    assert not m.merge().merged and not hasattr(m, "merged_pw_w")


def test_the_printed_module_says_its_branches_and_its_start():
    assert ExpandConv(8, 8).extra_repr() == "k=(5, 7, 9), d=(5, 7, 9), c_=4, dense=True"
    assert repr(ExpandConv(8, 8)).startswith("ExpandConv(\n  k=(5, 7, 9), d=(5, 7, 9), c_=4, dense=True\n")
    plain = ExpandConv(8, 8, k=(3, 5), d=(2, 3), e=0.25, dense=False).extra_repr()
    assert plain == "k=(3, 5), d=(2, 3), c_=2, dense=False"
    assert ExpandConv(8, 8, init="identity").extra_repr() == "k=(5, 7, 9), d=(5, 7, 9), c_=4, dense=True, init=identity"
