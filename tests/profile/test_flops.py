"""The FLOP counter against hand counts, with tap pruning accounted for."""

import torch
from torch import nn

from yolo_dsconv import ExpandConv, TapPrunedConv2d, set_pruning
from yolo_dsconv.profile import count_flops


class Wrap(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, x):
        return self.m(x)


def test_single_pruned_conv_hand_count():
    conv = TapPrunedConv2d(6, 6, 9, padding=36, dilation=9, groups=6, bias=False)
    # 20×20: per axis taps j ∈ [-2, 2] survive (|9j| ≤ 19), so 5×5 of 81; depthwise: 1 input channel per output.
    assert count_flops(conv, 20, channels=6) == 2 * 6 * 20 * 20 * 25
    assert count_flops(conv, (8, 20), channels=6) == 2 * 6 * 8 * 20 * (1 * 5)
    conv.prune = False
    assert count_flops(conv, 20, channels=6) == 2 * 6 * 20 * 20 * 81


def test_expandconv_hand_count_at_20():
    c1, c_, c2, hw = 64, 32, 48, 20 * 20
    m = ExpandConv(c1, c2)
    dense = sum(c_ * k * k for k in (5, 7, 9))
    dilated = c_ * (25 + 25 + 25)  # 5×5/d5 whole; 7×7/d7 and 9×9/d9 keep their centre 5×5 at 20×20
    pw = c1 * c_ + 3 * c_ * c_ + 4 * c_ * c2
    dw1 = c1 + 4 * c_  # the 1×1 depthwise stages of cv1 and cv2
    assert count_flops(m, 20, channels=c1) == 2 * hw * (dense + dilated + pw + dw1)
    full = 2 * hw * (dense + c_ * (25 + 49 + 81) + pw + dw1)
    assert count_flops(set_pruning(m, False), 20, channels=c1) == full


def test_counts_linear_and_keeps_mode():
    m = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.Flatten(), nn.Linear(4 * 8 * 8, 5)).train()
    assert count_flops(m, 8) == 2 * 4 * 64 * 27 + 2 * 5 * 256
    assert m.training
    assert torch.is_grad_enabled()
