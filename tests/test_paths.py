"""Model-YAML names and lookup: scale letters, stock counterparts, shipped files, Ultralytics' own search."""

from pathlib import Path

import pytest

from yolo_dsconv.paths import (
    MODEL_YAMLS,
    find_model_yaml,
    model_yaml,
    scaled_name,
    shipped_fallback,
    shipped_model_yamls,
    stock_counterpart,
    unscaled_name,
)


@pytest.mark.parametrize(
    "name,unscaled",
    [
        ("yolov8s-dsconv.yaml", "yolov8-dsconv.yaml"),
        ("yolo11n-seg-dsconv.yaml", "yolo11-seg-dsconv.yaml"),
        ("yolov5x.yaml", "yolov5.yaml"),
        ("yolov8-dsconv.yaml", "yolov8-dsconv.yaml"),  # no scale letter: unchanged
        ("/runs/run8s/yolov8-dsconv.yaml", "/runs/run8/yolov8-dsconv.yaml"),  # Ultralytics' rule, whole string
    ],
)
def test_unscaled_name_follows_ultralytics(name, unscaled):
    assert unscaled_name(name) == unscaled


@pytest.mark.parametrize(
    "name,scale,scaled",
    [
        ("yolo11-seg-dsconv.yaml", "n", "yolo11n-seg-dsconv.yaml"),
        ("yolov8-dsconv.yaml", "s", "yolov8s-dsconv.yaml"),
        ("yoloe-v8-seg.yaml", "l", "yoloe-v8l-seg.yaml"),
        ("rtdetr-l.yaml", "x", "rtdetr-l.yaml"),  # not a yolo name: unchanged
    ],
)
def test_scaled_name_inverts_unscaling(name, scale, scaled):
    assert scaled_name(name, scale) == scaled
    assert unscaled_name(scaled) == unscaled_name(name)


def test_stock_counterpart():
    assert stock_counterpart("yolov5s-dsconv.yaml") == "yolov5s.yaml"
    assert stock_counterpart("/a/b/yolo11n-seg-dsconv.yaml") == "yolo11n-seg.yaml"
    assert stock_counterpart("yolov5s.yaml") is None
    assert stock_counterpart("my-dsconvnet.yaml") is None  # only a whole "-dsconv" part counts


def test_shipped_yamls_and_model_yaml():
    names = [p.name for p in shipped_model_yamls()]
    assert names == sorted(names) and "yolov5-dsconv.yaml" in names and len(names) == 9
    assert model_yaml("yolov5s-dsconv.yaml") == str(MODEL_YAMLS / "yolov5s-dsconv.yaml")  # keeps the scale letter
    assert model_yaml("yolov8-dsconv") == str(MODEL_YAMLS / "yolov8-dsconv.yaml")
    shipped = ", ".join(names)
    with pytest.raises(
        FileNotFoundError, match=rf"no shipped model YAML matches 'yolov9s-dsconv'; shipped: {shipped}$"
    ):
        model_yaml("yolov9s-dsconv")


def test_shipped_fallback(tmp_path):
    assert shipped_fallback("yolov8s-dsconv.yaml") == str(MODEL_YAMLS / "yolov8-dsconv.yaml")
    assert shipped_fallback("yolov8-dsconv.yaml") == str(MODEL_YAMLS / "yolov8-dsconv.yaml")
    mine = tmp_path / "mine.yaml"
    mine.write_text("x")
    assert shipped_fallback(str(tmp_path / "mine.yaml")) == str(mine)
    scaled_dir = tmp_path / "run8s"
    scaled_dir.mkdir()
    (scaled_dir / "net8-x.yaml").write_text("x")
    assert shipped_fallback(str(scaled_dir / "net8s-x.yaml")) == str(scaled_dir / "net8-x.yaml")
    assert shipped_fallback(str(tmp_path / "nothing.yaml")) is None


def test_find_model_yaml(tmp_path):
    assert find_model_yaml("yolov8s.yaml").name == "yolov8.yaml"  # Ultralytics' own, by scaled name
    assert find_model_yaml("yolov8s-dsconv.yaml") == MODEL_YAMLS / "yolov8-dsconv.yaml"  # ours, by scaled name
    mine = tmp_path / "mine.yaml"
    mine.write_text("x")
    assert find_model_yaml(mine) == mine and find_model_yaml(str(mine)) == Path(str(mine))
    with pytest.raises(FileNotFoundError, match=r"model='yolov8s' is not a YAML file name or path"):
        find_model_yaml("yolov8s")
    for name in ("nothing-here.yaml", "nothing-here.yml"):
        with pytest.raises(FileNotFoundError, match=f"^model='{name}' is neither an existing file nor a YAML shipped"):
            find_model_yaml(name)


def test_classic_fallback_finds_shipped_classic_yamls_by_name_only():
    from yolo_dsconv.paths import CLASSIC_YAMLS, classic_fallback

    assert sorted(p.name for p in CLASSIC_YAMLS.glob("*.yaml")) == [f"yolov5{s}-dsconv.yaml" for s in "lmnsx"]
    assert classic_fallback("yolov5s-dsconv.yaml") == str(CLASSIC_YAMLS / "yolov5s-dsconv.yaml")
    assert classic_fallback("some/dir/yolov5n-dsconv.yaml") == str(CLASSIC_YAMLS / "yolov5n-dsconv.yaml")
    assert classic_fallback("yolov5-dsconv.yaml") is None  # the Ultralytics (unscaled) one is not a classic file
    assert classic_fallback("yolov5s-dsconv.yml") is None and classic_fallback("yolov5s-dsconv") is None
    assert classic_fallback("data.yaml") is None
