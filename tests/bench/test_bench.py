"""The benchmark runs end to end on a tiny configuration and writes its table, CSV and JSON."""

import json
import time

from yolo_dsconv.bench import interleaved_medians
from yolo_dsconv.cli.main import main


def test_interleaved_medians_orders_by_cost():
    t = interleaved_medians({"slow": lambda: time.sleep(0.004), "fast": lambda: None}, rounds=5, warmup=1)
    assert t["slow"] > 0.003 > t["fast"]


def test_bench_quick_end_to_end(tmp_path, capsys):
    assert main(["bench", "quick=True", "rounds=2", "parts=module,train,model", f"out={tmp_path}"]) == 0
    out = capsys.readouterr().out
    assert "ExpandConv fused pruned" in out and "1x1 convs alone (fused)" in out and "yolov5n-dsconv" in out
    data = json.loads((tmp_path / "bench_cpu_fp32.json").read_text())
    parts = {r["part"] for r in data["rows"]}
    assert parts == {"module fwd", "train step", "model fwd"}
    assert all(r["ms"] > 0 for r in data["rows"])
    variants = {r["variant"] for r in data["rows"] if r["part"] == "module fwd"}
    assert {
        "ExpandConv fused pruned",
        "ExpandConv fused unpruned",
        "ExpandConv dense=False fused",
        "SPPF fused",
        "ExpandConv unfused pruned",
        "ExpandConv unfused unpruned",
        "1x1 convs alone (fused)",
    } == variants
    assert (tmp_path / "bench_cpu_fp32.csv").read_text().startswith("part,shape,variant,ms")


def test_bench_rejects_unknown_part(capsys):
    assert main(["bench", "parts=module,gpu"]) == 2
    assert "parts='module,gpu' is invalid" in capsys.readouterr().err
