"""compare's summary and report without training: seeds=auto's looks (train_run replaced by synthetic runs), the
printed table within 120 columns with its notes, compare.md, the figure, and `yolo-dsconv report` on a committed
study."""

import json

import numpy as np
import pytest

from helpers import REPO, run_cmd, unwrap
from yolo_dsconv.compare import comparison, scheduler
from yolo_dsconv.compare.runs import RunResult

EPOCHS = 40


def _curve(top: float, converged: bool) -> list[float]:
    e = np.arange(1, EPOCHS + 1)
    rate = 0.3 if converged else 0.03
    return list(top * (1 - np.exp(-rate * e)))


def _fake_train(means: dict[str, float], sd: float, converged: bool = True):
    """A train_run that returns a run whose best is drawn from N(means[variant], sd), fixed by the seed."""
    calls = []

    def train_run(variant, seed, project, data, train, metric, placement=None, log=False):
        calls.append((variant.name, seed))
        rng = np.random.default_rng(1000 * seed + sorted(means).index(variant.name))
        top = float(means[variant.name] + rng.normal(0, sd))
        curve = _curve(top, converged)
        best = max(curve)
        return RunResult(variant.name, seed, "trained", EPOCHS, EPOCHS, min(1.0, best + 0.05), best, 1.0,
                         str(project / variant.name / f"seed{seed}"), curve=curve)  # fmt: skip

    return train_run, calls


def _run(tmp_path, monkeypatch, means, sd, **kwargs):
    train_run, calls = _fake_train(means, sd, kwargs.pop("converged", True))
    monkeypatch.setattr(scheduler, "train_run", train_run)
    kw = {"n_train": 2, "n_val": 1, "imgsz": 64, "verbose": False, **kwargs}
    result = comparison.compare(project=tmp_path / "p", variants=",".join(means), **kw)
    return result, calls


def test_auto_stops_at_the_first_look_that_decides_every_verdict(tmp_path, monkeypatch):
    # dsconv 0.1 above stock with spread 0.005: the first look (3 seeds) already says better
    result, calls = _run(tmp_path, monkeypatch, {"stock": 0.7, "dsconv": 0.8}, 0.005, seeds="auto", max_seeds=6)
    assert sorted({s for _, s in calls}) == [0, 1, 2]
    d = result.summary.rows[1].vs["map50_95"]
    assert d.verdict == "better" and d.level == pytest.approx(1 - 0.05 / 4)  # 4 planned looks: 3, 4, 5, 6 seeds
    assert json.loads((tmp_path / "p" / "compare.json").read_text())["config"]["looks"] == 4


def test_auto_adds_seeds_until_max_seeds_when_nothing_decides(tmp_path, monkeypatch):
    # the same mean and a spread of 0.1 against a margin of 0.01: no look decides
    result, calls = _run(tmp_path, monkeypatch, {"stock": 0.7, "dsconv": 0.7}, 0.1, seeds="auto", max_seeds=5)
    assert calls == [(v, s) for s in range(5) for v in ("stock", "dsconv")]  # seed-major, one seed per look
    assert result.summary.rows[1].vs["map50_95"].verdict == "undecided"
    assert "undecided (~" in result.table and "seeds per variant for 80% power" in unwrap(result.table)


def test_a_fixed_seed_count_trains_exactly_that_many(tmp_path, monkeypatch):
    result, calls = _run(tmp_path, monkeypatch, {"stock": 0.7, "dsconv": 0.8}, 0.005, seeds=2)
    assert len(calls) == 4 and result.summary.looks == 1 and result.summary.level == 0.95


