"""Exact tap pruning: the same function and gradients as the full kernel, at every size."""

import copy

import pytest
import torch

from yolo_dsconv import ExpandConv, TapPrunedConv2d, set_pruning
from yolo_dsconv.modules.pruning import kept_half_taps

SIZES = [(1, 1), (1, 9), (9, 1), (2, 3), (8, 8), (10, 10), (13, 7), (20, 20), (40, 40), (27, 64)]


@pytest.mark.parametrize(
    "k,d,size,m",
    [
        (9, 9, 20, 2),
        (7, 7, 20, 2),
        (5, 5, 20, 2),
        (9, 9, 8, 0),
        (9, 9, 10, 1),
        (5, 1, 1, 0),
        (5, 1, 3, 2),
        (3, 1, 1, 0),
    ],
)
def test_kept_half_taps(k, d, size, m):
    assert kept_half_taps(k, d, size) == m


def test_active_kernel_follows_the_rule():
    conv = TapPrunedConv2d(4, 4, 9, padding=36, dilation=9, groups=4, bias=False)
    assert conv.active_kernel(20, 20) == (5, 5)
    assert conv.active_kernel(8, 64) == (1, 9)
    conv.prune = False
    assert conv.active_kernel(8, 8) == (9, 9)


@pytest.mark.parametrize("h,w", SIZES)
def test_pruned_conv_equals_full_conv(h, w):
    torch.manual_seed(h * 100 + w)
    conv = TapPrunedConv2d(6, 6, 7, padding=21, dilation=7, groups=6, bias=True)
    full = copy.deepcopy(conv)
    full.prune = False
    x = torch.randn(2, 6, h, w, requires_grad=True)
    x2 = x.detach().clone().requires_grad_(True)
    y, y_full = conv(x), full(x2)
    torch.testing.assert_close(y, y_full)
    g = torch.randn_like(y)
    y.backward(g)
    y_full.backward(g)
    torch.testing.assert_close(x.grad, x2.grad)
    torch.testing.assert_close(conv.weight.grad, full.weight.grad)
    torch.testing.assert_close(conv.bias.grad, full.bias.grad)


@pytest.mark.parametrize("h,w", SIZES)
@pytest.mark.parametrize("dense", [True, False])
def test_expandconv_pruned_equals_unpruned(h, w, dense):
    torch.manual_seed(0)
    m = ExpandConv(8, 8, dense=dense)
    ref = set_pruning(copy.deepcopy(m), False)
    x = torch.randn(2, 8, h, w)
    torch.testing.assert_close(m.train()(x), ref.train()(x), rtol=1e-5, atol=1e-5)
    # Gradients in eval mode: a training-mode BN makes its output invariant to the scale of the stage before it,
    # so those weights' true gradient is 0 and both paths return float32 noise of different summation order.
    m.eval(), ref.eval()
    y, y_ref = m(x), ref(x)
    torch.testing.assert_close(y, y_ref, rtol=1e-5, atol=1e-5)
    y.square().sum().backward()
    y_ref.square().sum().backward()
    for (name, p), p_ref in zip(m.named_parameters(), ref.parameters()):
        torch.testing.assert_close(p.grad, p_ref.grad, rtol=1e-4, atol=1e-4, msg=name)


def test_strided_pruning_is_exact():
    conv = TapPrunedConv2d(3, 3, 5, stride=2, padding=6, dilation=3, groups=3)
    full = copy.deepcopy(conv)
    full.prune = False
    x = torch.randn(1, 3, 7, 11)
    torch.testing.assert_close(conv(x), full(x))


def test_pruning_off_under_tracing():
    conv = TapPrunedConv2d(2, 2, 9, padding=36, dilation=9, groups=2).eval()
    traced = torch.jit.trace(conv, torch.randn(1, 2, 8, 8))
    for h in (8, 20, 40):  # a graph traced at 8×8 stays right at other sizes: no size is baked in
        x = torch.randn(1, 2, h, h)
        torch.testing.assert_close(traced(x), conv(x))


