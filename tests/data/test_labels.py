"""Label geometry of the segment, pose and obb datasets, checked against the pixels that were drawn."""

import cv2
import numpy as np
import pytest
import yaml

from yolo_dsconv.data import FLIP_IDX, KEYPOINTS, generate_shapes_dataset


def single_objects(tmp_path, task, n=24, imgsz=96, seed=4):
    """(mask of the one shape, label row) per image; one shape per image on a plain background."""
    generate_shapes_dataset(tmp_path, n_train=n, n_val=1, imgsz=imgsz, max_objects=1, seed=seed, task=task)
    for img_path in sorted((tmp_path / "images/train").glob("*.png")):
        img = cv2.imread(str(img_path))
        mask = (img != img[0, 0]).any(-1)
        (row,) = np.loadtxt(tmp_path / "labels/train" / f"{img_path.stem}.txt", ndmin=2)
        yield mask, row


def test_segment_polygon_rasterises_to_the_mask(tmp_path):
    for mask, row in single_objects(tmp_path, "segment"):
        polygon = row[1:].reshape(-1, 2)
        back = np.zeros(mask.shape, np.uint8)
        cv2.fillPoly(back, [(polygon * mask.shape[0]).astype(np.int32)], 1)  # as Ultralytics rasterises polygons
        assert np.array_equal(back.astype(bool), mask)
        area = cv2.contourArea((polygon * mask.shape[0]).astype(np.float32))
        assert area <= mask.sum() <= area + cv2.arcLength((polygon * mask.shape[0]).astype(np.float32), True)


def test_pose_keypoints_are_the_centre_and_extreme_pixels(tmp_path):
    data = yaml.safe_load(generate_shapes_dataset(tmp_path / "d", n_train=1, n_val=1, task="pose").read_text())
    assert data["kpt_shape"] == [5, 3] and data["flip_idx"] == [0, 1, 2, 4, 3] == list(FLIP_IDX)
    assert data["kpt_names"] == {0: list(KEYPOINTS)}
    for mask, row in single_objects(tmp_path / "s", "pose"):
        kpts = row[5:].reshape(5, 3)
        assert (kpts[:, 2] == 2).all()
        px = np.floor(kpts[:, :2] * mask.shape[0]).astype(int)  # pixel of each keypoint
        assert all(mask[y, x] for x, y in px)
        ys, xs = np.nonzero(mask)
        _, top, bottom, left, right = px
        assert (top[1], bottom[1], left[0], right[0]) == (ys.min(), ys.max(), xs.min(), xs.max())


def test_obb_is_the_tight_rotated_square_around_the_drawn_shape(tmp_path):
    angles = []
    for mask, row in single_objects(tmp_path, "obb", n=32):
        side = mask.shape[0]
        corners = row[1:].reshape(4, 2) * side
        edges = np.roll(corners, -1, 0) - corners
        lengths = np.linalg.norm(edges, axis=1)
        np.testing.assert_allclose(lengths, lengths[0], atol=1e-3)  # a square ...
        np.testing.assert_allclose(
            edges[:, 0] * np.roll(edges, -1, 0)[:, 0] + edges[:, 1] * np.roll(edges, -1, 0)[:, 1], 0, atol=1e-2
        )
        assert (corners >= 0).all() and (corners <= side).all()  # ... inside the image
        ys, xs = np.nonzero(mask)
        centres = np.stack([xs + 0.5, ys + 0.5], 1)
        normals = np.stack([edges[:, 1], -edges[:, 0]], 1) / lengths[:, None]
        # signed distance of every pixel centre from each side, positive inside
        dist = -((centres[:, None, :] - corners[None]) * normals[None]).sum(-1)
        dist = dist if (dist.mean(0) > 0).all() else -dist
        assert (dist >= -1.0).all()  # every drawn pixel lies inside (rasterisation may reach 1 px past a side)
        assert (dist.min(0) <= 1.5).all()  # and every side touches the shape: the box is tight
        angles.append(np.degrees(np.arctan2(edges[0, 1], edges[0, 0])) % 90)
    assert np.ptp(angles) > 45  # shapes are drawn at many angles


@pytest.mark.parametrize("task", ["segment", "pose", "obb"])
def test_task_datasets_are_deterministic_and_refuse_other_settings(tmp_path, task):
    a = generate_shapes_dataset(tmp_path / "a", n_train=3, n_val=1, imgsz=64, seed=7, task=task).parent
    b = generate_shapes_dataset(tmp_path / "b", n_train=3, n_val=1, imgsz=64, seed=7, task=task).parent
    for sub in ("images/train", "labels/train"):
        assert [p.read_bytes() for p in sorted((a / sub).iterdir())] == [
            p.read_bytes() for p in sorted((b / sub).iterdir())
        ]
    with pytest.raises(FileExistsError, match="other settings"):
        generate_shapes_dataset(tmp_path / "a", n_train=3, n_val=1, imgsz=64, seed=7, task="detect")


def test_unknown_task_is_refused(tmp_path):
    with pytest.raises(ValueError, match="task='classify' is invalid, expected one of detect, segment, pose, obb"):
        generate_shapes_dataset(tmp_path, task="classify")
    assert not tmp_path.joinpath("data.yaml").exists()