def test_the_printed_table_fits_120_columns_and_says_what_did_not_converge(tmp_path, monkeypatch):
    means = {"stock": 0.7, "dsconv": 0.7, "sparse": 0.65, "control": 0.71}
    result, _ = _run(tmp_path, monkeypatch, means, 0.05, seeds=3, converged=False)
    lines = result.table.splitlines()
    assert max(len(line) for line in lines) <= 120
    assert lines[0].split()[:4] == ["variant", "params", "GFLOPs@64", "converged"]
    assert all(" 0/3 " in line for line in lines[2:6])
    flat = unwrap(result.table)  # the notes are wrapped at 120 columns
    assert "12 of 12 runs were still improving at their last epoch" in flat
    # a rising curve's gain over its last 8 of 40 epochs is its last value less its 32nd; the three largest are named
    gains = sorted(((r.curve[-1] - r.curve[-9], f"{r.variant}/seed{r.seed}") for r in result.runs), reverse=True)
    steepest = ", ".join(f"{name} {gain:+.4f}" for gain, name in gains[:3])
    assert f"steepest: {steepest} and 9 more)" in flat
    assert "raise epochs= (with patience= to stop at the plateau)" in flat
    assert all(line.rstrip().endswith("*") for line in lines[3:6])  # each verdict marked: runs did not converge
    md = (tmp_path / "p" / "compare.md").read_text()
    assert md.startswith("# Comparison: base yolov5n.yaml, data built-in shapes, imgsz 64, epochs 30, seeds 3")
    assert md.split("## Runs")[0].count("| sparse |") == 2 and "TOST ±0.01 p" in md and "bootstrap 95% CI" in md
    runs = json.loads((tmp_path / "p" / "compare.json").read_text())["runs"]
    assert {r["convergence"] for r in runs} == {"rising"}
    # compare.md ends with one row per run, in the table's variant order: the gain the rule read, and the state
    runs_table, time_line = md.split("## Runs (0.005 tolerance on the gain)")[1].strip().split("\n\n")
    rows = runs_table.splitlines()[2:]
    assert time_line.startswith("Run time: 0.0 h of training over 12 of the 12 runs, 0–0 min a run (median 0)")
    cells = [[c.strip() for c in row.strip("|").split("|")] for row in rows]
    assert [(c[0], int(c[1])) for c in cells] == [(v, s) for v in means for s in range(3)]
    by_run = {(r.variant, r.seed): r for r in result.runs}
    for c in cells:
        r = by_run[c[0], int(c[1])]
        assert c[2:] == ["40", "40", f"{r.map50_95:.4f}", f"{r.map50:.4f}", f"{r.curve[-1] - r.curve[-9]:+.4f}",
                         "rising", "0.0"]  # fmt: skip
    assert (tmp_path / "p" / "compare.png").stat().st_size > 20_000


def test_converged_runs_leave_no_warning(tmp_path, monkeypatch):
    result, _ = _run(tmp_path, monkeypatch, {"stock": 0.7, "dsconv": 0.8}, 0.005, seeds=3)
    assert "3/3" in result.table and "still improving" not in result.table and "*" not in result.table


def test_report_reads_a_committed_study_again_with_another_margin(tmp_path):
    out = tmp_path / "r.md"
    study = REPO / "docs" / "results" / "compare_320.json"
    proc = run_cmd(["yolo-dsconv", "report", f"file={study}", "margin=0.2", f"out={out}"])
    flat = unwrap(proc.stdout)
    # tol follows the margin (0.1 here): at that resolution 8 of 20 runs still rose; sparse/seed3 never took off
    assert "8 of 20 runs were still improving" in flat and "did not take off" in flat and "sparse/seed3" in flat
    # stock vs dsconv: the 90 % interval lies within ±0.2, but stock's 0.862 + 0.2 passes the 0.995 ceiling
    assert "not worse by >0.2 (ceiling: ≤+0.133)" in proc.stdout and "equivalent ±0.2" not in proc.stdout
    assert out.read_text().startswith("# Comparison: base yolov5n.yaml, data built-in shapes, imgsz 320, epochs 30")
    assert out.with_suffix(".png").stat().st_size > 20_000


