"""ERF numbers against a closed form, and the erf command end to end."""

import re

import cv2
import numpy as np
import pytest
from torch import nn

from helpers import run_cmd
from yolo_dsconv.analysis import compute_erf, mass_square_side


def test_single_conv_erf_closed_form():
    conv = nn.Conv2d(3, 4, 9, padding=4, bias=False)
    nn.init.ones_(conv.weight)
    r = compute_erf(nn.Sequential(conv), imgsz=64, layer=0, samples=2)
    support = np.argwhere(r.erf > 0)
    assert support.min(0).tolist() == [28, 28] and support.max(0).tolist() == [36, 36]  # 9×9 centred on (32, 32)
    np.testing.assert_allclose(r.erf[28:37, 28:37], 1 / 81, rtol=1e-6)
    assert r.erf.sum() == pytest.approx(1.0)
    # uniform 9×9: 5×5 holds 31 %, 7×7 holds 60 % (≥ 50 %), 9×9 holds 100 % (≥ 90 %)
    assert (r.side50, r.side90) == (7, 9)
    assert r.samples == 2 and r.halves == ((7, 9), (7, 9))  # a linear map's ERF does not depend on the input


def test_halves_are_the_erfs_of_the_two_disjoint_halves_of_the_inputs():
    import torch

    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(3, 4, 5, padding=2), nn.ReLU(), nn.Conv2d(4, 4, 5, padding=4, dilation=2), nn.ReLU()
    )
    images = torch.randn(6, 3, 32, 32) * torch.tensor([0.1, 0.1, 0.1, 3.0, 3.0, 3.0])[:, None, None, None]
    whole = compute_erf(model, layer=3, images=images)
    first, second = compute_erf(model, layer=3, images=images[:3]), compute_erf(model, layer=3, images=images[3:])
    assert whole.samples == 6
    assert whole.halves == ((first.side50, first.side90), (second.side50, second.side90))
    assert compute_erf(model, layer=3, images=images[:1]).halves == ()


def test_erf_stops_at_the_layer_and_matches_a_full_forward_pass():
    import torch
    from ultralytics.nn.tasks import DetectionModel

    torch.manual_seed(0)
    model = DetectionModel("yolov5n-dsconv.yaml", verbose=False).eval()
    images = torch.rand(3, 3, 64, 64)
    seen = []
    model.model[-1].register_forward_hook(lambda m, a, y: seen.append(1))  # the Detect head
    r = compute_erf(model, images=images)
    assert r.layer == 10 and seen == []  # P5 (ExpandConv); nothing after it ran
    grads, outputs = [], {}
    model.model[10].register_forward_hook(lambda m, a, y: outputs.__setitem__("y", y))
    for image in images:  # the definition, over the whole model's forward pass
        x = image[None].clone().requires_grad_(True)
        model(x)
        outputs["y"][0, :, 1, 1].sum().backward()  # P5 is 2×2 at 64 px: (1, 1) is its centre, as side // 2
        grads.append(x.grad[0].abs().sum(0))
    expected = torch.stack(grads).sum(0)
    torch.testing.assert_close(torch.from_numpy(r.erf), expected / expected.sum())
    assert len(seen) == 3


@pytest.mark.parametrize("fraction,side", [(0.2, 1), (0.5, 3), (1.0, 5)])
def test_mass_square_side_on_a_known_map(fraction, side):
    erf = np.zeros((9, 9))
    erf[4, 4] = 0.3
    erf[3:6, 3:6] += 0.5 / 9
    erf[2:7, 2:7] += 0.2 / 25
    assert mass_square_side(erf, fraction) == side


def test_erf_command_writes_png_and_numbers(tmp_path):
    out = tmp_path / "erf.png"
    proc = run_cmd(
        [
            "yolo-dsconv",
            "erf",
            "model=yolov5n.yaml",
            "compare=yolov5n-dsconv.yaml",
            "imgsz=64",
            "samples=4",
            f"out={out}",
        ]
    )
    assert cv2.imread(str(out)).shape == (400, 800, 3)
    rows = re.findall(r"^(yolov5n\S*)\s+(\d+)\s+4\s+(\d+)\s+(\d+)\s+(\d+) / (\d+)\s+(\d+) / (\d+)$", proc.stdout, re.M)
    assert [(r[0], r[1]) for r in rows] == [("yolov5n.yaml", "9"), ("yolov5n-dsconv.yaml", "10")]
    assert all(0 < int(r[2]) <= int(r[3]) for r in rows)
    assert all(0 < int(r[4]) <= int(r[6]) and 0 < int(r[5]) <= int(r[7]) for r in rows)


def test_erf_command_bad_layer(capsys):
    from yolo_dsconv.cli.main import main

    assert main(["erf", "model=yolov5n.yaml", "layer=99", "imgsz=64", "samples=1"]) == 2
    assert "layer=99 is out of range" in capsys.readouterr().err


def test_erf_command_missing_inputs_are_one_line(tmp_path, capsys):
    from yolo_dsconv.cli.main import main

    assert main(["erf", f"model={tmp_path / 'nosuch.pt'}", "imgsz=64", "samples=1"]) == 2
    assert capsys.readouterr().err.strip() == f"error: yolo-dsconv erf: checkpoint '{tmp_path / 'nosuch.pt'}' not found"
    (tmp_path / "empty").mkdir()
    assert main(["erf", "model=yolov5n.yaml", f"data={tmp_path / 'empty'}", "imgsz=64", "samples=1"]) == 2
    assert capsys.readouterr().err.strip() == f"error: yolo-dsconv erf: no images under {tmp_path / 'empty'}"
