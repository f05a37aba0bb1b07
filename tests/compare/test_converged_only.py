"""converged_only: a comparison's statistics over its converged runs alone, a sensitivity reading beside the full one.
Checked against the statistics computed directly from the kept values, in `summarize`, `read_project` and
`yolo-dsconv report`."""

import json
import shutil

import numpy as np
import pytest
from torch.testing import assert_close

from helpers import record_run, unwrap
from yolo_dsconv.compare import CompareError
from yolo_dsconv.compare.project import read_project
from yolo_dsconv.compare.report import caption, format_summary, markdown_runs, run_time
from yolo_dsconv.compare.runs import RunResult
from yolo_dsconv.compare.stats import differences, spread
from yolo_dsconv.compare.summary import Costs, summarize

EPOCHS = 40


def _curve(top: float, rising: bool) -> list[float]:
    e = np.arange(1, EPOCHS + 1)
    return list(top * (1 - np.exp(-(0.03 if rising else 0.3) * e)))


def _run(variant: str, seed: int, top: float, rising: bool = False) -> RunResult:
    curve = _curve(top, rising)
    return RunResult(variant, seed, "trained", EPOCHS, EPOCHS, top, max(curve), 1.0, "", curve=curve)


COSTS = [Costs("stock", "a.yaml", 10, 1.0), Costs("dsconv", "b.yaml", 12, 1.1)]


def _runs() -> list[RunResult]:
    # dsconv/seed1 is low (0.40) but takes off against the median best of all runs (0.60 → 0.30); against the median of
    # the converged runs alone (0.84 → 0.42) it would not: the kept runs are classified as in the full comparison
    tops = {"stock": [0.80, 0.84, 0.30, 0.31], "dsconv": [0.90, 0.40, 0.88, 0.30]}
    rising = {("stock", 2), ("stock", 3), ("dsconv", 3)}
    return [_run(v, s, top, (v, s) in rising) for v, values in tops.items() for s, top in enumerate(values)]


def test_the_statistics_are_those_of_the_converged_runs_alone():
    full = summarize(COSTS, _runs())
    only = summarize(COSTS, _runs(), converged_only=True)
    assert [(r.variant, r.seed) for r in only.left_out] == [("stock", 2), ("stock", 3), ("dsconv", 3)]
    assert {r.convergence for r in only.left_out} == {"rising"} and {r.convergence for r in only.runs} == {"converged"}
    assert [(r.variant, r.seed, r.convergence) for r in only.runs] == [
        (r.variant, r.seed, r.convergence) for r in full.runs if r.convergence == "converged"
    ]
    kept = {v: [r.map50_95 for r in only.runs if r.variant == v] for v in ("stock", "dsconv")}
    assert [len(kept["stock"]), len(kept["dsconv"])] == [2, 3]
    assert [(r.variant, r.seeds, r.converged) for r in only.rows] == [("stock", [0, 1], 2), ("dsconv", [0, 1, 2], 3)]
    assert only.rows[1].spreads["map50_95"] == spread(kept["dsconv"])
    (expected,) = differences(kept["stock"], [kept["dsconv"]])
    got = only.rows[1].vs["map50_95"]
    assert_close((got.delta, got.low, got.high), (expected.delta, expected.low, expected.high))
    assert full.rows[0].n == 4 and not full.left_out and not full.converged_only


def test_the_table_says_it_is_a_sensitivity_reading_and_names_the_runs_left_out():
    only = summarize(COSTS, _runs(), converged_only=True)
    flat = unwrap(format_summary(only))
    assert "converged runs only, a sensitivity reading beside the full comparison, not instead of it: 5 of 8" in flat
    assert "left out: stock/seed2 (rising), stock/seed3 (rising), dsconv/seed3 (rising)" in flat
    assert "still improving" not in flat and "*" not in format_summary(only).splitlines()[3]  # no run left to star
    assert caption(only, {}).endswith("95% intervals, converged runs only")
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in markdown_runs(only).splitlines()[2:]]
    assert [(c[0], c[1], c[7]) for c in rows] == [  # the runs left out keep their rows, in the table's order
        (r.variant, str(r.seed), "rising" if (r.variant, r.seed) in {("stock", 2), ("stock", 3), ("dsconv", 3)}
         else "converged") for r in _runs()
    ]  # fmt: skip
    assert "converged runs only" not in caption(summarize(COSTS, _runs()), {})