def _conv_kernels(program) -> list[tuple[int, ...]]:
    convs = [n for n in program.graph.nodes if n.op == "call_function" and "conv" in str(n.target)]
    return sorted({tuple(n.args[1].meta["val"].shape[-2:]) for n in convs})


def test_torch_export_keeps_full_kernels_and_a_dynamic_export_is_exact_at_other_sizes():
    """LiteRT, ExecuTorch and dynamo ONNX export through torch.export: no kernel pruned for the export size, and a
    dynamic-shape program traced at 3×3 computes the eager module at 8×8 and 20×13."""
    from torch.export import Dim, export

    torch.manual_seed(0)
    m = ExpandConv(32, 32).eval()
    x3 = torch.rand(1, 32, 3, 3)
    static = export(m, (x3,))
    assert _conv_kernels(static) == [(1, 1), (5, 5), (7, 7), (9, 9)]  # at 3×3 eager keeps only the 5×5 taps
    dynamic = export(m, (x3,), dynamic_shapes={"x": {2: Dim("h", min=2, max=64), 3: Dim("w", min=2, max=64)}})
    for h, w in ((3, 3), (8, 8), (20, 13)):
        x = torch.rand(1, 32, h, w)
        with torch.no_grad():
            torch.testing.assert_close(dynamic.module()(x), m(x), rtol=1e-5, atol=1e-5)


PRUNE_ENV = """
import torch
from yolo_dsconv import ExpandConv
from yolo_dsconv.modules.pruning import pruning_enabled
from yolo_dsconv.profile import model_costs
from ultralytics import YOLO
m = ExpandConv(16, 16).eval()
print("ENABLED", pruning_enabled(m), round(model_costs(YOLO("yolov5s-dsconv.yaml").model.eval(), 640)["gflops"], 2))
"""


def test_yolo_dsconv_prune_env_var_turns_pruning_off_process_wide():
    from helpers import run_python

    on = run_python(PRUNE_ENV).stdout.split()[-2:]
    off = run_python(PRUNE_ENV, env={"YOLO_DSCONV_PRUNE": "0"}).stdout.split()[-2:]
    assert on[0] == "True" and off[0] == "False"
    assert float(on[1]) == 24.73 and float(off[1]) > float(on[1])  # the full dilated kernels are counted and run


def test_one_tap_depthwise_stages_run_as_a_per_channel_affine(monkeypatch):
    import torch.nn.functional as F

    from yolo_dsconv.modules import TapPrunedConv2d

    calls = []
    batch_norm = F.batch_norm
    monkeypatch.setattr(F, "batch_norm", lambda *a, **k: calls.append(1) or batch_norm(*a, **k))
    cases = [  # (conv, input side, takes the affine path)
        (TapPrunedConv2d(4, 4, 1, groups=4, bias=False), 8, True),  # 1×1 depthwise
        (TapPrunedConv2d(4, 4, 9, padding=36, dilation=9, groups=4, bias=False), 8, True),  # 9×9/d9 at 8×8: one tap
        (TapPrunedConv2d(4, 4, 1, stride=2, groups=4, bias=False), 8, False),  # strided
        (TapPrunedConv2d(4, 8, 1, bias=False), 8, False),  # not depthwise
    ]
    for conv, side, affine in cases:
        x = torch.randn(2, 4, side, side)
        reference = torch.nn.functional.conv2d(
            x, conv.weight, None, conv.stride, conv.padding, conv.dilation, conv.groups
        )
        calls.clear()
        with torch.no_grad():
            torch.testing.assert_close(conv(x), reference, rtol=1e-5, atol=1e-5)
        assert bool(calls) is affine, conv


