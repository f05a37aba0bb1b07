"""ExpandConv against an independent statement of what it computes: a plain functional implementation of the
specification (docs/design.md, "The module"), written here with `F.conv2d`, BN in eval form, SiLU and the concat
order, loaded with the module's own weights. Fuse and export parity compare the module with itself; this does not.
"""

import pytest
import torch
import torch.nn.functional as F

from yolo_dsconv import ExpandConv, set_pruning
from yolo_dsconv.bench.variants import randomise_bn


def stage(x, conv, bn, *, groups, dilation):
    """Conv2d (no bias, 'same' zero padding) → BatchNorm (running statistics) → SiLU."""
    k = conv.weight.shape[-1]
    y = F.conv2d(x, conv.weight, None, 1, dilation * (k - 1) // 2, dilation, groups)
    y = (y - bn.running_mean[:, None, None]) / torch.sqrt(bn.running_var[:, None, None] + bn.eps)
    return F.silu(y * bn.weight[:, None, None] + bn.bias[:, None, None])


def depthwise(x, m, dilation=1):
    return stage(x, m.conv, m.bn, groups=x.shape[1], dilation=dilation)


def pointwise(x, m):
    return stage(x, m.conv, m.bn, groups=1, dilation=1)


def reference(x, m: ExpandConv, k, d, dense):
    """y = cv2(concat(cv1(x), branch_1(cv1(x)), ...)); cv = DW 1×1 → PW 1×1; branch = [DW k] → DW k/d → PW."""
    y = pointwise(depthwise(x, m.cv1.dw), m.cv1.pw)
    outs = [y]
    for branch, ki, di in zip(m.m, k, d):
        stages = list(branch)
        z = y
        if dense:
            z = depthwise(z, stages.pop(0))
        assert stages[0].conv.weight.shape[-1] == ki
        z = pointwise(depthwise(z, stages[0], di), stages[1])
        outs.append(z)
    cat = torch.cat(outs, 1)
    return pointwise(depthwise(cat, m.cv2.dw), m.cv2.pw)


CONFIGS = [
    dict(c1=16, c2=16),  # the defaults: k 5/7/9, d = k, e 0.5, dense
    dict(c1=16, c2=24, k=(5, 7, 9), d=(5, 7, 9), e=0.5, dense=False),
    dict(c1=12, c2=8, k=(3, 5), d=(2, 3), e=0.25, dense=True),
    dict(c1=8, c2=8, k=(7,), d=(1,), e=1.0, dense=False),
    dict(c1=10, c2=6, k=(1, 3, 9), d=(4, 1, 2), e=0.6, dense=True),
]
SIZES = [(1, 1), (8, 8), (13, 20), (20, 20)]  # from a single pixel to the P5 map of a 640 px input


@pytest.mark.parametrize("cfg", CONFIGS, ids=lambda c: "-".join(f"{k}{v}" for k, v in c.items()))
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("prune", [True, False])
def test_module_equals_functional_specification(cfg, size, prune):
    torch.manual_seed(0)
    m = set_pruning(randomise_bn(ExpandConv(**cfg), 1), prune).eval()
    x = torch.randn(2, cfg["c1"], *size)
    k = cfg.get("k", (5, 7, 9))
    d = cfg.get("d") or k
    with torch.no_grad():
        expected = reference(x, m, k, d, cfg.get("dense", True))
        actual = m(x)
    assert actual.shape == (2, cfg["c2"], *size)
    torch.testing.assert_close(actual, expected, rtol=1e-5, atol=1e-5)
