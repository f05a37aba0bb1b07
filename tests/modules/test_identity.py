"""init="identity": an inserted layer that changes nothing at step 0, learns from it, and survives fuse and pruning."""

from __future__ import annotations

import os

import cv2
import pytest
import torch

import yolo_dsconv  # noqa: F401
from yolo_dsconv import ControlC2f, ExpandConv, graft
from yolo_dsconv.modules import set_pruning


def _photo(realdata, size: int = 256) -> torch.Tensor:
    folder = realdata / "aquarium" / "valid" / "images"
    image = cv2.imread(str(folder / sorted(os.listdir(folder))[0]))
    rgb = cv2.resize(image, (size, size))[..., ::-1].copy()
    return torch.from_numpy(rgb).permute(2, 0, 1)[None].float() / 255


@pytest.mark.parametrize(
    "make", [lambda: ExpandConv(32, 32, init="identity"), lambda: ControlC2f(32, 32, init="identity")]
)
@pytest.mark.parametrize("training", [True, False])
def test_the_identity_start_returns_its_input(make, training):
    torch.manual_seed(0)
    m = make().train(training)
    x = torch.randn(2, 32, 9, 11)
    torch.testing.assert_close(m(x), x, rtol=0, atol=0)


def test_the_default_start_does_not():
    torch.manual_seed(0)
    x = torch.randn(2, 32, 9, 11)
    assert not torch.allclose(ExpandConv(32, 32)(x), x, atol=1e-3)


def test_control_c2f_default_is_the_stock_c2f_tensor_for_tensor():
    from ultralytics.nn.modules import C2f

    torch.manual_seed(0)
    stock = C2f(32, 32, 1, False, 1, 0.37).eval()
    ours = ControlC2f(32, 32, False, 1, 0.37).eval()
    ours.load_state_dict(stock.state_dict())
    x = torch.randn(1, 32, 8, 8)
    torch.testing.assert_close(ours(x), stock(x))
    torch.testing.assert_close(ours.forward_split(x), stock(x))


def test_control_c2f_defaults_are_one_plain_bottleneck_at_half_width():
    from ultralytics.nn.modules import C2f

    ours, stock = ControlC2f(32, 32), C2f(32, 32, 1, False, 1, 0.5)
    assert {k: v.shape for k, v in ours.state_dict().items()} == {k: v.shape for k, v in stock.state_dict().items()}
    assert ours.m[0].add is False and ours.m[0].cv2.conv.groups == 1 and not ours.add


@pytest.mark.parametrize("split", [False, True])
def test_control_c2f_identity_adds_its_input_to_the_c2f_once_it_has_learned(split):
    from ultralytics.nn.modules import C2f

    torch.manual_seed(0)
    ours = ControlC2f(32, 32, init="identity").eval()
    ours.cv2.bn.weight.data.uniform_(0.5, 1.5)  # as after training: the branch is no longer zero
    stock = C2f(32, 32, 1, False, 1, 0.5).eval()
    stock.load_state_dict(ours.state_dict())
    x = torch.randn(1, 32, 8, 8)
    got = ours.forward_split(x) if split else ours(x)
    torch.testing.assert_close(got, x + stock(x))
    assert not torch.allclose(stock(x), torch.zeros_like(x), atol=1e-3)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: ExpandConv(32, 64, init="identity"), "needs c1 == c2"),
        (lambda: ControlC2f(32, 64, init="identity"), "^ControlC2f: init='identity' needs c1 == c2"),
        (lambda: ExpandConv(32, 32, init="zero"), "init='zero' is invalid, expected one of default, identity"),
    ],
)
def test_bad_init_is_refused_by_name(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def _models(source):
    from ultralytics.nn.tasks import DetectionModel

    built = {
        "stock": DetectionModel("yolov5n.yaml", nc=7, verbose=False),
        "identity": DetectionModel(graft("yolov5n.yaml", init="identity"), nc=7, verbose=False),
        "default": DetectionModel(graft("yolov5n.yaml"), nc=7, verbose=False),
    }
    for m in built.values():
        m.load(source, verbose=False)
    return built


@pytest.fixture(scope="module")
def stock_source(realdata):
    """A stock yolov5n (nc=7) holding the COCO backbone and neck and one fixed fresh head: every layer the three
    models share transfers, so they differ only in the inserted layer."""
    from ultralytics.nn.tasks import DetectionModel, load_checkpoint

    torch.manual_seed(0)
    source = DetectionModel("yolov5n.yaml", nc=7, verbose=False)
    source.load(load_checkpoint(realdata / "weights" / "yolov5n.pt")[0], verbose=False)
    return source.eval()


def test_stock_weights_in_the_identity_graft_give_stock_outputs_on_a_real_photo(stock_source, realdata):
    models = _models(stock_source)
    x = _photo(realdata)
    with torch.no_grad():
        out = {k: m.eval()(x) for k, m in models.items()}
    for a, b in zip(out["stock"][1]["feats"], out["identity"][1]["feats"]):
        torch.testing.assert_close(b, a)
    torch.testing.assert_close(out["identity"][0], out["stock"][0])
    p5 = (out["default"][1]["feats"][-1] - out["stock"][1]["feats"][-1]).abs().max()
    assert p5 > 0.1  # the default graft starts from another function


def _first_batch_loss(model, x):
    from ultralytics.cfg import get_cfg

    model.args = get_cfg()
    model.train()
    batch = {
        "img": x.repeat(2, 1, 1, 1),
        "batch_idx": torch.tensor([0.0, 1.0]),
        "cls": torch.tensor([[0.0], [3.0]]),
        "bboxes": torch.tensor([[0.5, 0.5, 0.3, 0.2], [0.3, 0.6, 0.2, 0.4]]),
    }
    loss, _ = model.loss(batch)
    return loss.sum()


def test_the_first_batch_loss_is_the_same_and_a_gradient_reaches_the_inserted_layer(stock_source, realdata):
    models = _models(stock_source)
    x = _photo(realdata, 128)
    stock = _first_batch_loss(models["stock"], x)
    identity = _first_batch_loss(models["identity"], x)
    torch.testing.assert_close(identity, stock)
    identity.backward()
    inserted = models["identity"].model[models["identity"].yaml["dsconv_inserted"][0]]
    assert inserted.cv2.pw.bn.weight.grad.abs().sum() > 0


def test_fuse_and_pruning_keep_the_shortcut():
    torch.manual_seed(0)
    m = ExpandConv(16, 16, init="identity")
    with torch.no_grad():  # a trained layer: the zero scale has moved
        m.cv2.pw.bn.weight.fill_(0.5)
        for bn in (mod for mod in m.modules() if isinstance(mod, torch.nn.BatchNorm2d)):
            bn.running_mean.uniform_(-0.1, 0.1)
    m.eval()
    x = torch.randn(1, 16, 3, 3)  # smaller than the 9x9 dilated kernels' reach: pruning skips taps
    expected = m(x)
    from yolo_dsconv.modules import fuse_conv_bn

    fuse_conv_bn(m)
    m.merge()
    assert m.merged
    torch.testing.assert_close(m(x), expected, rtol=1e-4, atol=1e-5)
    set_pruning(m, False)
    torch.testing.assert_close(m(x), expected, rtol=1e-4, atol=1e-5)
