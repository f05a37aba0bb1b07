"""Exact gradient supports: one branch, and the whole module as the union of its branches."""

import numpy as np
import pytest
import torch
from torch import nn
from ultralytics.nn.modules.conv import Conv

from yolo_dsconv import ExpandConv
from yolo_dsconv.analysis import branch_support, plot_sampling_patterns, predicted_support


@pytest.mark.parametrize("k", [5, 7, 9])
@pytest.mark.parametrize("dense", [False, True])
def test_branch_support_is_the_predicted_set(k, dense):
    s = branch_support(k, k, dense)
    p = predicted_support(k, k, dense)
    assert (s[k:-k, k:-k] == p).all()
    assert s.sum() == p.sum() == (k**4 if dense else k * k)  # gap-free k²×k² square, or k² lattice taps
    assert not s[:k].any() and not s[-k:].any() and not s[:, :k].any() and not s[:, -k:].any()


def test_lone_dilated_kernel_has_gaps_cascade_has_none():
    lattice = predicted_support(7, 7, False)
    assert lattice.shape == (43, 43) and lattice[0, 0] and not lattice[0, 1] and lattice[0, 7]
    assert predicted_support(7, 7, True).all() and predicted_support(7, 7, True).shape == (49, 49)


def ones_module(dense: bool, size_hint: int) -> nn.Module:
    default = Conv.default_act
    Conv.default_act = nn.Identity()  # linear stages: the support is then exactly the union, no cancellation
    try:
        m = ExpandConv(2, 2, dense=dense).eval()
    finally:
        Conv.default_act = default
    for c in m.modules():
        if isinstance(c, nn.Conv2d):
            nn.init.ones_(c.weight)
    return m


def module_support(m, side):
    x = torch.zeros(1, 2, side, side, requires_grad=True)
    m(x)[0, 0, side // 2, side // 2].backward()
    return (x.grad[0].abs().sum(0) != 0).numpy()


@pytest.mark.parametrize("dense", [True, False])
def test_whole_module_support_is_union_of_branches(dense):
    r = 40 if dense else 36
    side = 2 * r + 1 + 10
    got = module_support(ones_module(dense, side), side)
    want = np.zeros((side, side), bool)
    c = side // 2
    want[c, c] = True  # residual branch (1×1 compression only)
    for k in (5, 7, 9):
        p = predicted_support(k, k, dense)
        h = p.shape[0] // 2
        want[c - h : c + h + 1, c - h : c + h + 1] |= p
    assert (got == want).all()
    assert got.sum() == (81 * 81 if dense else 25 + 49 + 81 - 2)  # lattices share only the centre tap


def test_whole_module_at_1x1_input_reads_its_one_pixel():
    got = module_support(ones_module(True, 1), 1)
    assert got.shape == (1, 1) and got.all()


def test_sampling_figure(tmp_path):
    import cv2

    path = plot_sampling_patterns(str(tmp_path / "s.png"))
    assert cv2.imread(path).shape == (660, 960, 3)
