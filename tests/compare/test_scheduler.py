"""How parallel runs are placed: device lists parsed as Ultralytics takes them, each starting run on the least-loaded
GPU (jobs=8 on 4 GPUs: 2 each), and the progress line's counts and estimate."""

import pytest

from yolo_dsconv.compare.progress import Progress
from yolo_dsconv.compare.runs import RunResult
from yolo_dsconv.compare.scheduler import Slots, split_devices


@pytest.mark.parametrize(
    ("device", "gpus"),
    [("0,1,2,3", ["0", "1", "2", "3"]), ([0, 1], ["0", "1"]), (0, ["0"]), ("cpu", []), (None, []), ("", [])],
)
def test_device_lists(device, gpus):
    assert split_devices(device) == gpus


def test_runs_spread_evenly_over_the_gpus_and_slots_are_given_back():
    slots = Slots(["0", "1", "2", "3"])
    taken = [slots.take() for _ in range(8)]
    assert taken == ["0", "1", "2", "3", "0", "1", "2", "3"]  # jobs=8 on 4 GPUs: two runs each
    slots.give("2")
    assert slots.take() == "2"  # the freed GPU is the least loaded
    assert Slots([]).take() == "cpu"


def test_progress_line_counts_and_estimates_from_the_recorded_run_times(monkeypatch):
    clock = iter([0.0, 120.0])
    monkeypatch.setattr("time.monotonic", lambda: next(clock))
    p = Progress(total=8, jobs=2, key="map50_95")
    p.running = 2
    for seed, score, train_s in ((0, 0.5, 50.0), (1, 0.7, 70.0)):
        p.add(RunResult("stock", seed, "trained", 3, 3, 0.9, score, train_s, ""))
    line = p.line()
    # median 60 s per run; 2 running and 4 queued left, 2 at a time: 60 * 6 / 2 = 180 s, whatever the elapsed time
    assert line == "compare: 2/8 done, 2 running, 4 queued, 2m00s elapsed, ~3m00s left; stock 0.600 (n=2)"


def test_the_last_runs_are_not_shared_among_more_jobs_than_there_are_runs(monkeypatch):
    monkeypatch.setattr("time.monotonic", lambda: 0.0)
    p = Progress(total=5, jobs=4, key="map50_95")
    p.running = 1
    for seed in range(4):
        p.add(RunResult("stock", seed, "trained", 3, 3, 0.9, 0.5, 600.0, ""))
    assert "~10m00s left" in p.line()  # one run left: 600 s, not 600 / 4


def test_a_continued_comparison_estimates_from_the_times_its_finished_runs_recorded(monkeypatch):
    monkeypatch.setattr("time.monotonic", lambda: 0.0)
    p = Progress(total=10, jobs=2, key="map50_95")
    p.running = 2
    # reused runs: 2400 s for 300 epochs; 800 s for the last 100 of 300 (resumed at 200): 2400 s whole; 1800 s
    for seed, train_s, resumed in ((0, 2400.0, 0), (1, 800.0, 200), (2, 1800.0, 0), (3, float("nan"), 0)):
        p.add(RunResult("stock", seed, "reused", 300, 250, 0.9, 0.5, train_s, "", resumed_from=resumed))
    # median 2400 s per run, 2 running and 4 queued, 2 at a time: 2400 * 6 / 2 = 7200 s
    assert p.line().startswith("compare: 4/10 done, 2 running, 4 queued, 0m00s elapsed, ~2h00m left;")
    assert "~?" in Progress(total=2, jobs=1, key="map50_95").line()  # nothing recorded, nothing trained yet