def test_one_tap_affine_keeps_the_input_dtype():
    from yolo_dsconv.modules import TapPrunedConv2d

    conv = TapPrunedConv2d(4, 4, 1, groups=4, bias=False).to(torch.bfloat16)
    x = torch.randn(1, 4, 5, 5, dtype=torch.bfloat16)
    with torch.no_grad():
        y = conv(x)
    assert y.dtype == torch.bfloat16
    expected = x.float() * conv.weight.float().reshape(1, 4, 1, 1)
    torch.testing.assert_close(y.float(), expected, rtol=1e-2, atol=1e-2)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kernel_size": 3, "padding": 0},  # not 'same': computed as a plain conv
        {"kernel_size": 3, "padding": 1, "padding_mode": "reflect"},  # not zero padding
        {"kernel_size": 4, "padding": 1},  # even kernel
        {"kernel_size": 5, "padding": 1, "dilation": 2},  # padding short of d·(k-1)/2
        {"kernel_size": 3, "padding": 3, "dilation": 4},  # ... on a map small enough that 'same' would prune
    ],
)
@pytest.mark.parametrize("side", [4, 12])
def test_convs_that_are_not_zero_same_padded_are_never_pruned(kwargs, side):
    from yolo_dsconv.modules import TapPrunedConv2d

    torch.manual_seed(0)
    conv = TapPrunedConv2d(4, 4, groups=4, bias=False, **kwargs)
    plain = torch.nn.Conv2d(4, 4, groups=4, bias=False, **kwargs)
    plain.load_state_dict(conv.state_dict())
    x = torch.randn(1, 4, side, side + 1)
    try:
        expected = plain(x)
    except RuntimeError:
        pytest.skip("the kernel does not fit this map, with or without the plugin")
    with torch.no_grad():
        torch.testing.assert_close(conv(x), expected.detach())


def test_pruning_switched_off_runs_the_full_kernel(monkeypatch):
    import torch.nn.functional as F

    from yolo_dsconv import set_pruning
    from yolo_dsconv.modules import TapPrunedConv2d

    shapes = []
    conv2d = F.conv2d
    monkeypatch.setattr(F, "conv2d", lambda x, w, *a, **k: shapes.append(tuple(w.shape[-2:])) or conv2d(x, w, *a, **k))
    conv = TapPrunedConv2d(4, 4, 7, padding=21, dilation=7, groups=4, bias=False)
    x = torch.randn(1, 4, 12, 12)  # 7×7/d7 on 12×12: the centre 3×3 taps can reach the map
    with torch.no_grad():
        pruned = conv(x)
        set_pruning(conv, False)
        full = conv(x)
    assert shapes == [(3, 3), (7, 7)]
    torch.testing.assert_close(pruned, full)


@pytest.mark.parametrize("size,kept", [((30, 3), (7, 1)), ((3, 30), (1, 7)), ((20, 20), (5, 5)), ((30, 30), (7, 7))])
def test_each_axis_is_pruned_on_its_own(monkeypatch, size, kept):
    import torch.nn.functional as F

    from yolo_dsconv.modules import TapPrunedConv2d

    shapes = []
    conv2d = F.conv2d
    monkeypatch.setattr(F, "conv2d", lambda x, w, *a, **k: shapes.append(tuple(w.shape[-2:])) or conv2d(x, w, *a, **k))
    conv = TapPrunedConv2d(4, 4, 7, padding=21, dilation=7, groups=4, bias=False)
    plain = torch.nn.Conv2d(4, 4, 7, padding=21, dilation=7, groups=4, bias=False)
    plain.load_state_dict(conv.state_dict())
    for x in (torch.randn(1, 4, *size), torch.randn(4, *size)):  # batched and unbatched input
        shapes.clear()
        with torch.no_grad():
            y = conv(x)
        assert shapes[0] == kept
        with torch.no_grad():
            torch.testing.assert_close(y, plain(x))


def test_pruning_default_applies_to_modules_without_their_own_flag():
    from yolo_dsconv.modules.pruning import pruning_enabled

    assert pruning_enabled(torch.nn.Identity()) is True and pruning_enabled() is True


