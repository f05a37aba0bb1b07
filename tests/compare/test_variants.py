"""The variants a comparison trains: what each YAML holds, and the control's size against ExpandConv's."""

import pytest
import torch
import yaml

from yolo_dsconv import ExpandConv
from yolo_dsconv.compare import CompareError, compare, control_hidden, make_variants
from yolo_dsconv.compare.variants import CONTROL_TOLERANCE
from yolo_dsconv.yaml_tools import GraftError


def _row(model_path, index):
    from pathlib import Path

    from yolo_dsconv.paths import unscaled_name

    path = Path(model_path)
    data = yaml.safe_load(path.with_name(unscaled_name(path.name)).read_text())
    return (data["backbone"] + data["head"])[index]


@pytest.mark.parametrize(
    "base", ["yolov5n.yaml", "yolov5s.yaml", "yolov8n.yaml", "yolov8s.yaml", "yolo11n.yaml", "yolo11s.yaml"]
)
def test_control_matches_expandconv_parameters(base, tmp_path):
    dsconv, control = make_variants(base, ["dsconv", "control"], tmp_path)
    assert dsconv.layer_params > 0
    assert abs(control.layer_params / dsconv.layer_params - 1) <= CONTROL_TOLERANCE
    assert abs(control.params / dsconv.params - 1) < 0.01  # and so the whole models match too
    assert _row(control.model, 10)[2] == "C2f" and _row(dsconv.model, 10)[2] == "ExpandConv"


def test_variants_yamls_and_outputs(tmp_path):
    from ultralytics import YOLO

    stock, dsconv, sparse, control = make_variants("yolov5n.yaml", ["stock", "dsconv", "sparse", "control"], tmp_path)
    assert [v.model.rsplit("/", 1)[1] for v in (stock, dsconv, sparse, control)] == [
        "yolov5n.yaml",
        "yolov5n-dsconv.yaml",
        "yolov5n-sparse.yaml",
        "yolov5n-control.yaml",
    ]
    assert stock.layer_params == 0 and stock.params == 2_654_816  # yolov5n as Ultralytics builds it
    assert _row(dsconv.model, 10) == [-1, 1, "ExpandConv", [1024]]
    assert _row(sparse.model, 10) == [-1, 1, "ExpandConv", [1024, [5, 7, 9], None, 0.5, False]]
    sparse_layer = YOLO(sparse.model).model.model[10]
    assert isinstance(sparse_layer, ExpandConv) and not sparse_layer.dense
    x = torch.zeros(1, 3, 64, 64)
    shapes = {v.name: YOLO(v.model).model.eval()(x)[0].shape for v in (stock, dsconv, sparse, control)}
    assert shapes["dsconv"] == shapes["sparse"] == shapes["control"] == shapes["stock"] == (1, 84, 84)


def test_a_yaml_path_variant_is_taken_as_it_is(tmp_path):
    from yolo_dsconv import model_yaml

    path = model_yaml("yolov5-dsconv.yaml").replace("yolov5-dsconv", "yolov5n-dsconv")
    (mine,) = make_variants("yolov5n.yaml", [path], tmp_path / "models")
    assert mine.model.endswith("yolov5n-dsconv.yaml") and mine.layer_params == 258_048
    with pytest.raises(FileNotFoundError, match=r"variant 'nope\.yaml' is neither one of stock, dsconv"):
        make_variants("yolov5n.yaml", ["nope.yaml"], tmp_path)


def test_control_hidden_is_the_closest_width():
    from ultralytics.nn.modules import C2f

    c_, params = control_hidden(256, 256, 258_048)
    count = lambda h: sum(p.numel() for p in C2f(256, 256, 1, False, 1, (h + 0.5) / 256).parameters())  # noqa: E731
    assert params == count(c_)
    assert abs(count(c_) - 258_048) <= min(abs(count(c_ - 1) - 258_048), abs(count(c_ + 1) - 258_048))


def test_base_without_sppf_is_refused_for_grafted_variants(tmp_path):
    with pytest.raises(GraftError, match=r"variant 'dsconv' needs an SPPF in base=yolov8-cls\.yaml"):
        make_variants("yolov8n-cls.yaml", ["dsconv"], tmp_path)
    (stock,) = make_variants("yolov8n-cls.yaml", ["stock"], tmp_path)  # stock alone needs no SPPF
    assert stock.layer_params == 0


