"""`yolo-dsconv compare` end to end: a tiny comparison, killed mid-way, completed, reused, and guarded."""

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import run_cmd, unwrap

# 2 variants x 2 seeds, 2 epochs at 64 px on 16 built-in images: the smallest comparison with intervals.
TINY = ["variants=stock,dsconv", "seeds=2", "epochs=2", "imgsz=64", "n_train=16", "n_val=8"]


def _rows(project: Path) -> list[dict]:
    with open(project / "compare.csv", newline="") as f:
        return list(csv.DictReader(f))


def _tree(project: Path) -> dict:
    """Every file of the project with its modification time and size (to prove nothing was touched)."""
    return {
        str(p.relative_to(project)): (p.stat().st_mtime_ns, p.stat().st_size) for p in project.rglob("*") if p.is_file()
    }


@pytest.fixture(scope="module")
def interrupted(tmp_path_factory) -> Path:
    """A project whose comparison was killed (SIGKILL) once the second run had started."""
    project = tmp_path_factory.mktemp("cmp") / "runs"
    exe = Path(sys.executable).parent / "yolo-dsconv"
    proc = subprocess.Popen(
        [str(exe), "compare", f"project={project}", *TINY],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.time() + 300
    while not (project / "dsconv" / "seed0").exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert (project / "stock" / "seed0" / "compare_run.json").is_file()
    assert not (project / "compare.csv").exists()  # killed before the end
    return project


@pytest.fixture(scope="module")
def completed(interrupted) -> tuple[Path, dict, str]:
    first = _tree(interrupted)
    out = run_cmd(["yolo-dsconv", "compare", f"project={interrupted}", *TINY], cwd=interrupted.parent).stdout
    return interrupted, first, out


def test_the_next_call_completes_only_the_missing_runs(completed):
    project, before, _ = completed
    rows = _rows(project)
    assert [(r["variant"], r["seed"]) for r in rows] == [
        ("stock", "0"),
        ("dsconv", "0"),
        ("stock", "1"),
        ("dsconv", "1"),
    ]
    status = {(r["variant"], r["seed"]): r["status"] for r in rows}
    assert status[("stock", "0")] == "reused"
    assert status[("dsconv", "0")] in {"resumed", "restarted"}  # killed mid-run: resumed from last.pt, or moved aside
    assert status[("stock", "1")] == status[("dsconv", "1")] == "trained"
    if status[("dsconv", "0")] == "restarted":
        assert (project / "dsconv" / "seed0.interrupted").is_dir()  # moved aside, not deleted
    after = _tree(project)
    stock0 = [k for k in before if k.startswith("stock/seed0/")]
    assert stock0 and all(after[k] == before[k] for k in stock0)  # the finished run was not touched
    for r in rows:
        assert int(r["epochs"]) == 2 and 0.0 <= float(r["map50_95"]) <= float(r["map50"]) <= 1.0
        assert Path(r["save_dir"]) == project / r["variant"] / f"seed{r['seed']}"


def test_outputs_hold_runs_and_summary(completed):
    project, _, out = completed
    doc = json.loads((project / "compare.json").read_text())
    assert [s["variant"] for s in doc["summary"]] == ["stock", "dsconv"]
    assert doc["summary"][0]["params"] == 2_654_816 and doc["summary"][1]["layer_params"] == 258_048
    assert [len(r["curve"]) for r in doc["runs"]] == [2, 2, 2, 2]
    dsconv = doc["summary"][1]
    values = [r["map50_95"] for r in doc["runs"] if r["variant"] == "dsconv"]
    assert dsconv["map50_95"]["mean"] == pytest.approx(sum(values) / 2)
    assert set(dsconv["vs_map50_95"]) >= {"delta", "low", "high", "p_holm", "p_tost", "p_improve", "verdict"}
    assert (project / "compare.png").stat().st_size > 10_000
    assert "Δ [95% CI]" in out and "mAP50-95" in out and "reference" in out
    # 2 epochs cannot show a plateau: every run is reported as not converged, under the table and in the files; a
    # run that learned nothing (best below 0.01) is at floor whatever its length, and the rest too short
    flat = unwrap(out)
    states = {(r["variant"], r["seed"]): r["convergence"] for r in _rows(project)}
    expected = {
        (r["variant"], str(r["seed"])): "at floor" if max(r["curve"]) < 0.01 else "too short" for r in doc["runs"]
    }
    assert states == expected
    floor, short = sum(s == "at floor" for s in states.values()), sum(s == "too short" for s in states.values())
    assert (f"{short} of 4 runs are too short (< 10 epochs)" in flat) == (short > 0)
    assert (f"{floor} of 4 runs learned nothing" in flat) == (floor > 0)
    assert sum(dsconv["convergence"].values()) == 2 and set(dsconv["convergence"]) <= {"too short", "at floor"}
    summary, runs = (project / "compare.md").read_text().split("## Runs")
    assert "h of training over 4 of the 4 runs" in runs  # the run-time line: every run trained here, timed
    assert summary.count("| dsconv |") == 2  # one row per metric
    assert [line.split(" | ")[1:3] for line in runs.splitlines() if line.startswith("| dsconv |")] == [
        ["0", "2"],
        ["1", "2"],
    ]


def test_a_second_identical_call_trains_nothing(completed):
    project, _, _ = completed
    runs = {k: v for k, v in _tree(project).items() if "/seed" in k}
    out = run_cmd(["yolo-dsconv", "compare", f"project={project}", *TINY], cwd=project.parent).stdout
    assert out.count(": reused,") == 4
    assert {r["status"] for r in _rows(project)} == {"reused"}
    assert {k: v for k, v in _tree(project).items() if "/seed" in k} == runs


def test_another_configuration_is_refused_and_nothing_is_touched(completed):
    project, _, _ = completed
    before = _tree(project)
    args = [a if a != "epochs=2" else "epochs=3" for a in TINY]
    proc = run_cmd(["yolo-dsconv", "compare", f"project={project}", *args], cwd=project.parent, check=False)
    assert proc.returncode == 2
    assert "holds a comparison with another configuration (train.epochs: 2 there, 3 now)" in proc.stderr
    assert _tree(project) == before


def _without_time(results_csv: Path) -> list[list[str]]:
    """results.csv without its wall-clock column."""
    with open(results_csv, newline="") as f:
        return [[c for i, c in enumerate(row) if i != 1] for row in csv.reader(f)]


def test_a_seed_reproduces_every_digit_in_another_process(completed, tmp_path):
    # The same seed in a fresh project and process, on one thread instead of two: losses, precision, recall and
    # mAPs of every epoch are identical to the run the killed comparison finished.
    project, _, _ = completed
    other = tmp_path / "again"
    args = [a for a in TINY if not a.startswith(("variants", "seeds"))]
    run_cmd(
        ["yolo-dsconv", "compare", f"project={other}", "variants=stock", "seeds=1", *args], env={"OMP_NUM_THREADS": "1"}
    )
    first = _without_time(project / "stock" / "seed0" / "results.csv")
    assert len(first) == 3 and first == _without_time(other / "stock" / "seed0" / "results.csv")


def test_a_segment_base_trains_on_segment_labels_and_scores_masks(tmp_path):
    from yolo_dsconv.compare import compare

    result = compare(
        base="yolov8n-seg.yaml",
        variants="stock,dsconv",
        seeds=1,
        project=tmp_path,
        epochs=1,
        imgsz=64,
        n_train=8,
        n_val=4,
    )
    assert (tmp_path / "data" / "labels" / "train").is_dir()
    assert json.loads((tmp_path / "compare_config.json").read_text())["data"]["built_in"]["task"] == "segment"
    with open(tmp_path / "stock" / "seed0" / "results.csv") as f:
        header = [h.strip() for h in f.readline().split(",")]
    assert "metrics/mAP50-95(M)" in header
    masks = float(
        next(row for row in _without_time(tmp_path / "stock" / "seed0" / "results.csv")[1:])[
            header.index("metrics/mAP50-95(M)") - 1
        ]
    )
    assert result.runs[0].map50_95 == masks  # the task's own metric: masks, not boxes
    assert [v.name for v in result.variants] == ["stock", "dsconv"] and result.summary.rows[1].costs.layer_params > 0