@pytest.mark.parametrize(
    ("c2", "k", "s", "d", "p", "size", "prune"),
    [
        (8, 3, 1, 9, 9, 6, True),  # pruned to the centre tap: the per-channel affine path
        (8, 1, 1, 1, 0, 6, True),  # a 1×1 depthwise kernel: the affine path without pruning
        (8, 1, 2, 1, 0, 6, True),  # stride 2: the one-tap 1×1 conv path
        (8, 3, 1, 9, 0, 20, True),  # padding that is not 'same': never pruned
        (8, 3, 1, 5, 5, 6, False),  # pruning switched off: the full kernel
        (8, 5, 1, 3, 6, 6, True),  # the outer taps (±6) pruned, ±3 kept: a smaller window
    ],
)
def test_bias_is_added_on_every_path(c2, k, s, d, p, size, prune):
    torch.manual_seed(0)
    conv = TapPrunedConv2d(8, c2, k, s, p, dilation=d, groups=8, bias=True)
    conv.bias.data.uniform_(-1, 1)
    conv.prune = prune
    ref = torch.nn.Conv2d(8, c2, k, s, p, dilation=d, groups=8, bias=True)
    ref.load_state_dict(conv.state_dict())
    x = torch.randn(2, 8, size, size)
    torch.testing.assert_close(conv(x), ref(x))


def test_set_pruning_sets_a_real_bool_both_ways():
    m = ExpandConv(16, 16)
    convs = [c for c in m.modules() if isinstance(c, TapPrunedConv2d)]
    assert set_pruning(m, False) is m and all(c.prune is False for c in convs)
    set_pruning(m, True)
    assert all(c.prune is True for c in convs)


def test_one_tap_affine_passes_a_positive_eps(monkeypatch):
    """torch 2.11 refuses batch_norm eps <= 0 even in eval (2.14 only in training); the affine must not rely on it."""
    import torch.nn.functional as F

    from yolo_dsconv.modules import TapPrunedConv2d

    batch_norm = F.batch_norm

    def strict(input, mean, var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
        if eps <= 0:
            raise ValueError(f"batch_norm eps must be positive, but got {eps}")
        return batch_norm(input, mean, var, weight, bias, training, momentum, eps)

    monkeypatch.setattr(F, "batch_norm", strict)
    conv = TapPrunedConv2d(4, 4, 1, groups=4)
    x = torch.randn(2, 4, 5, 5)
    with torch.no_grad():
        expected = torch.nn.functional.conv2d(x, conv.weight, conv.bias, groups=4)
        torch.testing.assert_close(conv(x), expected, rtol=0, atol=1e-6)


@pytest.mark.parametrize("side", [8, 20])
def test_expandconv_trains_under_autocast(side):
    """AMP (Ultralytics' default on GPU): fp32 parameters, fp16/bf16 activations, through every pruned path.

    The CPU's bf16 autocast takes the same mixed-dtype route as CUDA's fp16 one; the one-tap affine once failed both
    ("mixed dtype (CPU): expect parameter to have scalar type of Float"; on CUDA, in backward).
    """
    torch.manual_seed(0)
    m = ExpandConv(16, 16).train()
    reference = copy.deepcopy(m)
    x = torch.randn(2, 16, side, side)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        y = m(x)
    assert y.dtype == torch.bfloat16
    y.float().sum().backward()
    expected = reference(x)
    expected.sum().backward()
    torch.testing.assert_close(y.float(), expected, rtol=0.05, atol=0.05)
    for (name, p), q in zip(m.named_parameters(), reference.parameters()):
        assert p.grad is not None and p.grad.dtype == torch.float32, name
        cos = torch.nn.functional.cosine_similarity(p.grad.flatten(), q.grad.flatten(), dim=0)
        assert cos > 0.95, (name, float(cos))  # bf16 has 8 significant bits; a wrong gradient is far off


def test_pruning_applies_to_cpu_tensors_only(monkeypatch):
    """On CUDA the full kernel runs (pruned was slower on an H100); a meta tensor stands in for a non-CPU device."""
    calls = []
    full = torch.nn.Conv2d._conv_forward
    monkeypatch.setattr(torch.nn.Conv2d, "_conv_forward", lambda *a: calls.append(1) or full(*a))
    conv = TapPrunedConv2d(4, 4, 9, padding=36, dilation=9, groups=4, bias=False)  # 9×9/d9 on 8×8: one tap
    with torch.no_grad():
        conv(torch.randn(1, 4, 8, 8))
        assert calls == []  # CPU: pruned to the per-channel affine
        y = conv.to("meta")(torch.empty(1, 4, 8, 8, device="meta"))
    assert calls == [1] and y.shape == (1, 4, 8, 8)