def test_an_existing_variant_yaml_is_never_overwritten(tmp_path):
    (tmp_path / "yolov5-dsconv.yaml").write_text("# mine\n")
    with pytest.raises(FileExistsError, match="exists with other content; a comparison never overwrites a YAML"):
        make_variants("yolov5n.yaml", ["dsconv"], tmp_path)
    assert (tmp_path / "yolov5-dsconv.yaml").read_text() == "# mine\n"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"variants": "stock,foo"}, "variant 'foo' is unknown, expected one of stock, dsconv, sparse, control or"),
        ({"variants": "stock,stock"}, r"variants=stock,stock is invalid, expected distinct names"),
        ({"variants": ""}, r"variants= is invalid"),
        ({"seeds": 0}, "seeds=0 is invalid, expected a positive integer"),
        ({"seeds": 2.5}, "seeds=2.5 is invalid, expected a positive integer or auto"),
        ({"seeds": "many"}, "seeds='many' is invalid, expected a positive integer or auto"),
        ({"seeds": "auto", "max_seeds": 2}, "max_seeds=2 is invalid, expected an integer ≥ 3"),
        ({"seeds": "auto", "variants": "stock"}, "seeds=auto needs at least 2 variants"),
        ({"margin": 0}, r"margin=0 is invalid, expected a positive number \(in metric units\)"),
        ({"tol": -0.1}, r"tol=-0.1 is invalid, expected a positive number"),
        ({"jobs": 0}, r"jobs=0 is invalid, expected a positive integer"),
        ({"jobs": 1.5}, r"jobs=1\.5 is invalid, expected a positive integer"),
        ({"backend": "slurm"}, r"backend='slurm' is unknown, expected one of local, ray"),
        ({"threads": 0}, r"threads=0 is invalid, expected a positive integer"),
        ({"address": "auto"}, r"address=auto joins a Ray cluster and needs backend=ray"),
        (
            {"jobs": 8, "device": "0,1,2,3", "batch": -1},
            r"batch=-1 \(AutoBatch\) sizes a batch for a whole GPU, but jobs=8",
        ),
        ({"jobs": 4, "device": "0,1", "batch": 0.7}, r"batch=0\.7 \(AutoBatch\) .* jobs=4 on 2 GPU\(s\)"),
        ({"metric": "map75"}, "metric='map75' is invalid, expected one of map50, map50-95"),
        ({"level": 95}, "level=95 is invalid, expected a confidence level between 0 and 1"),
        ({"name": "x"}, "name= is set by compare itself and cannot be given"),
        ({"epohcs": 3}, r"epohcs= is not an Ultralytics train argument"),
        ({"base": "yolov8n-cls.yaml"}, r"variant .dsconv. needs an SPPF in base=yolov8-cls\.yaml"),
        ({"base": "yolov8n-cls.yaml", "variants": "stock"}, "the built-in data has no classify labels; pass data="),
        ({"data": "missing.yaml"}, "data='missing.yaml' is not a file, expected a dataset YAML"),
        ({"shapes": "harder"}, "shapes='harder' is invalid, expected one of easy, hard"),
        ({"sizes": "yes"}, "sizes='yes' is invalid, expected True or False"),
        (
            {"base": "yolov8n-seg.yaml", "sizes": True},
            r"sizes=True scores the boxes of a detection comparison, but "
            r"base=yolov8n-seg\.yaml is a segment model",
        ),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_written(kwargs, message, tmp_path):
    with pytest.raises((CompareError, GraftError), match=message):
        compare(project=tmp_path / "p", **kwargs)
    assert not (tmp_path / "p").exists()


def test_a_folder_that_is_not_a_comparison_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(CompareError, match=r"holds no compare_config\.json, so it is not a comparison's folder"):
        compare(project=tmp_path, variants="stock", seeds=1)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_ray_missing_is_named_with_its_extra(tmp_path, monkeypatch):
    import sys

    from yolo_dsconv.compare.ray_backend import RayError

    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError
    with pytest.raises(
        RayError, match=r"backend=ray needs Ray, which is not installed: pip install 'yolo-dsconv\[ray\]'"
    ):
        compare(project=tmp_path / "p", variants="stock,dsconv", backend="ray")
    assert not (tmp_path / "p").exists()


def test_address_auto_without_a_cluster_is_refused(tmp_path, monkeypatch):
    from yolo_dsconv.compare import ray_backend

    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    monkeypatch.setattr(ray_backend, "CURRENT_CLUSTER", tmp_path / "none")
    with pytest.raises(ray_backend.RayError, match="address=auto found no running Ray cluster"):
        compare(project=tmp_path / "p", variants="stock,dsconv", backend="ray", address="auto")
    assert not (tmp_path / "p").exists()