def test_another_reading_of_a_study_is_written_under_its_own_name(tmp_path, capsys):
    import shutil

    from yolo_dsconv.cli.main import main
    from yolo_dsconv.compare.report import markdown_summary
    from yolo_dsconv.compare.summary import summary_from_json

    study = tmp_path / "compare.json"
    shutil.copy(REPO / "docs" / "results" / "hard256_cos60" / "compare.json", study)
    own = study.with_suffix(".md")
    own.write_text("the study's own reading\n")
    assert main(["report", f"file={study}", "reference=control", "margin=0.02"]) == 0
    assert main(["report", f"file={study}", "level=0.9", "converged_only=True"]) == 0
    assert main(["report", f"file={study}", "tol=0.02"]) == 0
    capsys.readouterr()
    assert own.read_text() == "the study's own reading\n"
    doc = json.loads(study.read_text())
    for name, options in (("compare_vs_control_margin0.02.md", {"reference": "control", "margin": 0.02}),
                          ("compare_level0.9_converged.md", {"level": 0.9, "converged_only": True}),
                          ("compare_tol0.02.md", {"tol": 0.02})):  # fmt: skip
        written = (tmp_path / name).read_text()
        assert markdown_summary(summary_from_json(doc, **options)) in written
        assert (tmp_path / name).with_suffix(".png").stat().st_size > 20_000
    assert sorted(p.name for p in tmp_path.glob("*.md")) == [
        "compare.md",
        "compare_level0.9_converged.md",
        "compare_tol0.02.md",
        "compare_vs_control_margin0.02.md",
    ]


def test_tol_classifies_each_run_by_its_last_fifths_gain_at_that_tolerance():
    """A second, looser convergence rule read from the same curves: rising exactly where the gain passes tol."""
    from yolo_dsconv.compare.convergence import RISING, tail_gain
    from yolo_dsconv.compare.summary import summary_from_json

    doc = json.loads((REPO / "docs" / "results" / "hard256_cos60" / "compare.json").read_text())
    own, loose = summary_from_json(doc), summary_from_json(doc, tol=0.02)
    assert (own.tol, loose.tol) == (0.005, 0.02)
    rising = [[r.convergence == RISING for r in s.runs] for s in (own, loose)]
    gains = [tail_gain(r.curve)[0] for r in loose.runs]
    assert rising == [[g > 0.005 for g in gains], [g > 0.02 for g in gains]]
    assert (sum(rising[0]), sum(rising[1])) == (4, 0)  # 4 of 24 runs rose by 0.005-0.02 in their last 12 epochs


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["file=nosuch.json"], "file=nosuch.json is not a compare.json"),
        (["margin=-1", "file=x"], "margin=-1 is invalid, expected a positive number"),
        (["level=1.5", "file=x"], "level=1.5 is invalid, expected a confidence level between 0 and 1"),
        (["tol=0", "file=x"], "tol=0 is invalid, expected a positive number"),
    ],
)
def test_report_refuses_bad_input(argv, message, capsys, tmp_path, monkeypatch):
    from yolo_dsconv.cli.main import main

    monkeypatch.chdir(tmp_path)
    assert main(["report", *argv]) == 2
    assert message in capsys.readouterr().err and list(tmp_path.iterdir()) == []


def test_the_figure_shows_every_interval_whole():
    # The difference panel spans each Welch interval, here one that leaves the ±margin band (stock vs the control,
    # +0.003 [-0.007, +0.012]), and has no legend: one in its lower left once hid the end of such an interval.
    import matplotlib.pyplot as plt

    from yolo_dsconv.compare.report import figure
    from yolo_dsconv.compare.summary import summary_from_json

    doc = json.loads((REPO / "docs" / "results" / "hard256_cos60" / "compare.json").read_text())
    s = summary_from_json(doc, reference="control")
    fig = figure(s, doc["config"])
    _, mid, _ = fig.axes
    low, high = mid.get_ylim()
    intervals = [(r.vs[s.key].low, r.vs[s.key].high) for r in s.rows[1:]]
    assert max(h for _, h in intervals) > s.margin  # the case in point
    assert all(low < lo and hi < high for lo, hi in intervals)
    assert mid.get_legend() is None and f"±{s.margin:g} equivalence" in mid.get_title()
    assert fig.axes[2].get_legend() is not None  # the curves keep theirs
    plt.close(fig)
