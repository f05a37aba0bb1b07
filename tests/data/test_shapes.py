"""The built-in shapes dataset: exact boxes, classes in range, deterministic for a seed, nothing overwritten."""

import hashlib
import json

import cv2
import numpy as np
import pytest
import yaml

from yolo_dsconv.data import SHAPE_CLASSES, generate_shapes_dataset


def digest(root):
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(root).as_posix().encode() + p.read_bytes())
    return h.hexdigest()


def test_layout_and_data_yaml(tmp_path):
    data = generate_shapes_dataset(tmp_path / "ds", n_train=5, n_val=3, imgsz=64, seed=3)
    cfg = yaml.safe_load(data.read_text())
    assert cfg["names"] == dict(enumerate(SHAPE_CLASSES)) and cfg["path"] == str(tmp_path / "ds")
    assert len(list((tmp_path / "ds/images/train").glob("*.png"))) == 5
    assert len(list((tmp_path / "ds/labels/val").glob("*.txt"))) == 3


def test_labels_are_exact_pixel_extents(tmp_path):
    # One object per image on a plain background: the box must be exactly the extent of the non-background pixels.
    generate_shapes_dataset(tmp_path, n_train=24, n_val=1, imgsz=96, max_objects=1, seed=5)
    for img_path in sorted((tmp_path / "images/train").glob("*.png")):
        img = cv2.imread(str(img_path))
        rows = np.loadtxt(tmp_path / "labels/train" / f"{img_path.stem}.txt", ndmin=2)
        assert rows.shape == (1, 5)
        k, cx, cy, w, h = rows[0]
        ys, xs = np.nonzero((img != img[0, 0]).any(-1))
        expected = (
            np.array(
                [
                    (xs.min() + xs.max() + 1) / 2,
                    (ys.min() + ys.max() + 1) / 2,
                    xs.max() + 1 - xs.min(),
                    ys.max() + 1 - ys.min(),
                ]
            )
            / 96
        )
        np.testing.assert_allclose([cx, cy, w, h], expected, atol=1e-6)
        assert 0 <= int(k) < len(SHAPE_CLASSES) and k == int(k)


def test_boxes_inside_and_classes_in_range(tmp_path):
    generate_shapes_dataset(tmp_path, n_train=30, n_val=10, imgsz=64, classes=("circle", "cross"), seed=2)
    counts = np.zeros(2)
    for f in (tmp_path / "labels").rglob("*.txt"):
        rows = np.loadtxt(f, ndmin=2)
        assert len(rows) >= 1
        k, cx, cy, w, h = rows.T
        assert set(k.astype(int)) <= {0, 1}
        eps = 1e-6  # labels are written with 6 decimals
        assert (cx - w / 2 >= -eps).all() and (cx + w / 2 <= 1 + eps).all()
        assert (cy - h / 2 >= -eps).all() and (cy + h / 2 <= 1 + eps).all()
        assert (w > 0).all() and (h > 0).all()
        np.add.at(counts, k.astype(int), 1)
    assert (counts > 0).all()


def test_deterministic_for_a_seed(tmp_path):
    a = generate_shapes_dataset(tmp_path / "a", n_train=6, n_val=2, imgsz=64, seed=7).parent
    b = generate_shapes_dataset(tmp_path / "b", n_train=6, n_val=2, imgsz=64, seed=7).parent
    c = generate_shapes_dataset(tmp_path / "c", n_train=6, n_val=2, imgsz=64, seed=8).parent
    assert digest(a / "images") == digest(b / "images") and digest(a / "labels") == digest(b / "labels")
    assert digest(a / "images") != digest(c / "images")


def test_reuse_and_refuse_to_overwrite(tmp_path):
    data = generate_shapes_dataset(tmp_path / "ds", n_train=2, n_val=1, imgsz=32)
    stamp = data.stat().st_mtime_ns
    assert generate_shapes_dataset(tmp_path / "ds", n_train=2, n_val=1, imgsz=32) == data
    assert data.stat().st_mtime_ns == stamp
    with pytest.raises(FileExistsError, match="other settings"):
        generate_shapes_dataset(tmp_path / "ds", n_train=3, n_val=1, imgsz=32)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep")
    with pytest.raises(FileExistsError, match="not empty"):
        generate_shapes_dataset(tmp_path / "mine")
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep"


@pytest.mark.parametrize(
    "kwargs,word", [({"classes": ("hexagon",)}, "hexagon"), ({"n_train": 0}, "n_train=0"), ({"imgsz": 8}, "imgsz=8")]
)
def test_bad_arguments(tmp_path, kwargs, word):
    with pytest.raises(ValueError, match=word):
        generate_shapes_dataset(tmp_path / "x", **kwargs)


def test_clutter_is_drawn_unlabelled_and_reproducible(tmp_path):
    """The hard level: distractors drawn (more colours than shapes alone), labels only for the shapes, sized as the
    level says, and the same files for the same seed."""
    from yolo_dsconv.data import LEVELS

    hard = LEVELS["hard"]
    a = generate_shapes_dataset(tmp_path / "a", n_train=6, n_val=1, imgsz=128, **hard).parent
    b = generate_shapes_dataset(tmp_path / "b", n_train=6, n_val=1, imgsz=128, **hard).parent
    plain = generate_shapes_dataset(tmp_path / "c", n_train=6, n_val=1, imgsz=128).parent
    files = sorted(p.relative_to(a) for p in a.rglob("*.png"))
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files)  # a seed gives the same files
    assert json.loads((a / "dataset.json").read_text())["clutter"] == hard["clutter"]
    assert "clutter" not in json.loads((plain / "dataset.json").read_text())  # easy manifests stay as they were
    outside = []
    for root in (a, plain):
        for img_path in sorted((root / "images/train").glob("*.png")):
            img = cv2.imread(str(img_path))
            rows = np.loadtxt(root / "labels/train" / f"{img_path.stem}.txt", ndmin=2)
            free = np.ones(img.shape[:2], bool)  # pixels outside every labelled box
            for _, cx, cy, w, h in rows * [1, 128, 128, 128, 128]:
                free[round(cy - h / 2) : round(cy + h / 2), round(cx - w / 2) : round(cx + w / 2)] = False
            outside.append(int(((img != img[free][0]).any(-1) & free).sum()))  # not background, outside the boxes
            if root == a:
                assert 1 <= len(rows) <= hard["max_objects"]
                assert all(hard["min_frac"] * 0.9 <= max(w, h) <= hard["max_frac"] + 2 / 128 for w, h in rows[:, 3:])
    assert all(n > 0 for n in outside[:6]) and outside[6:] == [0] * 6  # distractors: drawn, and never labelled


def test_clutter_must_be_a_count(tmp_path):
    with pytest.raises(ValueError, match=r"clutter=-1 is invalid, expected an integer ≥ 0"):
        generate_shapes_dataset(tmp_path / "x", clutter=-1)
    assert not (tmp_path / "x").exists()
