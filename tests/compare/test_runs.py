"""How a run without a record is picked up: resumed from a readable last.pt, restarted (folder kept beside) without
one, or when a kill during Ultralytics' checkpoint write left it truncated; attempts counted beside the folder; a
finished run's record read again under the other metric."""

import json
from dataclasses import replace

from yolo_dsconv.compare.runs import _count_attempt, _plan


def test_a_truncated_checkpoint_restarts_the_run_and_keeps_the_folder(tmp_path):
    run = tmp_path / "dsconv" / "seed0"
    (run / "weights").mkdir(parents=True)
    (run / "weights" / "last.pt").write_bytes(b"PK\x03\x04 truncated zip")
    (run / "results.csv").write_text("epoch\n1\n")
    assert _plan(run) == ("restarted", 0)
    assert not run.exists() and (tmp_path / "dsconv" / "seed0.interrupted" / "weights" / "last.pt").is_file()


def test_a_readable_unfinished_checkpoint_resumes_and_a_finished_one_is_reused(tmp_path):
    import torch

    run = tmp_path / "seed0"
    (run / "weights").mkdir(parents=True)
    torch.save({"epoch": 2}, run / "weights" / "last.pt")  # epochs 0..2 done
    assert _plan(run) == ("resumed", 3)
    torch.save({"epoch": -1}, run / "weights" / "last.pt")  # Ultralytics marks a finished run's checkpoint so
    assert _plan(run)[0] == "reused"
    assert _plan(tmp_path / "seed1") == ("trained", 0)


def test_attempts_are_counted_beside_the_run_folder(tmp_path):
    run = tmp_path / "stock" / "seed3"
    assert [_count_attempt(run) for _ in range(3)] == [1, 2, 3]
    assert (tmp_path / "stock" / "seed3.attempts").read_text() == "3" and not run.exists()


def test_a_record_scored_by_the_other_metric_is_scored_again_and_kept(tmp_path):
    from yolo_dsconv.compare.runs import RUN_FILE, RunResult, read_record, train_run, write_record
    from yolo_dsconv.compare.variants import Variant

    run = tmp_path / "stock" / "seed0"
    run.mkdir(parents=True)
    # best epoch by mAP50-95 is 2, by mAP50 it is 1
    (run / "results.csv").write_text("epoch,metrics/mAP50(B),metrics/mAP50-95(B)\n1,0.90,0.50\n2,0.80,0.60\n")
    write_record(run, "map50-95", RunResult("stock", 0, "trained", 2, 2, 0.80, 0.60, 5.0, str(run), curve=[0.5, 0.6]))
    result, rescored = read_record(run, "map50-95")
    assert not rescored and result.best_epoch == 2 and result.status == "trained"  # as it was recorded
    assert (
        read_record(run, "map50")[1] and json.loads((run / RUN_FILE).read_text())["metric"] == "map50-95"
    )  # read only
    reused = train_run(Variant("stock", "unused.yaml", ""), 0, tmp_path, "", {}, "map50")
    assert (reused.best_epoch, reused.map50, reused.map50_95, reused.curve) == (1, 0.90, 0.50, [0.90, 0.80])
    saved = json.loads((run / RUN_FILE).read_text())
    assert saved["metric"] == "map50" and saved["result"]["status"] == "trained"  # kept rescored, status as trained
    assert reused.status == "reused" and read_record(run, "map50") == (replace(reused, status="trained"), False)
    assert read_record(tmp_path / "none", "map50") is None


def test_an_epoch_logged_twice_by_a_resume_counts_once_as_the_run_went_on_from_it(tmp_path):
    from yolo_dsconv.compare.runs import RUN_FILE, RunResult, read_record, read_scores, train_run, write_record
    from yolo_dsconv.compare.variants import Variant

    run = tmp_path / "stock" / "seed0"
    run.mkdir(parents=True)
    # epoch 2 logged, then the process was killed before last.pt was saved; the resume trained epoch 2 again
    (run / "results.csv").write_text(
        "epoch,metrics/mAP50(B),metrics/mAP50-95(B)\n1,0.70,0.40\n2,0.95,0.70\n2,0.80,0.55\n3,0.85,0.60\n"
    )
    scores = read_scores(run / "results.csv", "map50-95")
    assert (scores["epochs"], scores["best_epoch"], scores["curve"]) == (3, 3, [0.40, 0.55, 0.60])
    assert (scores["map50"], scores["map50_95"]) == (0.85, 0.60)  # not the lost epoch 2's 0.70
    # a record that scored the csv with the lost row counted (4 epochs, best 0.70) is scored again and kept
    stale = RunResult("stock", 0, "trained", 4, 2, 0.95, 0.70, 5.0, str(run), curve=[0.40, 0.70, 0.55, 0.60])
    write_record(run, "map50-95", stale)
    result, rescored = read_record(run, "map50-95")
    assert rescored and (result.epochs, result.best_epoch, result.map50_95, result.train_s) == (3, 3, 0.60, 5.0)
    reused = train_run(Variant("stock", "unused.yaml", ""), 0, tmp_path, "", {}, "map50-95")
    assert json.loads((run / RUN_FILE).read_text())["result"]["curve"] == [0.40, 0.55, 0.60]
    assert read_record(run, "map50-95") == (replace(reused, status="trained"), False)
