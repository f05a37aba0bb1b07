"""`yolo-dsconv report project=DIR`: a comparison's folder read as it stands (finished runs only, nothing written in
it), checked against the compare.json of the same comparison, with a reference of the user's choice."""

import json
import shutil
from dataclasses import replace

import numpy as np
import pytest

from helpers import REPO, record_run
from yolo_dsconv.compare import CompareError, comparison, scheduler
from yolo_dsconv.compare.project import Unfinished, read_project
from yolo_dsconv.compare.runs import RUN_FILE
from yolo_dsconv.compare.summary import summary_from_json

EPOCHS = 30
MEANS = {"stock": 0.70, "dsconv": 0.74, "control": 0.66}


def _train_run(variant, seed, project, data, train, metric, placement=None, log=False):
    """A run drawn from N(MEANS[variant], 0.02), fixed by the seed, recorded as train_run records a finished run."""
    rng = np.random.default_rng(100 * seed + list(MEANS).index(variant.name))
    top = float(MEANS[variant.name] + rng.normal(0, 0.02))
    return record_run(project, variant.name, seed, metric, list(top * (1 - np.exp(-0.3 * np.arange(1, EPOCHS + 1)))))


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A finished 3-variant × 4-seed comparison (training replaced by _train_run)."""
    project = tmp_path_factory.mktemp("cmp") / "p"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(scheduler, "train_run", _train_run)
        comparison.compare(project=project, variants=",".join(MEANS), seeds=4, n_train=2, n_val=1, imgsz=64,
                           verbose=False)  # fmt: skip
    return project


def _listing(folder):
    return sorted((str(p.relative_to(folder)), p.stat().st_mtime_ns) for p in folder.rglob("*"))


def _rows(summary):
    return [(r.variant, r.n, r.costs.params, r.spreads["map50_95"], r.vs.get("map50_95")) for r in summary.rows]


@pytest.mark.parametrize("reference", [None, "control"])
def test_a_finished_project_reads_as_its_compare_json(finished, reference):
    before = _listing(finished)
    state = read_project(finished, reference=reference)
    doc = json.loads((finished / "compare.json").read_text())
    assert _rows(state.summary) == _rows(summary_from_json(doc, reference=reference))
    assert state.summary.reference.variant == (reference or "stock") and state.unfinished == []
    assert not any(state.summary.interim(row) for row in state.summary.rows)
    assert _listing(finished) == before  # read only
    assert not list(finished.rglob(f"*{RUN_FILE}.tmp"))  # every record was written whole, then renamed


def test_another_reference_compares_every_variant_with_it(finished):
    rows = {r.variant: r for r in read_project(finished, reference="control").summary.rows}
    for v in ("stock", "dsconv"):
        d = rows[v].vs["map50_95"]
        assert d.delta == pytest.approx(rows[v].spreads["map50_95"].mean - rows["control"].spreads["map50_95"].mean)
    assert rows["dsconv"].vs["map50_95"].verdict == "better"  # 0.74 against 0.66 at a spread of 0.02


def test_a_project_in_progress_counts_its_finished_runs_and_shows_the_rest(finished, tmp_path):
    project = tmp_path / "p"
    shutil.copytree(finished, project)
    (project / "dsconv" / "seed3" / RUN_FILE).unlink()  # as if still training, at its 5th epoch
    logged = "".join(f"{e},0\n" for e in (1, 2, 3, 3, 4, 5))  # epoch 3 logged twice: killed, resumed before it
    (project / "dsconv" / "seed3" / "results.csv").write_text("epoch,x\n" + logged)
    (project / "control" / "seed4").mkdir()  # just started: no results.csv yet
    (project / "control" / "seed3" / RUN_FILE).unlink()  # its results.csv caught mid-write: an epoch not a number
    (project / "control" / "seed3" / "results.csv").write_text("epoch,x\n1,0\nna,0\n")
    (project / "control" / "seed5").mkdir()  # caught while Ultralytics writes its 3rd row: 2 epochs so far
    (project / "control" / "seed5" / "results.csv").write_text("epoch,x\n1,0\n2,0\n3")
    (project / "stock" / "seed3" / RUN_FILE).unlink()  # in training with its metrics logged: its best so far is shown
    curve = "".join(f"{e},{0.1 * e:.2f},{0.05 * e + (e == 3) * 0.1:.2f}\n" for e in (1, 2, 3, 4))
    (project / "stock" / "seed3" / "results.csv").write_text("epoch,metrics/mAP50(B),metrics/mAP50-95(B)\n" + curve)
    state = read_project(project)
    assert [(r.variant, r.n) for r in state.summary.rows] == [("stock", 3), ("dsconv", 3), ("control", 3)]
    assert state.unfinished == [  # by mAP50-95, whose best is at epoch 3; mAP50's would be 0.40 at 4
        Unfinished("stock", 3, 4, 0.25, 3),
        Unfinished("stock", 4, 0),  # control's seeds 4 and 5 are every variant's: not started yet
        Unfinished("stock", 5, 0),
        Unfinished("dsconv", 3, 5),
        Unfinished("dsconv", 4, 0),
        Unfinished("dsconv", 5, 0),
        Unfinished("control", 3, 0),
        Unfinished("control", 4, 0),
        Unfinished("control", 5, 2),
    ]
    assert state.summary.unfinished == [f"{u.variant}/seed{u.seed}" for u in state.unfinished]
    assert state.progress() == (
        "finished runs so far: 9 (stock 3, dsconv 3, control 3); not finished: stock/seed3 (4 epochs, best 0.2500 "
        "at 3), stock/seed4 (0 epochs), stock/seed5 (0 epochs), dsconv/seed3 (5 epochs), dsconv/seed4 (0 epochs), "
        "dsconv/seed5 (0 epochs), control/seed3 (0 epochs), control/seed4 (0 epochs), control/seed5 (2 epochs)"
    )


def test_a_kept_copy_counts_a_seed_one_variant_lacks_as_still_to_come(finished, tmp_path):
    from yolo_dsconv.compare.keep import keep

    project = tmp_path / "p"
    keep(finished, project)  # the copy a study commits: finished runs only
    shutil.rmtree(project / "dsconv" / "seed3")  # not finished when it was kept, so not in the copy
    state = read_project(project)
    assert state.unfinished == [Unfinished("dsconv", 3, 0)]
    _, dsconv, control = state.summary.rows
    assert (dsconv.seeds, control.seeds) == ([0, 1, 2], [0, 1, 2, 3])
    assert state.summary.interim(dsconv) and not state.summary.interim(control)
    assert not dsconv.vs["map50_95"].paired and control.vs["map50_95"].paired


@pytest.mark.parametrize(
    ("change", "reference", "message"),
    [
        ("no config", None, r"holds no compare_config\.json, expected a comparison's project folder"),
        (
            None,
            "contrl",
            r"reference='contrl' is not a variant here, expected one of stock, dsconv, control \(did "
            r"you mean 'control'\?\)",
        ),
        (None, "resnet", r"reference='resnet' is not a variant here, expected one of stock, dsconv, control$"),
        ("no stock runs", None, r"has no finished run of stock \(the reference\) yet"),
        ("edited yaml", None, r"variant 'dsconv': no YAML at .*models has the hash compare_config\.json records"),
    ],
)
def test_a_project_that_cannot_be_read_is_refused_with_nothing_written(finished, tmp_path, change, reference, message):
    project = tmp_path / "p"
    shutil.copytree(finished, project)
    if change == "no config":
        (project / "compare_config.json").unlink()
    elif change == "no stock runs":
        for run in (project / "stock").glob(f"seed*/{RUN_FILE}"):
            run.unlink()
    elif change == "edited yaml":
        yaml = project / "models" / "yolov5-dsconv.yaml"
        yaml.write_text(yaml.read_text() + "# edited\n")
    before = _listing(project)
    with pytest.raises(CompareError, match=message):
        read_project(project, reference=reference)
    assert _listing(project) == before


def test_report_project_prints_the_interim_table_and_writes_its_reading_beside_the_runs(finished, tmp_path, capsys):
    from yolo_dsconv.cli.main import main

    project = tmp_path / "p"
    shutil.copytree(finished, project)
    (project / "stock" / "seed3" / RUN_FILE).unlink()
    assert main(["report", f"project={project}", "reference=dsconv"]) == 0
    out = capsys.readouterr().out
    best = [json.loads(f.read_text())["result"]["map50_95"] for f in (project / "dsconv").glob(f"seed*/{RUN_FILE}")]
    costs = json.loads((finished / "compare.json").read_text())["summary"][1]
    assert costs["variant"] == "dsconv" and len(best) == 4
    expected = ["dsconv", f"{costs['params']:,}", f"{costs['gflops']:.2f}", "4/4", f"{np.mean(best):.3f}"]
    assert out.splitlines()[2].split()[:5] == expected
    assert "finished runs so far: 11 (dsconv 4, stock 3, control 4); not finished: stock/seed3 (0 epochs)" in out
    rows = {line.split()[0]: line for line in out.splitlines()[3:5]}
    assert rows["stock"].endswith("worse†") and "†" not in rows["control"]  # only stock has a run to come
    assert "(†) interim: the variant or the reference has runs not finished yet" in out
    md = (project / "report_vs_dsconv.md").read_text()
    assert md.startswith("# Comparison: base yolov5n.yaml") and "- finished runs so far: 11" in md
    assert md.count("† |") == 2 and "- (†) interim: the variant or the reference" in md  # stock's two metrics
    assert (project / "report_vs_dsconv.png").stat().st_size > 20_000 and not (project / "report.md").exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "give file= (a compare.json) or project= (a comparison's folder), one of them"),
        (["file=a.json", "project=b"], "give file= (a compare.json) or project= (a comparison's folder), one of them"),
        (["project=nowhere"], "/nowhere holds no compare_config.json, expected a comparison's project folder"),
    ],
)
def test_report_refuses_a_bad_choice_of_input(argv, message, capsys, tmp_path, monkeypatch):
    from yolo_dsconv.cli.main import main

    monkeypatch.chdir(tmp_path)
    assert main(["report", *argv]) == 2
    assert message in capsys.readouterr().err and list(tmp_path.iterdir()) == []


def test_the_committed_study_reads_with_every_finished_run_counted(tmp_path):
    study = REPO / "docs" / "results" / "hard256_cos60"
    state = read_project(study)
    counts = {r.variant: r.n for r in state.summary.rows}
    assert counts == {v: len(list((study / v).glob(f"seed*/{RUN_FILE}"))) for v in counts}
    assert list(counts) == ["stock", "dsconv", "control"] and min(counts.values()) >= 2
    assert state.summary.rows[1].costs.layer_params > 0 and state.summary.rows[0].costs.layer_params == 0


def test_a_verdict_is_interim_when_its_variant_or_the_reference_has_a_run_to_come(finished):
    summary = read_project(finished).summary  # stock, dsconv, control; every run finished
    _, dsconv, control = summary.rows
    for unfinished, interim in [
        ([], (False, False)),
        (["dsconv/seed4"], (True, False)),
        (["stock/seed4"], (True, True)),  # the reference: every verdict waits on it
        (["models/stock/seed1"], (False, False)),  # a YAML-path variant named like a folder of stock's
    ]:
        summary.unfinished = unfinished
        assert (summary.interim(dsconv), summary.interim(control)) == interim, unfinished
    dsconv.costs = replace(dsconv.costs, variant="models/dsconv.yaml")  # a variant given as a YAML path
    summary.unfinished = ["models/dsconv.yaml/seed4"]
    assert summary.interim(dsconv) and not summary.interim(control)