def test_the_run_time_line_counts_every_run_with_a_known_time_a_resumed_one_scaled_to_all_its_epochs():
    import dataclasses

    runs = [dataclasses.replace(r, train_s=60.0 * (10 + i)) for i, r in enumerate(_runs())]  # 10 ... 17 min
    runs[3] = dataclasses.replace(runs[3], train_s=60.0 * 13 / 2, resumed_from=EPOCHS // 2)  # half of 13 min
    runs[7] = dataclasses.replace(runs[7], train_s=float("nan"))  # reused, trained before times were recorded
    runs[6] = dataclasses.replace(runs[6], train_s=5.0, resumed_from=EPOCHS)  # resumed at its end: not known
    known = [10, 11, 12, 13, 14, 15]  # minutes
    line = (
        f"Run time: {sum(known) / 60:.1f} h of training over 6 of the 8 runs, 10–15 min a run (median 12); a resumed "
        "run's last attempt is scaled to all its epochs."
    )
    for only in (False, True):  # the runs a sensitivity reading leaves out took their time too
        assert run_time(summarize(COSTS, runs, converged_only=only)).startswith(line)
    assert run_time(summarize(COSTS, [dataclasses.replace(r, train_s=float("nan")) for r in runs])) == ""


def test_a_variant_without_a_converged_run_is_refused():
    runs = [r for r in _runs() if (r.variant, r.seed) != ("stock", 0) and (r.variant, r.seed) != ("stock", 1)]
    with pytest.raises(CompareError, match=r"converged_only=True leaves stock without a run \(none of its runs"):
        summarize(COSTS, runs, converged_only=True)
    assert summarize(COSTS, runs).rows[0].converged == 0  # the full reading still stands


@pytest.fixture
def project_with_a_rising_run(tmp_path):
    """A finished stock/dsconv comparison, 3 seeds each, whose dsconv/seed1 was still rising."""
    from yolo_dsconv.compare import comparison, scheduler

    def train_run(variant, seed, project, data, train, metric, placement=None, log=False):
        top = 0.7 + 0.01 * seed + (0.05 if variant.name == "dsconv" else 0)
        return record_run(project, variant.name, seed, metric, _curve(top, (variant.name, seed) == ("dsconv", 1)))

    project = tmp_path / "p"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(scheduler, "train_run", train_run)
        comparison.compare(project=project, variants="stock,dsconv", seeds=3, n_train=2, n_val=1, imgsz=64,
                           verbose=False)  # fmt: skip
    return project


def test_a_project_read_converged_only_still_counts_every_finished_run(project_with_a_rising_run):
    state = read_project(project_with_a_rising_run, converged_only=True)
    assert [r.n for r in state.summary.rows] == [3, 2]
    assert state.progress() == "finished runs so far: 6 (stock 3, dsconv 3)"


def test_report_converged_only_writes_its_own_files_beside_the_study(project_with_a_rising_run, capsys):
    from yolo_dsconv.cli.main import main

    study = project_with_a_rising_run / "compare.json"
    md = study.with_suffix(".md")
    before = (md.read_bytes(), md.stat().st_mtime_ns)
    assert main(["report", f"file={study}", "converged_only=True"]) == 0
    out = capsys.readouterr().out
    kept = [r["map50_95"] for r in json.loads(study.read_text())["runs"] if r["variant"] == "dsconv" and r["seed"] != 1]
    assert out.splitlines()[3].split()[3:5] == ["2/2", f"{np.mean(kept):.3f}"]
    assert "left out: dsconv/seed1 (rising)" in unwrap(out)
    written = project_with_a_rising_run / "compare_converged.md"
    assert written.read_text().startswith("# Comparison: ") and "converged runs only" in written.read_text()
    assert written.with_suffix(".png").stat().st_size > 20_000
    assert (md.read_bytes(), md.stat().st_mtime_ns) == before  # the study's own report is left as it was


@pytest.mark.parametrize(("value", "shown"), [("maybe", "'maybe'"), ("1", "1")])
def test_report_refuses_a_converged_only_that_is_not_a_bool(value, shown, project_with_a_rising_run, capsys):
    from yolo_dsconv.cli.main import main

    copy = project_with_a_rising_run.parent / "copy"
    shutil.copytree(project_with_a_rising_run, copy)
    listing = sorted(p.name for p in copy.iterdir())
    assert main(["report", f"project={copy}", f"converged_only={value}"]) == 2
    err = capsys.readouterr().err
    assert f"converged_only={shown} is invalid, expected True or False" in err
    assert sorted(p.name for p in copy.iterdir()) == listing
