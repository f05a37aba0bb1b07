"""Property tests over random valid ExpandConv configurations (hypothesis).

Default budget: the `ci` profile (see tests/conftest.py); `pytest --hypothesis-profile=long tests/property` for more.
"""

import copy
import shutil

import pytest
import torch
from hypothesis import assume, given, note
from hypothesis import strategies as st
from torch import nn

from yolo_dsconv import ExpandConv, set_pruning
from yolo_dsconv.bench.variants import randomise_bn
from yolo_dsconv.modules import fuse_conv_bn


@st.composite
def configs(draw):
    n = draw(st.integers(1, 3))
    k = tuple(draw(st.lists(st.sampled_from([1, 3, 5, 7, 9]), min_size=n, max_size=n)))
    d = tuple(draw(st.lists(st.integers(1, 9), min_size=n, max_size=n)))
    c1, c2 = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    e = draw(st.sampled_from([0.25, 0.5, 1.0]))
    assume(int(c1 * e) >= 1)
    shape = (draw(st.integers(1, 2)), c1, draw(st.integers(1, 24)), draw(st.integers(1, 24)))
    return dict(c1=c1, c2=c2, k=k, d=d, e=e, dense=draw(st.booleans())), shape


def build(cfg, seed=0):
    torch.manual_seed(seed)
    return randomise_bn(ExpandConv(**cfg), seed)


@given(configs())
def test_shape_contract(case):
    cfg, shape = case
    y = build(cfg).eval()(torch.randn(shape))
    assert y.shape == (shape[0], cfg["c2"], *shape[2:])


@given(configs())
def test_pruned_equals_unpruned_forward_and_gradients(case):
    cfg, shape = case
    m = build(cfg).eval()
    ref = set_pruning(copy.deepcopy(m), False)
    x = torch.randn(shape, requires_grad=True)
    x_ref = x.detach().clone().requires_grad_(True)
    y, y_ref = m(x), ref(x_ref)
    torch.testing.assert_close(y, y_ref, rtol=1e-5, atol=1e-5)
    g = torch.randn_like(y)
    y.backward(g)
    y_ref.backward(g)
    torch.testing.assert_close(x.grad, x_ref.grad, rtol=1e-4, atol=1e-5)
    for (name, p), p_ref in zip(m.named_parameters(), ref.parameters()):
        note(name)
        torch.testing.assert_close(p.grad, p_ref.grad, rtol=1e-4, atol=1e-4)


@given(configs())
def test_fused_equals_unfused(case):
    cfg, shape = case
    m = build(cfg).eval()
    x = torch.randn(shape)
    ref = m(x)
    fused = fuse_conv_bn(m)
    assert not any(isinstance(b, nn.BatchNorm2d) for b in fused.modules())
    torch.testing.assert_close(fused(x), ref, rtol=1e-4, atol=1e-4)


# Relative error of a low-precision forward against fp32 on the same (rounded) weights and input: bf16 keeps 8
# significant bits, fp16 11; a dozen stages of conv, BN and SiLU compound the rounding.
LOW_PRECISION_TOL = {torch.bfloat16: 0.1, torch.float16: 0.02}


@given(configs(), st.sampled_from([torch.bfloat16, torch.float16]), st.booleans())
def test_low_precision_and_channels_last_match_fp32(case, dtype, channels_last):
    cfg, shape = case
    m = build(cfg).eval().to(dtype)
    x = torch.randn(shape).to(dtype)
    ref_m, ref_x = copy.deepcopy(m).float(), x.float()  # fp32 arithmetic on exactly the rounded values
    if channels_last:
        m, x = m.to(memory_format=torch.channels_last), x.contiguous(memory_format=torch.channels_last)
    with torch.no_grad():
        y, ref = m(x), ref_m(ref_x)
    assert y.dtype == dtype and torch.isfinite(y).all()
    tol = LOW_PRECISION_TOL[dtype]
    torch.testing.assert_close(y.float(), ref, rtol=tol, atol=tol * max(1.0, float(ref.abs().max())))
    if channels_last and min(y.shape[1:]) > 1:  # a 1-wide tensor has ambiguous strides
        assert y.is_contiguous(memory_format=torch.channels_last)


@pytest.mark.skipif(not (shutil.which("cc") or shutil.which("gcc")), reason="torch.compile needs a C compiler on CPU")
def test_torch_compile_matches_eager():
    # Any failure of compile or of the compiled call is a failure: only a missing toolchain is a reason to skip.
    m = build(dict(c1=8, c2=8)).eval()
    x = torch.randn(1, 8, 20, 20)
    compiled = torch.compile(m)
    with torch.no_grad():
        torch.testing.assert_close(compiled(x), m(x), rtol=1e-4, atol=1e-4)
