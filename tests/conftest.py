"""Test set-up: Ultralytics offline (docs/design.md, "Running without internet"), a private config dir, fixtures."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

# Before anything imports Ultralytics: it reads these at import time.
_CONFIG = Path(tempfile.mkdtemp(prefix="yolo-dsconv-tests-"))
atexit.register(shutil.rmtree, _CONFIG, ignore_errors=True)
os.environ.update(
    {
        "YOLO_OFFLINE": "1",
        "YOLO_AUTOINSTALL": "false",
        "YOLO_CONFIG_DIR": str(_CONFIG),
        "YOLOV5_CONFIG_DIR": str(_CONFIG / "Ultralytics"),  # classic YOLOv5's, where it looks for Arial.ttf
        "MPLCONFIGDIR": str(_CONFIG / "mpl"),
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "2"),
    }
)

import matplotlib  # noqa: E402
import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402
from hypothesis.database import DirectoryBasedExampleDatabase  # noqa: E402

# Property tests: a modest default budget; `--hypothesis-profile=long` for a long run. Hypothesis keeps its example
# database in the per-user cache, never in the checkout.
_DB = DirectoryBasedExampleDatabase(
    str(Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "yolo-dsconv-hypothesis")
)
_COMMON = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow], "database": _DB}
settings.register_profile("ci", max_examples=25, **_COMMON)
settings.register_profile("long", max_examples=1000, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# Ultralytics (and classic YOLOv5's train) looks for Arial.ttf and tries the internet when it is missing.
(_CONFIG / "Ultralytics").mkdir(parents=True, exist_ok=True)
shutil.copyfile(Path(matplotlib.get_data_path()) / "fonts/ttf/DejaVuSans.ttf", _CONFIG / "Ultralytics" / "Arial.ttf")


@pytest.fixture(scope="session")
def shapes_data(tmp_path_factory) -> Path:
    """A tiny built-in shapes dataset (64 px), shared by the end-to-end tests."""
    from yolo_dsconv.data import generate_shapes_dataset

    return generate_shapes_dataset(tmp_path_factory.mktemp("shapes"), n_train=16, n_val=8, imgsz=64, seed=1)


REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"  # beside the checkout: ../shared/realdata


@pytest.fixture(scope="session")
def realdata() -> Path:
    """`../shared/realdata` (real photos and the classic COCO YOLOv5n). In CI its absence fails the test loudly; in
    a plain local run it skips with its reason."""
    if not (REALDATA / "weights" / "yolov5n.pt").is_file():
        message = f"real data missing: expected the classic weights and Aquarium photos in {REALDATA}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return REALDATA


@pytest.fixture(scope="session")
def aquarium_small(realdata, tmp_path_factory) -> Path:
    """A trainable copy of the first 32 train and 16 valid Aquarium photos (symlinked images, copied labels)."""
    from yolo_dsconv.data import local_copy

    return local_copy(realdata / "aquarium" / "data.yaml", tmp_path_factory.mktemp("aquarium"), 32, 16)
