"""AP by object size: YOLO labels to COCO ground truth in network pixels, scored by pycocotools."""

from __future__ import annotations

import math

import pytest

from yolo_dsconv.compare.sizes import evaluate_sizes, ground_truth, markdown_sizes, size_table, val_images


def _dataset(tmp_path, boxes: list[str], size=(200, 100)):
    from PIL import Image

    (tmp_path / "val" / "images").mkdir(parents=True)
    (tmp_path / "val" / "labels").mkdir()
    Image.new("RGB", size).save(tmp_path / "val" / "images" / "a.jpg")
    (tmp_path / "val" / "labels" / "a.txt").write_text("\n".join(boxes) + "\n")
    data = tmp_path / "data.yaml"
    data.write_text(f"path: {tmp_path}\ntrain: val/images\nval: val/images\nnames: {{0: a, 1: b}}\n")
    return data


def test_boxes_are_counted_in_the_pixels_the_network_sees(tmp_path):
    # a 200x100 photo at imgsz 400: scale 2. Box 1: 0.1 x 0.2 -> 20x20 px -> 40x40 = 1600 (medium);
    # box 2: 0.05 x 0.1 -> 10x10 -> 20x20 = 400 (small); box 3: 0.6 x 1.0 -> 120x100 -> 240x200 (large)
    data = _dataset(tmp_path, ["0 0.5 0.5 0.1 0.2", "1 0.2 0.2 0.05 0.1", "0 0.5 0.5 0.6 1.0"])
    truth, scales = ground_truth(val_images(data), 400)
    assert scales == {"a.jpg": 2.0}
    areas = sorted(a["area"] for a in truth["annotations"])
    assert areas == pytest.approx([400, 1600, 48000])
    box = next(a["bbox"] for a in truth["annotations"] if a["area"] == pytest.approx(1600))
    assert box == pytest.approx([180, 80, 40, 40])  # (0.5 - 0.05) * 200 * 2, (0.5 - 0.1) * 100 * 2, ...


def test_a_perfect_detector_scores_one_in_every_size_and_a_blind_one_zero(tmp_path):
    data = _dataset(tmp_path, ["0 0.5 0.5 0.1 0.2", "1 0.2 0.2 0.05 0.1", "0 0.5 0.5 0.6 1.0"])
    truth, _ = ground_truth(val_images(data), 400)
    perfect = [{"image_id": a["image_id"], "category_id": a["category_id"], "bbox": a["bbox"], "score": 1.0}
               for a in truth["annotations"]]  # fmt: skip
    got = evaluate_sizes(truth, perfect)
    assert [got[s] for s in ("small", "medium", "large")] == pytest.approx([1.0, 1.0, 1.0])
    assert (got["n_small"], got["n_medium"], got["n_large"]) == (1, 1, 1)
    wrong = [{**d, "category_id": 1 - d["category_id"]} for d in perfect]
    assert evaluate_sizes(truth, wrong)["medium"] == 0.0


def test_a_size_with_no_box_is_nan_and_left_out_of_the_table(tmp_path):
    data = _dataset(tmp_path, ["0 0.5 0.5 0.1 0.2"])
    truth, _ = ground_truth(val_images(data), 400)
    got = evaluate_sizes(truth, [])
    assert math.isnan(got["small"]) and math.isnan(got["large"]) and got["medium"] in (0.0, -1.0)
    values = {(v, s): {**got, "medium": 0.1 * s + (0.05 if v == "b" else 0)} for v in "ab" for s in range(3)}
    rows = size_table(values, ["a", "b"])
    assert {r["size"] for r in rows} == {"medium"}
    b = next(r for r in rows if r["variant"] == "b")
    assert b["paired"] and b["delta"] == pytest.approx(0.05) and b["low"] == pytest.approx(0.05)
    assert (b["p_improve"], b["p_improve_low"], b["p_improve_high"]) == (1.0, 1.0, 1.0)  # b above a at every seed


def test_p_improve_has_the_bootstrap_interval_compare_gives_it():
    from yolo_dsconv.compare.stats import difference

    a, b = [0.50, 0.55, 0.47, 0.52], [0.53, 0.51, 0.56]  # 3 seeds against 4: Welch and the two-sample bootstrap
    none = {"small": math.nan, "large": math.nan}  # the split holds medium boxes only
    values = {("a", s): {**none, "medium": x, "n_medium": 9} for s, x in enumerate(a)}
    values |= {("b", s): {**none, "medium": x, "n_medium": 9} for s, x in enumerate(b)}
    rows = size_table(values, ["a", "b"], level=0.9)
    row, d = rows[1], difference(a, b, 0.9)
    assert not row["paired"] and row["p_improve"] == pytest.approx(d.p_improve) == pytest.approx(9 / 12)
    assert (row["p_improve_low"], row["p_improve_high"]) == (d.p_improve_low, d.p_improve_high)
    assert 0 <= row["p_improve_low"] < row["p_improve"] < row["p_improve_high"] <= 1
    table = markdown_sizes(rows, 400, 7, level=0.9)
    assert "| Δ [90 % CI] | P(>ref) [90 % CI] |" in table
    assert f"| {row['p_improve']:.2f} [{row['p_improve_low']:.2f}, {row['p_improve_high']:.2f}] |" in table


def test_labels_are_found_in_ultralytics_layout_as_well(tmp_path):
    """images/val/a.jpg -> labels/val/a.txt (Ultralytics' own datasets and the built-in data), as Ultralytics reads."""
    from PIL import Image

    (tmp_path / "images" / "val").mkdir(parents=True)
    (tmp_path / "labels" / "val").mkdir(parents=True)
    Image.new("RGB", (100, 100)).save(tmp_path / "images" / "val" / "a.png")
    (tmp_path / "labels" / "val" / "a.txt").write_text("0 0.5 0.5 0.5 0.5\n1 0.1 0.1 0.1 0.1\n")
    data = tmp_path / "data.yaml"
    data.write_text(f"path: {tmp_path}\ntrain: images/val\nval: images/val\nnames: {{0: a, 1: b}}\n")
    truth, _ = ground_truth(val_images(data), 100)
    assert sorted(a["area"] for a in truth["annotations"]) == pytest.approx([100, 2500])


def test_one_seed_gives_the_difference_without_an_interval(tmp_path):
    data = _dataset(tmp_path, ["0 0.5 0.5 0.1 0.2"])
    got = evaluate_sizes(ground_truth(val_images(data), 400)[0], [])
    rows = size_table({("a", 0): {**got, "medium": 0.30}, ("b", 0): {**got, "medium": 0.25}}, ["a", "b"])
    table = markdown_sizes(rows, 400, 2)
    assert "| medium | 1 | b | 1 | 0.250 | -0.050 (no interval: one seed) |  |" in table and "nan" not in table
