"""How parallel runs are placed: device lists parsed as Ultralytics takes them, each starting run on the least-loaded
GPU (jobs=8 on 4 GPUs: 2 each), and the progress line's counts and estimate."""

import pytest

from yolo_dsconv.compare.progress import LOG_EVERY, Progress
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


def _log(folder, epochs: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.csv").write_text("epoch,x\n" + "".join(f"{e},0\n" for e in range(1, epochs + 1)))


def test_the_line_shows_the_epoch_each_running_run_has_reached_and_counts_what_it_has_left(tmp_path, monkeypatch):
    monkeypatch.setattr("time.monotonic", lambda: 0.0)
    p = Progress(total=6, jobs=2, key="map50_95", epochs=500)
    for seed in range(2):
        p.add(RunResult("stock", seed, "trained", 500, 400, 0.9, 0.5, 100.0, ""))
    p.running = 2
    _log(tmp_path / "a", 100)
    p.begin(tmp_path / "a")
    p.begin(tmp_path / "b")  # started, nothing logged yet
    # 2 queued, one run 4/5 to go, one all to go: 3.8 runs of 100 s, 2 at a time: 190 s
    assert p.line().startswith("compare: 2/6 done, 2 running (epochs 100, 0 of 500), 2 queued, 0m00s elapsed, ~3m10s")
    p.end(tmp_path / "a")
    p.add(RunResult("stock", 2, "trained", 500, 400, 0.9, 0.5, 100.0, ""))
    p.running = 1
    assert "3/6 done, 1 running (epoch 0 of 500), 2 queued" in p.line()
    p.end(tmp_path / "b")
    p.add(RunResult("stock", 3, "trained", 500, 400, 0.9, 0.5, 100.0, ""))
    p.running = 0
    assert "4/6 done, 0 running, 2 queued" in p.line()
    p = Progress(total=4, jobs=4, key="map50_95", running=4, epochs=500)
    for i, e in enumerate((12, 9, 14, 11)):  # more runs than a terminal line lists: their range
        _log(tmp_path / f"r{i}", e)
        p.begin(tmp_path / f"r{i}")
    assert p.line().startswith("compare: 0/4 done, 4 running (epochs 9–14 of 500), 0 queued")
    (tmp_path / "r1" / "results.csv").write_text("epoch,x\n1,0\n2")  # caught mid-write: its last row not counted
    assert p.line().startswith("compare: 0/4 done, 4 running (epochs 1–14 of 500), 0 queued")
    (tmp_path / "r1" / "results.csv").write_text("epoch,x\nna,0\n")  # unreadable: counts as none yet
    assert p.line().startswith("compare: 0/4 done, 4 running (epochs 0–14 of 500), 0 queued")


def test_before_any_run_finishes_the_time_left_comes_from_the_running_runs_pace(tmp_path, monkeypatch):
    now = [0.0]
    monkeypatch.setattr("time.monotonic", lambda: now[0])
    p = Progress(total=4, jobs=2, key="map50_95", running=2, epochs=100)
    _log(tmp_path / "fresh", 0)
    _log(tmp_path / "resumed", 40)  # resumed from epoch 40: only the epochs it trains in this call are timed
    p.begin(tmp_path / "fresh")
    p.begin(tmp_path / "resumed")
    assert "~? left" in p.line()  # no epoch trained yet
    now[0] = 600.0
    _log(tmp_path / "fresh", 10)  # 60 s an epoch
    _log(tmp_path / "resumed", 60)  # 30 s an epoch
    # a run of 100 epochs at the median pace, 45 s: 4500 s; 2 queued + 0.9 + 0.4 of a run, 2 at a time: 7425 s
    assert p.line().startswith("compare: 0/4 done, 2 running (epochs 10, 60 of 100), 2 queued, 10m00s elapsed, ~2h03m")
    _log(tmp_path / "resumed", 5)  # its checkpoint could not be read: moved aside, trained again from epoch 0
    assert "(epochs 10, 5 of 100)" in p.line() and "~4h48m" in p.line()  # 60 and 120 s: 90; 3.85 runs of 9000 s
    _log(tmp_path / "resumed", 60)
    p.add(RunResult("stock", 0, "trained", 100, 90, 0.9, 0.5, 1000.0, ""))
    # once a run has finished its time wins over the pace: 1 queued + 0.9 + 0.4 runs of 1000 s, 2 at a time
    assert "1/4 done, 2 running (epochs 10, 60 of 100), 1 queued, 10m00s elapsed, ~19m10s left" in p.line()


def test_a_log_file_gets_a_line_every_LOG_EVERY_seconds_and_a_terminal_all_the_time(monkeypatch, capsys):
    now = [1000.0]
    monkeypatch.setattr("time.monotonic", lambda: now[0])
    p = Progress(total=2, jobs=2, key="map50_95", tty=False)
    assert p.due()  # nothing shown yet
    p.show()
    now[0] += LOG_EVERY - 1
    assert not p.due()
    now[0] += 1
    assert p.due()
    assert capsys.readouterr().out.count("\n") == 1
    assert Progress(total=2, jobs=2, key="map50_95", tty=True).due()


def test_parallel_runs_report_their_epochs_while_they_train(tmp_path, monkeypatch, capsys):
    import dataclasses
    import threading

    from yolo_dsconv.compare import progress, scheduler, worker
    from yolo_dsconv.compare.variants import Variant

    seen = threading.Event()
    line = Progress.line

    def watched(self):  # the line show() prints: a second call could see epochs the printed one did not
        text = line(self)
        if "2 running (epochs 3, 3 of 7)" in text:
            seen.set()
        return text

    def attempt(spec):  # each run logs 3 epochs, then trains on until the line has shown both
        _log(tmp_path / spec["variant"] / f"seed{spec['seed']}", 3)
        assert seen.wait(30)
        r = RunResult(spec["variant"], spec["seed"], "trained", 7, 7, 0.9, 0.5, 1.0, "")
        return {"result": dataclasses.asdict(r)}

    monkeypatch.setattr(Progress, "line", watched)
    monkeypatch.setattr(progress, "LOG_EVERY", 0.0)  # a line at each 5 s wait, not every 10 min
    monkeypatch.setattr(worker, "attempt", attempt)
    plan = [(Variant("stock", "a.yaml", "1"), 0), (Variant("dsconv", "b.yaml", "2"), 0)]
    shared = scheduler._Plan(tmp_path, "d.yaml", {"epochs": 7}, "map50-95")
    out = scheduler._run_local(plan, shared, 2, 1, Slots([]))
    assert [(r.variant, r.seed) for r in out] == [("stock", 0), ("dsconv", 0)]
    lines = capsys.readouterr().out.splitlines()
    assert any("2 running (epochs 3, 3 of 7)" in line for line in lines)
    assert lines[-1].startswith("compare: 2/2 done, 0 running, 0 queued")  # runs that ended are no longer listed
