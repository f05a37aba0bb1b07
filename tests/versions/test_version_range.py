"""The supported range, proven on real releases: the matrix steps pass on its lowest and highest release (CI), and
a release below it is refused. `make versions` runs the full matrix (scripts/release_matrix.py). Needs the package
index: marked slow.
"""

import json
import subprocess
import sys

import pytest

from helpers import REPO
from yolo_dsconv.compat import LOWEST, NEWEST_TESTED, release

pytestmark = pytest.mark.slow
MATRIX = [sys.executable, str(REPO / "scripts" / "release_matrix.py")]


@pytest.mark.parametrize("version", [LOWEST, NEWEST_TESTED])
def test_range_ends_pass_every_step_stock_passes(version, tmp_path):
    out = tmp_path / "matrix"
    proc = subprocess.run([*MATRIX, "--releases", version, "--out", str(out)], capture_output=True, text=True, cwd=REPO)
    assert out.with_suffix(".json").is_file(), proc.stdout[-2000:] + proc.stderr[-2000:]
    [row] = json.loads(out.with_suffix(".json").read_text())
    print(json.dumps(row))
    failed = {step: row["errors"][step] for step, outcome in row["steps"].items() if outcome == "FAIL"}
    assert failed == {}  # "stock fails too" is allowed: the step does not work on that release even without us


def test_release_below_the_range_is_refused(tmp_path):
    older = "8.0.200"
    assert release(older) < release(LOWEST)
    made = subprocess.run([*MATRIX, "--overlay", older], capture_output=True, text=True, check=True, cwd=REPO)
    py = made.stdout.strip().splitlines()[-1]
    run = lambda code: subprocess.run([py, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=600)  # noqa: E731
    out = run("import yolo_dsconv")
    assert out.returncode == 1 and f"supports ultralytics>={LOWEST}, but ultralytics {older} is installed" in out.stderr
    out = run("import ultralytics.nn.tasks; print('ok')")
    assert out.stdout.strip().endswith("ok") and "ExpandConv not registered" in out.stderr
    assert run("pass").stderr == ""
