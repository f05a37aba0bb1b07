"""How a run without a record is picked up: resumed from a readable last.pt, restarted (folder kept beside) without
one, or when a kill during Ultralytics' checkpoint write left it truncated; attempts counted beside the folder."""

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
